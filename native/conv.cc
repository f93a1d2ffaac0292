// conv2d forward / backward-input / backward-weight as GEMMs whose operands are packed straight
// from the NCHW tensors (im2col written directly in the micro-kernel's packed layout, no
// intermediate column matrix). Columns run over the whole batch (j = n*OH*OW + oh*OW + ow) so
// the small spatial sizes of the models still fill 16-wide micro-tiles.
#include "pb.h"
#include <algorithm>
#include <vector>

namespace pb {

static inline long roundUp(long x, long m) { return (x + m - 1) / m * m; }

// column chunk so that packed B (k x chunk) and the C tile (m x chunk) stay in L2
static long chunkCols(long k, long m, long np) {
  long ch = 65536 / std::max<long>(1, k + m);
  ch = std::max(NR, ch / NR * NR);
  ch = std::min(ch, 4080L);
  return std::min(ch, roundUp(np, NR));
}

struct ColIndex {
  // per batch column j: image base offset, top-left input row/col of its window
  std::vector<long> base;
  std::vector<long> ih0, iw0;
};

static void indexColumns(const ConvDims& d, long j0, long nc, ColIndex& ci, long imageStride) {
  const long P = d.oh * d.ow;
  ci.base.resize(nc); ci.ih0.resize(nc); ci.iw0.resize(nc);
  long n = j0 / P, q = j0 % P;
  long oh = q / d.ow, ow = q % d.ow;
  for (long t = 0; t < nc; ++t) {
    ci.base[t] = n * imageStride;
    ci.ih0[t] = oh * d.stride - d.pad;
    ci.iw0[t] = ow * d.stride - d.pad;
    if (++ow == d.ow) { ow = 0; if (++oh == d.oh) { oh = 0; ++n; } }
  }
}

// B(p, j) = x[n, c, ih0+ki, iw0+kj] for p = (c,ki,kj) in [k0, k0+kc), j in the chunk (ci indexes it)
static void packIm2col(const float* x, const ConvDims& d, const ColIndex& ci, long k0, long kc, long nc, float* dst) {
  const long HW = d.h * d.w, KK = d.kh * d.kw;
  for (long jp = 0; jp < nc; jp += NR) {
    const long nr = std::min(NR, nc - jp);
    long c = k0 / KK, rem = k0 % KK, ki = rem / d.kw, kj = rem % d.kw;
    if (d.pad == 0 && nr == NR) {
      long off[NR];
      for (long t = 0; t < NR; ++t) off[t] = ci.base[jp + t] + ci.ih0[jp + t] * d.w + ci.iw0[jp + t];
      for (long p = 0; p < kc; ++p) {
        const float* src = x + c * HW + ki * d.w + kj;
        for (long t = 0; t < NR; ++t) dst[t] = src[off[t]];
        dst += NR;
        if (++kj == d.kw) { kj = 0; if (++ki == d.kh) { ki = 0; ++c; } }
      }
    } else {
      for (long p = 0; p < kc; ++p) {
        long t = 0;
        for (; t < nr; ++t) {
          const long ih = ci.ih0[jp + t] + ki, iw = ci.iw0[jp + t] + kj;
          dst[t] = (ih >= 0 && ih < d.h && iw >= 0 && iw < d.w) ? x[ci.base[jp + t] + c * HW + ih * d.w + iw] : 0.0f;
        }
        for (; t < NR; ++t) dst[t] = 0.0f;
        dst += NR;
        if (++kj == d.kw) { kj = 0; if (++ki == d.kh) { ki = 0; ++c; } }
      }
    }
  }
}

// B(o, j) = dy[n, o, q] for o in [o0, o0+oc), j in the chunk; ci.base holds n*O*P + q
static void packDyCols(const float* dy, long P, const std::vector<long>& base, long o0, long oc, long nc, float* dst) {
  for (long jp = 0; jp < nc; jp += NR) {
    const long nr = std::min(NR, nc - jp);
    for (long o = 0; o < oc; ++o) {
      const float* src = dy + (o0 + o) * P;
      long t = 0;
      for (; t < nr; ++t) dst[t] = src[base[jp + t]];
      for (; t < NR; ++t) dst[t] = 0.0f;
      dst += NR;
    }
  }
}

void conv2dForward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d) {
  const long K = d.c * d.kh * d.kw, P = d.oh * d.ow, NP = d.n * P, O = d.o, CHW = d.c * d.h * d.w;
  if (NP == 0 || O == 0) return;
  if (K == 0) {
    for (long n = 0; n < d.n; ++n)
      for (long o = 0; o < O; ++o)
        for (long q = 0; q < P; ++q) out[(n * O + o) * P + q] = bias ? bias[o] : 0.0f;
    return;
  }
  const long Opad = roundUp(O, MR);
  float* Ap = ctx.packA.get(static_cast<size_t>(Opad * K));
  const long chunk = chunkCols(std::min(K, KC), O, NP);
  float* Bp = ctx.packB.get(static_cast<size_t>(std::min(K, KC) * chunk));
  float* Ct = ctx.tmpC.get(static_cast<size_t>(O * chunk));
  if (!Ap || !Bp || !Ct) throw std::bad_alloc();
  for (long pc = 0; pc < K; pc += KC) packA(w + pc, K, 1, O, std::min(KC, K - pc), Ap + Opad * pc);
  ColIndex ci;
  for (long j0 = 0; j0 < NP; j0 += chunk) {
    const long nc = std::min(chunk, NP - j0);
    indexColumns(d, j0, nc, ci, CHW);
    for (long pc = 0; pc < K; pc += KC) {
      const long kc = std::min(KC, K - pc);
      packIm2col(x, d, ci, pc, kc, nc, Bp);
      macroKernel(ctx, O, nc, kc, Ap + Opad * pc, Bp, Ct, nc, pc == 0 ? 0.0f : 1.0f);
    }
    // scatter the (O x nc) tile into NCHW, adding the bias
    long j = j0;
    while (j < j0 + nc) {
      const long n = j / P, q = j % P, len = std::min(P - q, j0 + nc - j);
      for (long o = 0; o < O; ++o) {
        float* dst = out + (n * O + o) * P + q;
        const float* src = Ct + o * nc + (j - j0);
        const float b = bias ? bias[o] : 0.0f;
        for (long t = 0; t < len; ++t) dst[t] = src[t] + b;
      }
      j += len;
    }
  }
}

void conv2dBackwardInput(Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d) {
  const long K = d.c * d.kh * d.kw, P = d.oh * d.ow, NP = d.n * P, O = d.o, HW = d.h * d.w, CHW = d.c * HW;
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(d.n * CHW));
  if (NP == 0 || O == 0 || K == 0) return;
  const long Kpad = roundUp(K, MR);
  float* Ap = ctx.packA.get(static_cast<size_t>(Kpad * O));
  const long chunk = chunkCols(std::min(O, KC), K, NP);
  float* Bp = ctx.packB.get(static_cast<size_t>(std::min(O, KC) * chunk));
  float* Ct = ctx.tmpC.get(static_cast<size_t>(K * chunk));
  if (!Ap || !Bp || !Ct) throw std::bad_alloc();
  // A = W^T: A(k, o) = w[o*K + k]
  for (long pc = 0; pc < O; pc += KC) packA(w + pc * K, 1, K, K, std::min(KC, O - pc), Ap + Kpad * pc);
  ColIndex ci;
  std::vector<long> dyBase;
  const long KK = d.kh * d.kw;
  for (long j0 = 0; j0 < NP; j0 += chunk) {
    const long nc = std::min(chunk, NP - j0);
    indexColumns(d, j0, nc, ci, CHW);
    dyBase.resize(nc);
    {
      long n = j0 / P, q = j0 % P;
      for (long t = 0; t < nc; ++t) { dyBase[t] = n * O * P + q; if (++q == P) { q = 0; ++n; } }
    }
    for (long pc = 0; pc < O; pc += KC) {
      const long oc = std::min(KC, O - pc);
      packDyCols(dy, P, dyBase, pc, oc, nc, Bp);
      macroKernel(ctx, K, nc, oc, Ap + Kpad * pc, Bp, Ct, nc, pc == 0 ? 0.0f : 1.0f);
    }
    // col2im: k outer, column inner (fixed order)
    for (long k = 0; k < K; ++k) {
      const long c = k / KK, ki = (k % KK) / d.kw, kj = k % d.kw;
      const float* src = Ct + k * nc;
      float* dxc = dx + c * HW;
      if (d.pad == 0) {
        for (long t = 0; t < nc; ++t) dxc[ci.base[t] + (ci.ih0[t] + ki) * d.w + ci.iw0[t] + kj] += src[t];
      } else {
        for (long t = 0; t < nc; ++t) {
          const long ih = ci.ih0[t] + ki, iw = ci.iw0[t] + kj;
          if (ih >= 0 && ih < d.h && iw >= 0 && iw < d.w) dxc[ci.base[t] + ih * d.w + iw] += src[t];
        }
      }
    }
  }
}

void conv2dBackwardWeight(Ctx& ctx, float* dw, float* db, const float* dy, const float* x, const ConvDims& d) {
  const long K = d.c * d.kh * d.kw, P = d.oh * d.ow, NP = d.n * P, O = d.o, HW = d.h * d.w, CHW = d.c * HW;
  if (db) {
    for (long o = 0; o < O; ++o) {
      double s = 0.0;
      for (long n = 0; n < d.n; ++n) {
        const float* src = dy + (n * O + o) * P;
        for (long q = 0; q < P; ++q) s += src[q];
      }
      db[o] = static_cast<float>(s);
    }
  }
  if (O == 0 || K == 0) return;
  if (NP == 0) { std::memset(dw, 0, sizeof(float) * static_cast<size_t>(O * K)); return; }
  const long Opad = roundUp(O, MR), Kpad = roundUp(K, NR);
  const long rcMax = std::min(KC, NP);
  float* Ap = ctx.packA.get(static_cast<size_t>(Opad * rcMax));
  float* Bp = ctx.packB.get(static_cast<size_t>(Kpad * rcMax));
  if (!Ap || !Bp) throw std::bad_alloc();
  const long KK = d.kh * d.kw;
  long koff[NR], kki[NR], kkj[NR];
  long base[KC], ih0[KC], iw0[KC], dyb[KC];
  for (long r0 = 0; r0 < NP; r0 += KC) {
    const long rc = std::min(KC, NP - r0);
    {
      long n = r0 / P, q = r0 % P;
      for (long t = 0; t < rc; ++t) {
        const long oh = q / d.ow, ow = q % d.ow;
        base[t] = n * CHW; ih0[t] = oh * d.stride - d.pad; iw0[t] = ow * d.stride - d.pad;
        dyb[t] = n * O * P + q;
        if (++q == P) { q = 0; ++n; }
      }
    }
    // A(o, r) = dy[n, o, q]
    float* dst = Ap;
    for (long o0 = 0; o0 < O; o0 += MR) {
      const long mr = std::min(MR, O - o0);
      for (long t = 0; t < rc; ++t) {
        long r = 0;
        for (; r < mr; ++r) dst[r] = dy[dyb[t] + (o0 + r) * P];
        for (; r < MR; ++r) dst[r] = 0.0f;
        dst += MR;
      }
    }
    // B(r, k) = x[n, c, ih0+ki, iw0+kj]
    dst = Bp;
    for (long k0 = 0; k0 < K; k0 += NR) {
      const long nr = std::min(NR, K - k0);
      for (long t = 0; t < nr; ++t) {
        const long k = k0 + t, c = k / KK;
        kki[t] = (k % KK) / d.kw; kkj[t] = k % d.kw;
        koff[t] = c * HW + kki[t] * d.w + kkj[t];
      }
      if (d.pad == 0 && nr == NR) {
        for (long t = 0; t < rc; ++t) {
          const float* src = x + base[t] + ih0[t] * d.w + iw0[t];
          for (long u = 0; u < NR; ++u) dst[u] = src[koff[u]];
          dst += NR;
        }
      } else {
        for (long t = 0; t < rc; ++t) {
          long u = 0;
          for (; u < nr; ++u) {
            const long ih = ih0[t] + kki[u], iw = iw0[t] + kkj[u];
            dst[u] = (ih >= 0 && ih < d.h && iw >= 0 && iw < d.w) ? x[base[t] + koff[u] + (ih0[t]) * d.w + iw0[t]] : 0.0f;
          }
          for (; u < NR; ++u) dst[u] = 0.0f;
          dst += NR;
        }
      }
    }
    macroKernel(ctx, O, K, rc, Ap, Bp, dw, K, r0 == 0 ? 0.0f : 1.0f);
  }
}

} // namespace pb
