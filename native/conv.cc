// conv2d forward / backward-input / backward-weight as GEMMs whose operands are packed straight
// from the NCHW tensors (im2col written directly in the micro-kernel's packed layout, no
// intermediate column matrix). Columns run over the whole batch (j = n*OH*OW + oh*OW + ow) so
// the small spatial sizes of the models still fill 16-wide micro-tiles.
#include "pb.h"
#include "winograd.h"
#include <algorithm>
#include <vector>

namespace pb {

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
// a row p past C*KH*KW (c == C: the folded bias row) is all ones
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
        if (c >= d.c) { for (long t = 0; t < NR; ++t) dst[t] = 1.0f; dst += NR; continue; }
        for (long t = 0; t < NR; ++t) dst[t] = src[off[t]];
        dst += NR;
        if (++kj == d.kw) { kj = 0; if (++ki == d.kh) { ki = 0; ++c; } }
      }
    } else {
      for (long p = 0; p < kc; ++p) {
        long t = 0;
        if (c >= d.c) { for (; t < NR; ++t) dst[t] = 1.0f; dst += NR; continue; }
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
  if (winogradFits(d)) { winogradForward(ctx, out, x, w, bias, d); return; }
  if (directConv1Fits(ctx, d)) { directConv1Forward(ctx, out, x, w, bias, d, false); return; }
  if (K == 0) {
    for (long n = 0; n < d.n; ++n)
      for (long o = 0; o < O; ++o)
        for (long q = 0; q < P; ++q) out[(n * O + o) * P + q] = bias ? bias[o] : 0.0f;
    return;
  }
  // the bias is folded into the GEMM as one more reduction row (A column = bias, B row = ones),
  // so every output is written once, straight into NCHW
  const long Kx = K + (bias ? 1 : 0);
  const long Opad = roundUp(O, MR);
  float* Wx = ctx.aux.get(static_cast<size_t>(O * Kx));
  float* Ap = ctx.packA.get(static_cast<size_t>(Opad * Kx));
  const long chunk = chunkCols(Kx, 0, NP);
  float* Bp = ctx.packB.get(static_cast<size_t>(Kx * chunk));
  float* Ct = ctx.tmpC.get(static_cast<size_t>(Opad * NR));
  if (!Wx || !Ap || !Bp || !Ct) throw std::bad_alloc();
  for (long o = 0; o < O; ++o) {
    std::memcpy(Wx + o * Kx, w + o * K, sizeof(float) * static_cast<size_t>(K));
    if (bias) Wx[o * Kx + K] = bias[o];
  }
  for (long pc = 0; pc < Kx; pc += KC) packA(Wx + pc, Kx, 1, O, std::min(KC, Kx - pc), Ap + Opad * pc);
  ColIndex ci;
  const Ukr ukr = ctx.ukr;
  for (long j0 = 0; j0 < NP; j0 += chunk) {
    const long nc = std::min(chunk, NP - j0), ncPad = roundUp(nc, NR);
    indexColumns(d, j0, nc, ci, CHW);
    for (long pc = 0; pc < Kx; pc += KC) packIm2col(x, d, ci, pc, std::min(KC, Kx - pc), nc, Bp + pc * ncPad);
    for (long jp = 0; jp < nc; jp += NR) {
      const long nr = std::min(NR, nc - jp);
      const long j = j0 + jp, n = j / P, q = j % P;
      const bool direct = q + nr <= P;  // the panel lies inside one image: write in place
      float* C = direct ? out + n * O * P + q : Ct;
      const long ldc = direct ? P : NR;
      for (long o0 = 0; o0 < O; o0 += MR) {
        const long mr = std::min(MR, O - o0);
        for (long pc = 0; pc < Kx; pc += KC) {
          const long kc = std::min(KC, Kx - pc);
          ukr(kc, Ap + Opad * pc + o0 * kc, Bp + pc * ncPad + jp * kc, C + o0 * ldc, ldc, pc == 0 ? 0.0f : 1.0f, mr, nr);
        }
      }
      if (!direct) {
        for (long t = 0; t < nr; ++t) {
          const long jj = j + t, nn = jj / P, qq = jj % P;
          for (long o = 0; o < O; ++o) out[(nn * O + o) * P + qq] = Ct[o * NR + t];
        }
      }
    }
  }
}

void conv2dRelu(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d) {
  if (directConv1Fits(ctx, d)) { directConv1Forward(ctx, out, x, w, bias, d, true); return; }
  conv2dForward(ctx, out, x, w, bias, d);
  unary(UnOp::Relu, out, out, d.n * d.o * d.oh * d.ow, 0.0f);
}

void conv2dBackwardInput(Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d) {
  const long K = d.c * d.kh * d.kw, P = d.oh * d.ow, NP = d.n * P, O = d.o, HW = d.h * d.w, CHW = d.c * HW;
  if (NP > 0 && winogradFits(d)) { winogradBackwardInput(ctx, dx, dy, w, d); return; }
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
  std::vector<long> dyBase, colOff;
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
    if (d.pad == 0) colOff.resize(nc);
    if (d.pad == 0)
      for (long t = 0; t < nc; ++t) colOff[t] = ci.base[t] + ci.ih0[t] * d.w + ci.iw0[t];
    for (long k = 0; k < K; ++k) {
      const long c = k / KK, ki = (k % KK) / d.kw, kj = k % d.kw;
      const float* src = Ct + k * nc;
      float* dxc = dx + c * HW;
      if (d.pad == 0) {
        float* dk = dxc + ki * d.w + kj;
        const long* co = colOff.data();
        for (long t = 0; t < nc; ++t) dk[co[t]] += src[t];
      } else {
        for (long t = 0; t < nc; ++t) {
          const long ih = ci.ih0[t] + ki, iw = ci.iw0[t] + kj;
          if (ih >= 0 && ih < d.h && iw >= 0 && iw < d.w) dxc[ci.base[t] + ih * d.w + iw] += src[t];
        }
      }
    }
  }
}

// B(r, k) = x[n, c, ih0+ki, iw0+kj] for batch columns r in [r0, r0+rc) (rc <= KC), k panels of NR
static void packColT(const float* x, const ConvDims& d, long r0, long rc, float* dst) {
  const long K = d.c * d.kh * d.kw, P = d.oh * d.ow, HW = d.h * d.w, CHW = d.c * HW, KK = d.kh * d.kw;
  long koff[NR], kki[NR], kkj[NR];
  long base[KC], ih0[KC], iw0[KC];
  {
    long n = r0 / P, q = r0 % P, oh = q / d.ow, ow = q % d.ow;
    for (long t = 0; t < rc; ++t) {
      base[t] = n * CHW; ih0[t] = oh * d.stride - d.pad; iw0[t] = ow * d.stride - d.pad;
      if (++ow == d.ow) { ow = 0; if (++oh == d.oh) { oh = 0; ++n; } }
    }
  }
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
    } else if (d.pad == 0) {
      for (long t = 0; t < rc; ++t) {
        const float* src = x + base[t] + ih0[t] * d.w + iw0[t];
        long u = 0;
        for (; u < nr; ++u) dst[u] = src[koff[u]];
        for (; u < NR; ++u) dst[u] = 0.0f;
        dst += NR;
      }
    } else {
      for (long t = 0; t < rc; ++t) {
        long u = 0;
        for (; u < nr; ++u) {
          const long ih = ih0[t] + kki[u], iw = iw0[t] + kkj[u];
          dst[u] = (ih >= 0 && ih < d.h && iw >= 0 && iw < d.w) ? x[base[t] + koff[u] + ih0[t] * d.w + iw0[t]] : 0.0f;
        }
        for (; u < NR; ++u) dst[u] = 0.0f;
        dst += NR;
      }
    }
  }
}

void conv2dBackwardWeight(Ctx& ctx, float* dw, float* db, const float* dy, const float* x, const ConvDims& d) {
  const long K = d.c * d.kh * d.kw, P = d.oh * d.ow, NP = d.n * P, O = d.o;
  if (db) {
    // 8 independent double lanes (one serial chain was latency-bound: 4 cycles per element)
    for (long o = 0; o < O; ++o) {
      double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (long n = 0; n < d.n; ++n) {
        const float* src = dy + (n * O + o) * P;
        long q = 0;
        for (; q + 8 <= P; q += 8)
          for (int l = 0; l < 8; ++l) s[l] += src[q + l];
        for (int l = 0; q + l < P; ++l) s[l] += src[q + l];
      }
      db[o] = static_cast<float>(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
    }
  }
  if (O == 0 || K == 0) return;
  if (NP == 0) { std::memset(dw, 0, sizeof(float) * static_cast<size_t>(O * K)); return; }
  if (winogradFits(d)) { winogradBackwardWeight(ctx, dw, dy, x, d); return; }
  if (directConv1Fits(ctx, d)) { directConv1Weight(ctx, dw, dy, x, d); return; }
  const long Opad = roundUp(O, MR), Kpad = roundUp(K, NR);
  if (P >= 64) {
    // large images: per image, dy's rows are read in place by the micro-kernel (no packing of dy);
    // only the transposed im2col is packed. Order: images ascending, q blocks ascending.
    const long qb = std::min(KC, P);
    float* Bp = ctx.packB.get(static_cast<size_t>(Kpad * qb));
    if (!Bp) throw std::bad_alloc();
    const UkrRows ukr = ctx.ukrRows;
    bool first = true;
    for (long n = 0; n < d.n; ++n) {
      for (long q0 = 0; q0 < P; q0 += KC) {
        const long qc = std::min(KC, P - q0);
        packColT(x, d, n * P + q0, qc, Bp);
        const float* a = dy + n * O * P + q0;
        for (long k0 = 0; k0 < K; k0 += NR) {
          const long nr = std::min(NR, K - k0);
          for (long o0 = 0; o0 < O; o0 += MR)
            ukr(qc, a + o0 * P, P, Bp + k0 * qc, dw + o0 * K + k0, K, first ? 0.0f : 1.0f, std::min(MR, O - o0), nr);
        }
        first = false;
      }
    }
    return;
  }
  const long rcMax = std::min(KC, NP);
  float* Ap = ctx.packA.get(static_cast<size_t>(Opad * rcMax));
  float* Bp = ctx.packB.get(static_cast<size_t>(Kpad * rcMax));
  if (!Ap || !Bp) throw std::bad_alloc();
  long dyb[KC];
  for (long r0 = 0; r0 < NP; r0 += KC) {
    const long rc = std::min(KC, NP - r0);
    {
      long n = r0 / P, q = r0 % P;
      for (long t = 0; t < rc; ++t) { dyb[t] = n * O * P + q; if (++q == P) { q = 0; ++n; } }
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
    packColT(x, d, r0, rc, Bp);
    macroKernel(ctx, O, K, rc, Ap, Bp, dw, K, r0 == 0 ? 0.0f : 1.0f);
  }
}

// the activation goes through the cache, not through memory: images in chunks of about 256 KiB of
// activation (the whole batch for Winograd, whose kernel transform is per call), each convolved,
// ReLU'd in place and pooled by maxPool2d, whose argmax is then shifted to the chunk's place
void conv2dReluMaxPool(Ctx& ctx, float* out, int32_t* argmax, const float* x, const float* w, const float* bias, const ConvDims& d, const PoolDims& p) {
  const long act1 = d.o * d.oh * d.ow, pool1 = d.o * p.oh * p.ow, CHW = d.c * d.h * d.w;
  if (d.n == 0 || pool1 == 0) return;
  const long chunk = winogradFits(d) ? d.n : std::max(1L, std::min(d.n, 65536 / std::max(1L, act1)));
  float* act = ctx.act.get(static_cast<size_t>(chunk * act1));
  if (!act) throw std::bad_alloc();
  for (long n0 = 0; n0 < d.n; n0 += chunk) {
    const long nc = std::min(chunk, d.n - n0);
    ConvDims dc = d;
    dc.n = nc;
    conv2dRelu(ctx, act, x + n0 * CHW, w, bias, dc);
    PoolDims pc = p;
    pc.n = nc;
    int32_t* am = argmax + n0 * pool1;
    maxPool2d(out + n0 * pool1, am, act, pc);
    const int32_t shift = static_cast<int32_t>(n0 * act1);
    if (shift != 0)
      for (long i = 0; i < nc * pool1; ++i) am[i] += shift;
  }
}

} // namespace pb
