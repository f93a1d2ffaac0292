// Winograd F(2x2,3x3) for 3x3 stride-1 convolutions (Lavin & Gray 2016): forward, backward-input
// (the forward's adjoint over the same tiles) and backward-weight. Each 2x2
// output tile costs 16 multiply-adds per channel pair instead of 36. The 16 transform positions
// are 16 independent GEMMs run by the same micro-kernel as the direct path; transforms work on 16
// tiles at a time (one micro-panel), lane-parallel. Fixed operation order: same inputs, same bits.
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]                       Y = A^T [(G g G^T) . (B^T d B)] A
#include "pb.h"
#include <xmmintrin.h>
#include <algorithm>

namespace pb {

namespace {

constexpr long L = NR;  // tiles per micro-panel (lanes)

inline long roundUp(long x, long m) { return (x + m - 1) / m * m; }
// the 16 per-position blocks are this far apart: one cache line past the block, so that they do
// not sit a multiple of 4 KiB apart (which made them evict each other and alias store forwarding)
inline long skew(long floats) { return floats + 16; }

// the tile grid of a 3x3 stride-1 convolution: tile t = (n, th, tw) covers outputs 2th..2th+1, 2tw..2tw+1
struct Tiles {
  long th, tw, per, total;
  Tiles(long n, long oh, long ow) : th((oh + 1) / 2), tw((ow + 1) / 2), per(th * tw), total(n * th * tw) {}
};

// an input whose every tile's 4x4 patch lies inside: x itself when it already is (pad 0, even
// output), else a zero-bordered copy in `scratch` (hp x wp planes, the input at (pad, pad))
struct Padded { const float* x; long hp, wp; };
Padded padInput(Arena& scratch, const float* x, long planes, long h, long w, long pad, const Tiles& tl) {
  const long hp = 2 * tl.th + 2, wp = 2 * tl.tw + 2;
  if (pad == 0 && hp == h && wp == w) return {x, h, w};
  float* dst = scratch.get(static_cast<size_t>(planes * hp * wp));
  if (!dst) throw std::bad_alloc();
  std::memset(dst, 0, sizeof(float) * static_cast<size_t>(planes * hp * wp));
  const long rows = std::min(h, hp - pad), cols = std::min(w, wp - pad);
  for (long q = 0; q < planes; ++q)
    for (long i = 0; i < rows; ++i)
      std::memcpy(dst + (q * hp + pad + i) * wp + pad, x + (q * h + i) * w, sizeof(float) * static_cast<size_t>(cols));
  return {dst, hp, wp};
}

// offset of tile t's patch from its channel plane's start
inline long patchOffset(long imageStride, long w, const Tiles& tl, long t) {
  const long n = t / tl.per, r = t % tl.per;
  return n * imageStride + 2 * (r / tl.tw) * w + 2 * (r % tl.tw);
}

// offsets of the patches of tiles t0.. (lanes) from their channel plane's start; -1 past the last tile
void patchOffsets(long imageStride, long w, const Tiles& tl, long t0, long nt, long off[L]) {
  for (long l = 0; l < L; ++l) {
    off[l] = l < nt ? patchOffset(imageStride, w, tl, t0 + l) : -1;
  }
}

// d[16][L]: lane l's 4x4 patch at src[l] (rows w apart; nullptr: zeros), four lanes at a time:
// each patch row is one 4-float load and a 4x4 transpose turns four lanes' rows into positions
void gatherPatches(const float* const src[L], long w, float d[16][L]) {
  const __m128 zero = _mm_setzero_ps();
  for (long l0 = 0; l0 < L; l0 += 4) {
    for (int i = 0; i < 4; ++i) {
      __m128 r0 = src[l0] ? _mm_loadu_ps(src[l0] + i * w) : zero;
      __m128 r1 = src[l0 + 1] ? _mm_loadu_ps(src[l0 + 1] + i * w) : zero;
      __m128 r2 = src[l0 + 2] ? _mm_loadu_ps(src[l0 + 2] + i * w) : zero;
      __m128 r3 = src[l0 + 3] ? _mm_loadu_ps(src[l0 + 3] + i * w) : zero;
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      _mm_storeu_ps(d[i * 4] + l0, r0);
      _mm_storeu_ps(d[i * 4 + 1] + l0, r1);
      _mm_storeu_ps(d[i * 4 + 2] + l0, r2);
      _mm_storeu_ps(d[i * 4 + 3] + l0, r3);
    }
  }
}

// v = B^T d B for L lanes, position p's lanes written to out + p * stride
void inputTransform(const float d[16][L], float* out, long stride) {
  float t[16][L];
  for (int j = 0; j < 4; ++j)
    for (long l = 0; l < L; ++l) {
      const float d0 = d[j][l], d1 = d[4 + j][l], d2 = d[8 + j][l], d3 = d[12 + j][l];
      t[j][l] = d0 - d2; t[4 + j][l] = d1 + d2; t[8 + j][l] = d2 - d1; t[12 + j][l] = d1 - d3;
    }
  for (int i = 0; i < 4; ++i)
    for (long l = 0; l < L; ++l) {
      const float d0 = t[i * 4][l], d1 = t[i * 4 + 1][l], d2 = t[i * 4 + 2][l], d3 = t[i * 4 + 3][l];
      float* o = out + (i * 4) * stride + l;
      o[0] = d0 - d2; o[stride] = d1 + d2; o[2 * stride] = d2 - d1; o[3 * stride] = d1 - d3;
    }
}

// u = G g G^T (g row-major 3x3, read with strides: g[i*si + j*sj])
void kernelTransform(const float* g, long si, long sj, float u[16]) {
  float t[4][3];
  for (int j = 0; j < 3; ++j) {
    const float g0 = g[j * sj], g1 = g[si + j * sj], g2 = g[2 * si + j * sj];
    t[0][j] = g0; t[1][j] = 0.5f * ((g0 + g1) + g2); t[2][j] = 0.5f * ((g0 - g1) + g2); t[3][j] = g2;
  }
  for (int i = 0; i < 4; ++i) {
    const float g0 = t[i][0], g1 = t[i][1], g2 = t[i][2];
    u[i * 4] = g0; u[i * 4 + 1] = 0.5f * ((g0 + g1) + g2); u[i * 4 + 2] = 0.5f * ((g0 - g1) + g2); u[i * 4 + 3] = g2;
  }
}

// the core of forward and backward-input: out[n, o, :, :] (oh x ow) = sum_c conv3x3(x[n, c], kernel), pad `pad`;
// U holds the 16 transformed kernels, each packed for the micro-kernel (Opad x c, MR-row panels)
void winogradCore(Ctx& ctx, float* out, const float* x, const float* U, const float* bias,
                  long n, long c, long h, long w, long o, long pad, long oh, long ow) {
  const Tiles tl(n, oh, ow);
  const long Opad = roundUp(o, MR), OP = oh * ow;
  const long vStride = skew(c * L), mStride = skew(Opad * L);
  float* Vp = ctx.packB.get(static_cast<size_t>(16 * vStride));
  float* Mp = ctx.tmpC.get(static_cast<size_t>(16 * mStride));
  if (!Vp || !Mp) throw std::bad_alloc();
  const Ukr ukr = ctx.ukr;
  const Padded px = padInput(ctx.aux, x, n * c, h, w, pad, tl);
  const long PHW = px.hp * px.wp;
  alignas(64) float d[16][L];
  for (long t0 = 0; t0 < tl.total; t0 += L) {
    const long nt = std::min(L, tl.total - t0);
    long off[L];
    patchOffsets(c * PHW, px.wp, tl, t0, nt, off);
    for (long ci = 0; ci < c; ++ci) {
      const float* plane = px.x + ci * PHW;
      const float* src[L];
      for (long l = 0; l < L; ++l) src[l] = off[l] < 0 ? nullptr : plane + off[l];
      gatherPatches(src, px.wp, d);
      inputTransform(d, Vp + ci * L, vStride);
    }
    for (int p = 0; p < 16; ++p)
      for (long o0 = 0; o0 < o; o0 += MR)
        ukr(c, U + p * Opad * c + o0 * c, Vp + p * vStride, Mp + p * mStride + o0 * L, L, 0.0f, std::min(MR, o - o0), L);
    // Y = A^T M A (+ bias), written where the tile lies inside the output
    const bool whole = oh % 2 == 0 && ow % 2 == 0;
    long yoff[L];
    bool right[L], down[L];
    for (long l = 0; l < nt; ++l) {
      const long t = t0 + l, nn = t / tl.per, rr = t % tl.per;
      const long y0 = 2 * (rr / tl.tw), x0 = 2 * (rr % tl.tw);
      yoff[l] = nn * o * OP + y0 * ow + x0;
      right[l] = x0 + 1 < ow; down[l] = y0 + 1 < oh;
    }
    for (long oi = 0; oi < o; ++oi) {
      const float* mp = Mp + oi * L;
      float r[8][L], y[4][L];
      for (int j = 0; j < 4; ++j)
        for (long l = 0; l < L; ++l) {
          const float a0 = mp[j * mStride + l], a1 = mp[(4 + j) * mStride + l], a2 = mp[(8 + j) * mStride + l], a3 = mp[(12 + j) * mStride + l];
          r[j][l] = (a0 + a1) + a2;
          r[4 + j][l] = (a1 - a2) - a3;
        }
      for (int i = 0; i < 2; ++i)
        for (long l = 0; l < L; ++l) {
          y[i * 2][l] = (r[4 * i][l] + r[4 * i + 1][l]) + r[4 * i + 2][l];
          y[i * 2 + 1][l] = (r[4 * i + 1][l] - r[4 * i + 2][l]) - r[4 * i + 3][l];
        }
      const float b = bias ? bias[oi] : 0.0f;
      float* plane = out + oi * OP;
      long l = 0;
      if (whole) {
        // every tile inside: four lanes' 2x2 tiles transposed out of y, each tile row one 2-float store
        const __m128 bv = _mm_set1_ps(b);
        for (; l + 4 <= nt; l += 4) {
          __m128 r0 = _mm_add_ps(_mm_loadu_ps(y[0] + l), bv), r1 = _mm_add_ps(_mm_loadu_ps(y[1] + l), bv);
          __m128 r2 = _mm_add_ps(_mm_loadu_ps(y[2] + l), bv), r3 = _mm_add_ps(_mm_loadu_ps(y[3] + l), bv);
          _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
          const __m128* lanes[4] = {&r0, &r1, &r2, &r3};
          for (int u = 0; u < 4; ++u) {
            float* dst = plane + yoff[l + u];
            _mm_storel_pi(reinterpret_cast<__m64*>(dst), *lanes[u]);
            _mm_storeh_pi(reinterpret_cast<__m64*>(dst + ow), *lanes[u]);
          }
        }
      }
      for (; l < nt; ++l) {
        float* dst = plane + yoff[l];
        dst[0] = y[0][l] + b;
        if (right[l]) dst[1] = y[1][l] + b;
        if (down[l]) { dst[ow] = y[2][l] + b; if (right[l]) dst[ow + 1] = y[3][l] + b; }
      }
    }
  }
}

// transformed kernels packed per position: g(oo, cc) = w[oo*so + cc*sc + i*si + j*sj]
void packKernels(Ctx& ctx, const float* w, long o, long c, long so, long sc, long si, long sj, float* U) {
  const long Opad = roundUp(o, MR);
  float* tmp = ctx.aux.get(static_cast<size_t>(16 * o * c));
  if (!tmp) throw std::bad_alloc();
  float u[16];
  for (long oo = 0; oo < o; ++oo)
    for (long cc = 0; cc < c; ++cc) {
      kernelTransform(w + oo * so + cc * sc, si, sj, u);
      for (int p = 0; p < 16; ++p) tmp[(p * o + oo) * c + cc] = u[p];
    }
  for (int p = 0; p < 16; ++p) packA(tmp + p * o * c, c, 1, o, c, U + p * Opad * c);
}

// u = A g A^T of the 2x2 output-gradient tile at g (row stride w); entries past the map's edge are 0
inline void outputGradTransform(const float* g, long w, bool right, bool down, float u[16]) {
  const float g00 = g[0], g01 = right ? g[1] : 0.0f, g10 = down ? g[w] : 0.0f, g11 = right && down ? g[w + 1] : 0.0f;
  // rows of A dY: [g0, g0 + g1, g0 - g1, -g1] per column, then the same along each row
  const float r[4][2] = {{g00, g01}, {g00 + g10, g01 + g11}, {g00 - g10, g01 - g11}, {-g10, -g11}};
  for (int i = 0; i < 4; ++i) {
    u[i * 4] = r[i][0]; u[i * 4 + 1] = r[i][0] + r[i][1]; u[i * 4 + 2] = r[i][0] - r[i][1]; u[i * 4 + 3] = -r[i][1];
  }
}

} // namespace

bool winogradFits(const ConvDims& d) {
  return d.kh == 3 && d.kw == 3 && d.stride == 1 && d.pad <= 1 && d.c >= 8 && d.o >= 8 && d.n > 0 && d.oh > 0 && d.ow > 0;
}


void winogradForward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d) {
  float* U = ctx.packA.get(static_cast<size_t>(16 * roundUp(d.o, MR) * d.c));
  if (!U) throw std::bad_alloc();
  packKernels(ctx, w, d.o, d.c, d.c * 9, 9, 3, 1, U);
  winogradCore(ctx, out, x, U, bias, d.n, d.c, d.h, d.w, d.o, d.pad, d.oh, d.ow);
}

// the adjoint of the forward pass over the same tiles (no padded tiles): per tile, dM = A dY A^T;
// dV_c = sum_o U_oc . dM_o (16 GEMMs); the patch gradient B dV B^T is added into dx, tile by tile
void winogradBackwardInput(Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d) {
  const long C = d.c, O = d.o, Cpad = roundUp(C, MR), OP = d.oh * d.ow;
  const Tiles tl(d.n, d.oh, d.ow);
  float* U = ctx.packA.get(static_cast<size_t>(16 * Cpad * O));
  const long dStride = skew(O * L), mStride = skew(Cpad * L);
  float* Dp = ctx.packB.get(static_cast<size_t>(16 * dStride));
  float* Mp = ctx.tmpC.get(static_cast<size_t>(16 * mStride));
  if (!U || !Dp || !Mp) throw std::bad_alloc();
  packKernels(ctx, w, C, O, 9, C * 9, 3, 1, U);  // rows c, reduction over o
  const long hp = 2 * tl.th + 2, wp = 2 * tl.tw + 2, PHW = hp * wp;
  const bool inPlace = d.pad == 0 && hp == d.h && wp == d.w;
  float* acc = inPlace ? dx : ctx.aux.get(static_cast<size_t>(d.n * C * PHW));
  if (!acc) throw std::bad_alloc();
  std::memset(acc, 0, sizeof(float) * static_cast<size_t>(d.n * C * PHW));
  const Ukr ukr = ctx.ukr;
  for (long t0 = 0; t0 < tl.total; t0 += L) {
    const long nt = std::min(L, tl.total - t0);
    long off[L], yoff[L];
    bool right[L], down[L];
    patchOffsets(C * PHW, wp, tl, t0, nt, off);
    for (long l = 0; l < nt; ++l) {
      const long t = t0 + l, nn = t / tl.per, rr = t % tl.per;
      const long y0 = 2 * (rr / tl.tw), x0 = 2 * (rr % tl.tw);
      yoff[l] = nn * O * OP + y0 * d.ow + x0;
      right[l] = x0 + 1 < d.ow; down[l] = y0 + 1 < d.oh;
    }
    for (long oi = 0; oi < O; ++oi) {
      const float* plane = dy + oi * OP;
      float g[4][L];
      for (long l = 0; l < L; ++l) {
        if (l >= nt) { g[0][l] = g[1][l] = g[2][l] = g[3][l] = 0.0f; continue; }
        const float* q = plane + yoff[l];
        g[0][l] = q[0]; g[1][l] = right[l] ? q[1] : 0.0f;
        g[2][l] = down[l] ? q[d.ow] : 0.0f; g[3][l] = right[l] && down[l] ? q[d.ow + 1] : 0.0f;
      }
      // A g A^T, lanes in parallel: rows [g0, g0 + g1, g0 - g1, -g1] per column, then the same along each row
      float r[8][L];
      for (long l = 0; l < L; ++l) {
        r[0][l] = g[0][l]; r[1][l] = g[1][l];
        r[2][l] = g[0][l] + g[2][l]; r[3][l] = g[1][l] + g[3][l];
        r[4][l] = g[0][l] - g[2][l]; r[5][l] = g[1][l] - g[3][l];
        r[6][l] = -g[2][l]; r[7][l] = -g[3][l];
      }
      for (int i = 0; i < 4; ++i) {
        float* u0 = Dp + ((i * 4) * dStride) + oi * L;
        float* u1 = u0 + dStride;
        float* u2 = u1 + dStride;
        float* u3 = u2 + dStride;
        for (long l = 0; l < L; ++l) {
          const float a = r[2 * i][l], b = r[2 * i + 1][l];
          u0[l] = a; u1[l] = a + b; u2[l] = a - b; u3[l] = -b;
        }
      }
    }
    for (int p = 0; p < 16; ++p)
      for (long c0 = 0; c0 < C; c0 += MR)
        ukr(O, U + p * Cpad * O + c0 * O, Dp + p * dStride, Mp + p * mStride + c0 * L, L, 0.0f, std::min(MR, C - c0), L);
    for (long ci = 0; ci < C; ++ci) {
      float m[16][L], t[16][L];
      const float* mp = Mp + ci * L;
      for (int p = 0; p < 16; ++p)
        for (long l = 0; l < L; ++l) m[p][l] = mp[p * mStride + l];
      // B m B^T: (B x) = [x0, x1 - x2 + x3, x1 + x2 - x0, -x3] down each column, then along each row
      for (int j = 0; j < 4; ++j)
        for (long l = 0; l < L; ++l) {
          const float x0 = m[j][l], x1 = m[4 + j][l], x2 = m[8 + j][l], x3 = m[12 + j][l];
          t[j][l] = x0; t[4 + j][l] = (x1 - x2) + x3; t[8 + j][l] = (x1 + x2) - x0; t[12 + j][l] = -x3;
        }
      for (int i = 0; i < 4; ++i)
        for (long l = 0; l < L; ++l) {
          const float x0 = t[i * 4][l], x1 = t[i * 4 + 1][l], x2 = t[i * 4 + 2][l], x3 = t[i * 4 + 3][l];
          m[i * 4][l] = x0; m[i * 4 + 1][l] = (x1 - x2) + x3; m[i * 4 + 2][l] = (x1 + x2) - x0; m[i * 4 + 3][l] = -x3;
        }
      float* plane = acc + ci * PHW;
      for (long l = 0; l < nt; ++l) {
        float* dst = plane + off[l];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) dst[i * wp + j] += m[i * 4 + j][l];
      }
    }
  }
  if (!inPlace) {
    for (long q = 0; q < d.n * C; ++q)
      for (long i = 0; i < d.h; ++i) {
        float* dst = dx + (q * d.h + i) * d.w;
        const long si = i + d.pad;
        if (si >= hp) { std::memset(dst, 0, sizeof(float) * static_cast<size_t>(d.w)); continue; }
        for (long j = 0; j < d.w; ++j) { const long sj = j + d.pad; dst[j] = sj < wp ? acc[q * PHW + si * wp + sj] : 0.0f; }
      }
  }
}

// dw[o, c] = G^T (sum over tiles of (A dY A^T) . (B^T d B)) G; the 16 sums are GEMMs over the tiles
void winogradBackwardWeight(Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d) {
  const long O = d.o, C = d.c, Opad = roundUp(O, MR), Cpad = roundUp(C, L), OP = d.oh * d.ow;
  const Tiles tl(d.n, d.oh, d.ow);
  long kc = 98304 / (16 * (Opad + Cpad));
  kc = std::max(L, std::min(KC, kc / L * L));
  const long aStride = skew(Opad * kc), bStride = skew(Cpad * kc);
  float* Ap = ctx.packA.get(static_cast<size_t>(16 * aStride));
  float* Bp = ctx.packB.get(static_cast<size_t>(16 * bStride));
  float* M = ctx.tmpC.get(static_cast<size_t>(16 * O * Cpad));
  if (!Ap || !Bp || !M) throw std::bad_alloc();
  const Ukr ukr = ctx.ukr;
  const Padded px = padInput(ctx.aux, x, d.n * C, d.h, d.w, d.pad, tl);
  const long PHW = px.hp * px.wp;
  alignas(64) float v[16][L];
  long yoff[KC];
  bool right[KC], down[KC];
  for (long t0 = 0; t0 < tl.total; t0 += kc) {
    const long tc = std::min(kc, tl.total - t0);
    // B_p(t, c) = (B^T d B)_p of tile t, channel c: NR-column panels [t][c], transformed 16 channels
    // (lanes) at a time so that each tile's row of a panel is one contiguous store
    for (long c0 = 0; c0 < Cpad; c0 += L) {
      float* panel = Bp + c0 * tc;
      for (long t = 0; t < tc; ++t) {
        const long off = patchOffset(C * PHW, px.wp, tl, t0 + t);
        const float* src[L];
        for (long l = 0; l < L; ++l) src[l] = c0 + l >= C ? nullptr : px.x + (c0 + l) * PHW + off;
        gatherPatches(src, px.wp, v);
        inputTransform(v, panel + t * L, bStride);
      }
    }
    // A_p(o, t) = (A dY A^T)_p of tile t, channel o: MR-row panels [t][r]
    for (long t = 0; t < tc; ++t) {
      const long tt = t0 + t, nn = tt / tl.per, rr = tt % tl.per;
      const long y0 = 2 * (rr / tl.tw), x0 = 2 * (rr % tl.tw);
      yoff[t] = nn * O * OP + y0 * d.ow + x0; right[t] = x0 + 1 < d.ow; down[t] = y0 + 1 < d.oh;
    }
    for (long o0 = 0; o0 < Opad; o0 += MR) {
      float* panel = Ap + o0 * tc;
      for (long t = 0; t < tc; ++t) {
        float g[4][MR];
        for (long r = 0; r < MR; ++r) {
          if (o0 + r >= O) { g[0][r] = g[1][r] = g[2][r] = g[3][r] = 0.0f; continue; }
          const float* q = dy + (o0 + r) * OP + yoff[t];
          g[0][r] = q[0]; g[1][r] = right[t] ? q[1] : 0.0f;
          g[2][r] = down[t] ? q[d.ow] : 0.0f; g[3][r] = right[t] && down[t] ? q[d.ow + 1] : 0.0f;
        }
        // A g A^T, the panel's rows in parallel (as in backward-input)
        float rr[8][MR];
        for (long r = 0; r < MR; ++r) {
          rr[0][r] = g[0][r]; rr[1][r] = g[1][r];
          rr[2][r] = g[0][r] + g[2][r]; rr[3][r] = g[1][r] + g[3][r];
          rr[4][r] = g[0][r] - g[2][r]; rr[5][r] = g[1][r] - g[3][r];
          rr[6][r] = -g[2][r]; rr[7][r] = -g[3][r];
        }
        for (int i = 0; i < 4; ++i) {
          float* u0 = panel + (i * 4) * aStride + t * MR;
          float* u1 = u0 + aStride;
          float* u2 = u1 + aStride;
          float* u3 = u2 + aStride;
          for (long r = 0; r < MR; ++r) {
            const float x = rr[2 * i][r], y = rr[2 * i + 1][r];
            u0[r] = x; u1[r] = x + y; u2[r] = x - y; u3[r] = -y;
          }
        }
      }
    }
    const float beta = t0 == 0 ? 0.0f : 1.0f;
    for (int p = 0; p < 16; ++p)
      for (long o0 = 0; o0 < O; o0 += MR)
        for (long c0 = 0; c0 < C; c0 += L)
          ukr(tc, Ap + p * aStride + o0 * tc, Bp + p * bStride + c0 * tc, M + (p * O + o0) * Cpad + c0, Cpad, beta,
              std::min(MR, O - o0), std::min(L, C - c0));
  }
  // dw = G^T M G per (o, c)
  for (long oi = 0; oi < O; ++oi)
    for (long ci = 0; ci < C; ++ci) {
      float m[16];
      for (int p = 0; p < 16; ++p) m[p] = M[(p * O + oi) * Cpad + ci];
      float t[3][4];
      for (int j = 0; j < 4; ++j) {
        const float m0 = m[j], m1 = m[4 + j], m2 = m[8 + j], m3 = m[12 + j];
        t[0][j] = m0 + 0.5f * (m1 + m2); t[1][j] = 0.5f * (m1 - m2); t[2][j] = 0.5f * (m1 + m2) + m3;
      }
      float* g = dw + (oi * C + ci) * 9;
      for (int i = 0; i < 3; ++i) {
        const float m0 = t[i][0], m1 = t[i][1], m2 = t[i][2], m3 = t[i][3];
        g[i * 3] = m0 + 0.5f * (m1 + m2); g[i * 3 + 1] = 0.5f * (m1 - m2); g[i * 3 + 2] = 0.5f * (m1 + m2) + m3;
      }
    }
}

} // namespace pb
