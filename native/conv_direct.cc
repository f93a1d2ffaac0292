// direct AVX-512 kernels for one-input-channel, stride-1, unpadded convolutions (the models' first
// layers: 1 -> 16/32 channels, 3x3 or 5x5 on 14x14), where im2col packing cost more than the GEMM.
// Each output accumulates exactly as the GEMM path's micro-kernels do (one FMA chain from zero over
// the taps in order, then the bias; the weight gradient's chains over the same position blocks), so
// the AVX-512 and AVX2 paths still give the same bits.
#include "pb.h"
#include <immintrin.h>
#include <algorithm>
#include <vector>

namespace pb {

bool directConv1Fits(const Ctx& ctx, const ConvDims& d) {
  return ctx.avx512 && d.c == 1 && d.stride == 1 && d.pad == 0 && d.kh == d.kw && (d.kh == 3 || d.kh == 5) && d.n * d.oh * d.ow > 0 && d.o > 0;
}

#if defined(__x86_64__) || defined(__i386__)
#define PB512 __attribute__((target("avx512f,avx2,fma")))

// G output channels o0.. of one image over 16 "wide" positions j0.. (j = oh*W + ow, ow < W; lanes with
// ow >= OW are computed and dropped): B row p is x shifted by tap p's offset, read in place; wt: the
// weights tap-major (wt[p*O + o]), so one pointer serves every channel
template <int G>
PB512 static void forwardGroup(float* out, const float* xi, const float* wt, long O, const float* bias, const long* off, long K, long P,
                               long j0, __mmask16 load, __mmask16 keep, long dst, bool relu) {
  __m512 acc[G];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) acc[g] = _mm512_setzero_ps();
  for (long p = 0; p < K; ++p) {
    const __m512 b = _mm512_maskz_loadu_ps(load, xi + j0 + off[p]);
    const float* wp = wt + p * O;
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) acc[g] = _mm512_fmadd_ps(_mm512_set1_ps(wp[g]), b, acc[g]);
  }
  const __mmask16 first = static_cast<__mmask16>((1u << _mm_popcnt_u32(keep)) - 1u);
  const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
  for (int g = 0; g < G; ++g) {
    __m512 v = bias ? _mm512_fmadd_ps(_mm512_set1_ps(bias[g]), one, acc[g]) : acc[g];
    if (relu) v = _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), v, zero);  // x > 0 ? x : 0, NaN and -0 included (max returns its second operand)
    _mm512_mask_storeu_ps(out + g * P + dst, first, _mm512_maskz_compress_ps(keep, v));
  }
}

PB512 void directConv1Forward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d, bool relu) {
  const long K = d.kh * d.kw, P = d.oh * d.ow, HW = d.h * d.w, O = d.o;
  const long wide = (d.oh - 1) * d.w + d.ow;  // wide positions up to the last output
  const long panels = (wide + 15) / 16;
  long off[25];
  for (long p = 0; p < K; ++p) off[p] = (p / d.kw) * d.w + p % d.kw;
  float* wt = ctx.aux.get(static_cast<size_t>(K * O));
  if (!wt) throw std::bad_alloc();
  std::vector<long> panel(static_cast<size_t>(3 * panels));
  for (long o = 0; o < O; ++o)
    for (long p = 0; p < K; ++p) wt[p * O + o] = w[o * K + p];
  // per panel (the same for every image): lanes to load, lanes to keep, where the kept ones go
  for (long pi = 0; pi < panels; ++pi) {
    const long j0 = pi * 16;
    long load = 0, keep = 0;
    for (long t = 0; t < 16; ++t) {
      const long j = j0 + t;
      if (j < wide) { load |= 1L << t; if (j % d.w < d.ow) keep |= 1L << t; }
    }
    panel[3 * pi] = load; panel[3 * pi + 1] = keep; panel[3 * pi + 2] = (j0 / d.w) * d.ow + std::min(j0 % d.w, d.ow);
  }
  for (long n = 0; n < d.n; ++n) {
    const float* xi = x + n * HW;
    float* on = out + n * O * P;
    for (long pi = 0; pi < panels; ++pi) {
      const __mmask16 load = static_cast<__mmask16>(panel[3 * pi]), keep = static_cast<__mmask16>(panel[3 * pi + 1]);
      if (keep == 0) continue;
      const long j0 = pi * 16, dst = panel[3 * pi + 2];
      long o0 = 0;
      for (; o0 + 16 <= O; o0 += 16) forwardGroup<16>(on + o0 * P, xi, wt + o0, O, bias ? bias + o0 : nullptr, off, K, P, j0, load, keep, dst, relu);
      if (O - o0 >= 8) { forwardGroup<8>(on + o0 * P, xi, wt + o0, O, bias ? bias + o0 : nullptr, off, K, P, j0, load, keep, dst, relu); o0 += 8; }
      if (O - o0 >= 4) { forwardGroup<4>(on + o0 * P, xi, wt + o0, O, bias ? bias + o0 : nullptr, off, K, P, j0, load, keep, dst, relu); o0 += 4; }
      for (; o0 < O; ++o0) forwardGroup<1>(on + o0 * P, xi, wt + o0, O, bias ? bias + o0 : nullptr, off, K, P, j0, load, keep, dst, relu);
    }
  }
}

// r[i] lane j -> r[j] lane i (GCC 12's headers build these shuffles on _mm512_undefined_ps: a false warning)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
PB512 static inline void transpose16(__m512* r) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4i + e], 128-bit lane k: element 4k + e of rows 4i..4i+3
  __m512 u[16];
  for (int i = 0; i < 4; ++i) {
    u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  // per e, a 4x4 transpose of 128-bit lanes
  for (int e = 0; e < 4; ++e) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88), v1 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xDD);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88), v3 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xDD);
    r[e] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    r[8 + e] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    r[4 + e] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    r[12 + e] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
}
#pragma GCC diagnostic pop

// dw^T (K taps x 16 channels o0..) over one block of positions r in [r0, r0 + rc) (r = n*P + q), each tap's
// chain from zero; total = chain (first block) or chain + total, as the GEMM path merges its blocks
template <int S>
PB512 static void weightBlock(__m512* total, bool first, const float* dyT, const float* x, const ConvDims& d, long r0, long rc, long ldT) {
  constexpr int K = S * S;
  __m512 acc[K];
#pragma GCC unroll 25
  for (int p = 0; p < K; ++p) acc[p] = _mm512_setzero_ps();
  const long P = d.oh * d.ow, HW = d.h * d.w;
  long n = r0 / P, q = r0 % P, oh = q / d.ow, ow = q % d.ow;
  for (long t = 0; t < rc; ++t) {
    const float* xp = x + n * HW + oh * d.w + ow;
    const __m512 g = _mm512_loadu_ps(dyT + t * ldT);
#pragma GCC unroll 25
    for (int p = 0; p < K; ++p) acc[p] = _mm512_fmadd_ps(g, _mm512_set1_ps(xp[(p / S) * d.w + p % S]), acc[p]);
    if (++ow == d.ow) { ow = 0; if (++oh == d.oh) { oh = 0; ++n; } }
  }
#pragma GCC unroll 25
  for (int p = 0; p < K; ++p) total[p] = first ? acc[p] : _mm512_add_ps(acc[p], total[p]);
}

template <int S>
PB512 static void directConv1WeightS(Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d) {
  constexpr int K = S * S;
  const long P = d.oh * d.ow, NP = d.n * P, O = d.o;
  const long ldT = 16;
  float* dyT = ctx.packB.get(static_cast<size_t>(KC * ldT));
  if (!dyT) throw std::bad_alloc();
  for (long o0 = 0; o0 < O; o0 += 16) {
    const long oc = std::min(16L, O - o0);
    __m512 total[K];
    bool first = true;
    // the GEMM path's blocks: per image in KC-position blocks when P >= 64, else KC columns across images
    auto block = [&](long r0, long rc) PB512 {
      long n = r0 / P, q = r0 % P;
      for (long t = 0; t < rc;) {
        const float* src = dy + (n * O + o0) * P + q;
        if (t + 16 <= rc && q + 16 <= P) {
          // 16 positions of one image: the channels' rows transposed in registers
          __m512 r[16];
          for (long o = 0; o < 16; ++o) r[o] = o < oc ? _mm512_loadu_ps(src + o * P) : _mm512_setzero_ps();
          transpose16(r);
          for (long j = 0; j < 16; ++j) _mm512_storeu_ps(dyT + (t + j) * ldT, r[j]);
          t += 16;
          if ((q += 16) == P) { q = 0; ++n; }
          continue;
        }
        float* dst = dyT + t * ldT;
        long o = 0;
        for (; o < oc; ++o) dst[o] = src[o * P];
        for (; o < 16; ++o) dst[o] = 0.0f;
        ++t;
        if (++q == P) { q = 0; ++n; }
      }
      weightBlock<S>(total, first, dyT, x, d, r0, rc, ldT);
      first = false;
    };
    if (P >= 64) {
      for (long n = 0; n < d.n; ++n)
        for (long q0 = 0; q0 < P; q0 += KC) block(n * P + q0, std::min(KC, P - q0));
    } else {
      for (long r0 = 0; r0 < NP; r0 += KC) block(r0, std::min(KC, NP - r0));
    }
    alignas(64) float t[16];
    for (int p = 0; p < K; ++p) {
      _mm512_store_ps(t, total[p]);
      for (long o = 0; o < oc; ++o) dw[(o0 + o) * K + p] = t[o];
    }
  }
}

void directConv1Weight(Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d) {
  if (d.kh == 3) directConv1WeightS<3>(ctx, dw, dy, x, d);
  else directConv1WeightS<5>(ctx, dw, dy, x, d);
}
#else
void directConv1Forward(Ctx&, float*, const float*, const float*, const float*, const ConvDims&, bool) {}
void directConv1Weight(Ctx&, float*, const float*, const float*, const ConvDims&) {}
#endif

} // namespace pb
