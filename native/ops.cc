// elementwise ops, reductions, pooling, batch norm, softmax, losses and optimiser updates.
// Reductions run in a fixed order (accumulated in double where the reference sums many terms),
// so the same inputs give the same bits every run.
#include "pb.h"
#include <vector>
#include <algorithm>
#include <cmath>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace pb {

void fill(float* out, long n, float v) {
  for (long i = 0; i < n; ++i) out[i] = v;
}

template <BinOp OP>
static inline float bop(float a, float b) {
  if constexpr (OP == BinOp::Add) return a + b;
  else if constexpr (OP == BinOp::Sub) return a - b;
  else if constexpr (OP == BinOp::Mul) return a * b;
  else return a / b;
}

template <BinOp OP>
static void binaryT(float* out, const float* a, const float* b, long rank, const int32_t* shape, const int32_t* as, const int32_t* bs) {
  if (rank == 0) { out[0] = bop<OP>(a[0], b[0]); return; }
  long total = 1;
  for (long i = 0; i < rank; ++i) total *= shape[i];
  if (total == 0) return;
  const long inner = shape[rank - 1], sa = as[rank - 1], sb = bs[rank - 1];
  long idx[16] = {0};
  long ao = 0, bo = 0;
  for (long o = 0; o < total; o += inner) {
    float* dst = out + o;
    const float* pa = a + ao;
    const float* pb = b + bo;
    if (sa == 1 && sb == 1) for (long t = 0; t < inner; ++t) dst[t] = bop<OP>(pa[t], pb[t]);
    else if (sa == 1 && sb == 0) { const float bv = pb[0]; for (long t = 0; t < inner; ++t) dst[t] = bop<OP>(pa[t], bv); }
    else if (sa == 0 && sb == 1) { const float av = pa[0]; for (long t = 0; t < inner; ++t) dst[t] = bop<OP>(av, pb[t]); }
    else for (long t = 0; t < inner; ++t) dst[t] = bop<OP>(pa[t * sa], pb[t * sb]);
    // advance the outer index (dims 0..rank-2)
    for (long dd = rank - 2; dd >= 0; --dd) {
      ao += as[dd]; bo += bs[dd];
      if (++idx[dd] < shape[dd]) break;
      ao -= as[dd] * static_cast<long>(shape[dd]); bo -= bs[dd] * static_cast<long>(shape[dd]);
      idx[dd] = 0;
    }
  }
}

void binary(BinOp op, float* out, const float* a, const float* b, long rank, const int32_t* shape, const int32_t* as, const int32_t* bs) {
  switch (op) {
    case BinOp::Add: binaryT<BinOp::Add>(out, a, b, rank, shape, as, bs); break;
    case BinOp::Sub: binaryT<BinOp::Sub>(out, a, b, rank, shape, as, bs); break;
    case BinOp::Mul: binaryT<BinOp::Mul>(out, a, b, rank, shape, as, bs); break;
    case BinOp::Div: binaryT<BinOp::Div>(out, a, b, rank, shape, as, bs); break;
  }
}

static inline float sigmoidf(float x) { return 1.0f / (1.0f + std::exp(-x)); }

void unary(UnOp op, float* out, const float* x, long n, float alpha) {
  switch (op) {
    case UnOp::Relu: for (long i = 0; i < n; ++i) out[i] = x[i] > 0.0f ? x[i] : 0.0f; break;
    case UnOp::LeakyRelu: for (long i = 0; i < n; ++i) out[i] = x[i] > 0.0f ? x[i] : alpha * x[i]; break;
    case UnOp::Sigmoid: for (long i = 0; i < n; ++i) out[i] = sigmoidf(x[i]); break;
    case UnOp::Tanh: for (long i = 0; i < n; ++i) out[i] = std::tanh(x[i]); break;
    case UnOp::Exp: for (long i = 0; i < n; ++i) out[i] = std::exp(x[i]); break;
    case UnOp::Log: for (long i = 0; i < n; ++i) out[i] = std::log(x[i]); break;
    case UnOp::Neg: for (long i = 0; i < n; ++i) out[i] = -x[i]; break;
    case UnOp::Square: for (long i = 0; i < n; ++i) out[i] = x[i] * x[i]; break;
    case UnOp::Sqrt: for (long i = 0; i < n; ++i) out[i] = std::sqrt(x[i]); break;
    case UnOp::Scale: for (long i = 0; i < n; ++i) out[i] = alpha * x[i]; break;
  }
}

void unaryBackward(UnOp op, float* dx, const float* x, const float* y, const float* dy, long n, float alpha) {
  switch (op) {
    // both operands loaded unconditionally so the select compiles to vector blends, not branches
    case UnOp::Relu: for (long i = 0; i < n; ++i) { const float g = dy[i]; dx[i] = x[i] > 0.0f ? g : 0.0f; } break;
    case UnOp::LeakyRelu: for (long i = 0; i < n; ++i) { const float g = dy[i]; dx[i] = x[i] > 0.0f ? g : alpha * g; } break;
    case UnOp::Sigmoid: for (long i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.0f - y[i]); break;
    case UnOp::Tanh: for (long i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]); break;
    case UnOp::Exp: for (long i = 0; i < n; ++i) dx[i] = dy[i] * y[i]; break;
    case UnOp::Log: for (long i = 0; i < n; ++i) dx[i] = dy[i] / x[i]; break;
    case UnOp::Neg: for (long i = 0; i < n; ++i) dx[i] = -dy[i]; break;
    case UnOp::Square: for (long i = 0; i < n; ++i) dx[i] = 2.0f * x[i] * dy[i]; break;
    case UnOp::Sqrt: for (long i = 0; i < n; ++i) dx[i] = dy[i] / (2.0f * y[i]); break;
    case UnOp::Scale: for (long i = 0; i < n; ++i) dx[i] = alpha * dy[i]; break;
  }
}

void reduceToShape(float* out, long outLen, const float* x, long rank, const int32_t* shape, const int32_t* so) {
  for (long i = 0; i < outLen; ++i) out[i] = 0.0f;
  if (rank == 0) { if (outLen > 0) out[0] = x[0]; return; }
  long total = 1;
  for (long i = 0; i < rank; ++i) total *= shape[i];
  if (total == 0) return;
  const long inner = shape[rank - 1], si = so[rank - 1];
  long idx[16] = {0};
  long oo = 0;
  for (long o = 0; o < total; o += inner) {
    const float* src = x + o;
    if (si == 0) { float* d = out + oo; for (long t = 0; t < inner; ++t) *d += src[t]; }
    else if (si == 1) { float* d = out + oo; for (long t = 0; t < inner; ++t) d[t] += src[t]; }
    else for (long t = 0; t < inner; ++t) out[oo + t * si] += src[t];
    for (long dd = rank - 2; dd >= 0; --dd) {
      oo += so[dd];
      if (++idx[dd] < shape[dd]) break;
      oo -= so[dd] * static_cast<long>(shape[dd]);
      idx[dd] = 0;
    }
  }
}

void sumAxis(float* out, const float* x, long outer, long dim, long inner) {
  for (long o = 0; o < outer; ++o) {
    float* dst = out + o * inner;
    for (long i = 0; i < inner; ++i) dst[i] = 0.0f;
    for (long d = 0; d < dim; ++d) {
      const float* src = x + (o * dim + d) * inner;
      for (long i = 0; i < inner; ++i) dst[i] += src[i];
    }
  }
}

#if defined(__SSE2__)
// four 2x2 windows at once: a0/b0 hold their top rows, a1/b1 their bottom rows (2 floats per window);
// the first maximum wins (max_ps(v, best) is `v > best ? v : best`), bi gets its offset 0, 1, W or W + 1
static inline __m128 max4Windows(__m128 a0, __m128 b0, __m128 a1, __m128 b1, __m128i off1, __m128i offW, __m128i offW1, __m128i& bi) {
  __m128 best = _mm_shuffle_ps(a0, b0, _MM_SHUFFLE(2, 0, 2, 0));
  bi = _mm_setzero_si128();
  __m128 v = _mm_shuffle_ps(a0, b0, _MM_SHUFFLE(3, 1, 3, 1));
  __m128i g = _mm_castps_si128(_mm_cmpgt_ps(v, best));
  best = _mm_max_ps(v, best); bi = _mm_or_si128(_mm_and_si128(g, off1), _mm_andnot_si128(g, bi));
  v = _mm_shuffle_ps(a1, b1, _MM_SHUFFLE(2, 0, 2, 0));
  g = _mm_castps_si128(_mm_cmpgt_ps(v, best));
  best = _mm_max_ps(v, best); bi = _mm_or_si128(_mm_and_si128(g, offW), _mm_andnot_si128(g, bi));
  v = _mm_shuffle_ps(a1, b1, _MM_SHUFFLE(3, 1, 3, 1));
  g = _mm_castps_si128(_mm_cmpgt_ps(v, best));
  best = _mm_max_ps(v, best); bi = _mm_or_si128(_mm_and_si128(g, offW1), _mm_andnot_si128(g, bi));
  return best;
}

// small output widths (6, 3, 2...): the windows run as one sequence across rows and planes, 4 per
// SSE step, each window's two 2-float rows loaded into vector halves
static void maxPool2x2Windows(float* out, int32_t* argmax, const float* x, long planes, long H, long W, long OH, long OW) {
  const long HW = H * W, total = planes * OH * OW;
  // the windows' top-left offsets in order, stepped without divisions: across a row, then 2 rows down, then the next plane
  long ow = 0, oh = 0, rowStart = 0, planeStart = 0;
  auto nextStart = [&]() {
    const long s = rowStart + 2 * ow;
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) { oh = 0; planeStart += HW; rowStart = planeStart; }
      else rowStart += 2 * W;
    }
    return s;
  };
  auto pair = [&](long s0, long s1) {  // [x[s0], x[s0 + 1], x[s1], x[s1 + 1]]
    return _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), reinterpret_cast<const __m64*>(x + s0)), reinterpret_cast<const __m64*>(x + s1));
  };
  const __m128i off1 = _mm_set1_epi32(1), offW = _mm_set1_epi32(static_cast<int32_t>(W)), offW1 = _mm_set1_epi32(static_cast<int32_t>(W + 1));
  long q = 0;
  for (; q + 4 <= total; q += 4) {
    const long s0 = nextStart(), s1 = nextStart(), s2 = nextStart(), s3 = nextStart();
    const __m128 a0 = pair(s0, s1), b0 = pair(s2, s3), a1 = pair(s0 + W, s1 + W), b1 = pair(s2 + W, s3 + W);
    __m128i bi;
    const __m128 best = max4Windows(a0, b0, a1, b1, off1, offW, offW1, bi);
    _mm_storeu_ps(out + q, best);
    const __m128i starts = _mm_setr_epi32(static_cast<int32_t>(s0), static_cast<int32_t>(s1), static_cast<int32_t>(s2), static_cast<int32_t>(s3));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(argmax + q), _mm_add_epi32(starts, bi));
  }
  for (; q < total; ++q) {
    const long s0 = nextStart();
    const float* r0 = x + s0;
    float best = r0[0]; int32_t bi = 0;
    float v = r0[1]; bool g = v > best; best = g ? v : best; bi = g ? 1 : bi;
    v = r0[W]; g = v > best; best = g ? v : best; bi = g ? static_cast<int32_t>(W) : bi;
    v = r0[W + 1]; g = v > best; best = g ? v : best; bi = g ? static_cast<int32_t>(W + 1) : bi;
    out[q] = best;
    argmax[q] = static_cast<int32_t>(s0) + bi;
  }
}
#endif

static void maxPool2x2(float* out, int32_t* argmax, const float* x, long planes, long H, long W, long OH, long OW) {
  const long HW = H * W, P = OH * OW;
#if defined(__SSE2__)
  if (OW < 8) { maxPool2x2Windows(out, argmax, x, planes, H, W, OH, OW); return; }
#endif
  for (long nc = 0; nc < planes; ++nc) {
    const float* src = x + nc * HW;
    float* dst = out + nc * P;
    int32_t* am = argmax + nc * P;
    const int32_t base = static_cast<int32_t>(nc * HW);
    for (long oh = 0; oh < OH; ++oh) {
      const float* r0 = src + 2 * oh * W;
      const float* r1 = r0 + W;
      const int32_t rb = base + static_cast<int32_t>(2 * oh * W);
      long ow = 0;
#if defined(__SSE2__)
      // 4 windows at a time: even/odd input columns split by shuffles; max_ps(v, best) is
      // exactly `v > best ? v : best` (NaN keeps best), as the scalar tail below
      const __m128i colStep = _mm_setr_epi32(0, 2, 4, 6);
      const __m128i off1 = _mm_set1_epi32(1), offW = _mm_set1_epi32(static_cast<int32_t>(W)), offW1 = _mm_set1_epi32(static_cast<int32_t>(W + 1));
      for (; ow + 4 <= OW; ow += 4) {
        const __m128 a0 = _mm_loadu_ps(r0 + 2 * ow), b0 = _mm_loadu_ps(r0 + 2 * ow + 4);
        const __m128 a1 = _mm_loadu_ps(r1 + 2 * ow), b1 = _mm_loadu_ps(r1 + 2 * ow + 4);
        __m128i bi;
        const __m128 best = max4Windows(a0, b0, a1, b1, off1, offW, offW1, bi);
        _mm_storeu_ps(dst + oh * OW + ow, best);
        const __m128i base = _mm_add_epi32(_mm_set1_epi32(rb + static_cast<int32_t>(2 * ow)), colStep);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(am + oh * OW + ow), _mm_add_epi32(base, bi));
      }
#endif
      for (; ow < OW; ++ow) {
        // branch-free: random data would mispredict every comparison
        float best = r0[2 * ow]; int32_t bi = 0;
        float v = r0[2 * ow + 1]; bool g = v > best; best = g ? v : best; bi = g ? 1 : bi;
        v = r1[2 * ow]; g = v > best; best = g ? v : best; bi = g ? static_cast<int32_t>(W) : bi;
        v = r1[2 * ow + 1]; g = v > best; best = g ? v : best; bi = g ? static_cast<int32_t>(W + 1) : bi;
        dst[oh * OW + ow] = best;
        am[oh * OW + ow] = rb + static_cast<int32_t>(2 * ow) + bi;
      }
    }
  }
}

void maxPool2d(float* out, int32_t* argmax, const float* x, const PoolDims& d) {
  if (d.k == 2 && d.stride == 2) { maxPool2x2(out, argmax, x, d.n * d.c, d.h, d.w, d.oh, d.ow); return; }
  const long HW = d.h * d.w, P = d.oh * d.ow;
  for (long nc = 0; nc < d.n * d.c; ++nc) {
    const float* src = x + nc * HW;
    float* dst = out + nc * P;
    int32_t* am = argmax + nc * P;
    for (long oh = 0; oh < d.oh; ++oh) {
      for (long ow = 0; ow < d.ow; ++ow) {
        const long h0 = oh * d.stride, w0 = ow * d.stride;
        float best = src[h0 * d.w + w0]; long bi = h0 * d.w + w0;
        for (long i = 0; i < d.k; ++i)
          for (long j = 0; j < d.k; ++j) {
            const long idx = (h0 + i) * d.w + w0 + j;
            const float v = src[idx];
            const bool g = v > best;
            best = g ? v : best; bi = g ? idx : bi;
          }
        dst[oh * d.ow + ow] = best;
        am[oh * d.ow + ow] = static_cast<int32_t>(nc * HW + bi);
      }
    }
  }
}

void maxPool2dBackward(float* dx, const float* dy, const int32_t* argmax, const PoolDims& d) {
  const long total = d.n * d.c * d.h * d.w, outTotal = d.n * d.c * d.oh * d.ow;
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(total));
  for (long i = 0; i < outTotal; ++i) dx[argmax[i]] += dy[i];
}

void avgPool2d(float* out, const float* x, const PoolDims& d) {
  const long HW = d.h * d.w, P = d.oh * d.ow;
  const float inv = 1.0f / static_cast<float>(d.k * d.k);
  for (long nc = 0; nc < d.n * d.c; ++nc) {
    const float* src = x + nc * HW;
    for (long oh = 0; oh < d.oh; ++oh)
      for (long ow = 0; ow < d.ow; ++ow) {
        float s = 0.0f;
        for (long i = 0; i < d.k; ++i)
          for (long j = 0; j < d.k; ++j) s += src[(oh * d.stride + i) * d.w + ow * d.stride + j];
        out[nc * P + oh * d.ow + ow] = s * inv;
      }
  }
}

void avgPool2dBackward(float* dx, const float* dy, const PoolDims& d) {
  const long HW = d.h * d.w, P = d.oh * d.ow;
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(d.n * d.c * HW));
  const float inv = 1.0f / static_cast<float>(d.k * d.k);
  for (long nc = 0; nc < d.n * d.c; ++nc) {
    float* dst = dx + nc * HW;
    for (long oh = 0; oh < d.oh; ++oh)
      for (long ow = 0; ow < d.ow; ++ow) {
        const float g = dy[nc * P + oh * d.ow + ow] * inv;
        for (long i = 0; i < d.k; ++i)
          for (long j = 0; j < d.k; ++j) dst[(oh * d.stride + i) * d.w + ow * d.stride + j] += g;
      }
  }
}

// sum of f(j) over channel ch's n planes of hw values (j = (i*c + ch)*hw + t) in 8 independent double
// lanes combined pairwise: a fixed order without a 4-cycle add chain per element
template <class F>
static double channelSum(long n, long c, long ch, long hw, F f) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (long i = 0; i < n; ++i) {
    const long base = (i * c + ch) * hw;
    long t = 0;
    for (; t + 8 <= hw; t += 8)
      for (int l = 0; l < 8; ++l) s[l] += f(base + t + l);
    for (int l = 0; t + l < hw; ++l) s[l] += f(base + t + l);
  }
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// BatchNorm1d (hw == 1): rows outer, channels inner, so the loads are contiguous and the
// per-channel double sums advance side by side (a channel-outer loop was strided and one add chain)
static void batchNormTrainRows(float* out, float* mean, float* invStd, const float* x, const float* gamma, const float* beta, long n, long c, double eps) {
  std::vector<double> mu(static_cast<size_t>(c), 0.0), var(static_cast<size_t>(c), 0.0);
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) mu[ch] += static_cast<double>(x[i * c + ch]);
  for (long ch = 0; ch < c; ++ch) mu[ch] /= static_cast<double>(n);
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) { const double dlt = x[i * c + ch] - mu[ch]; var[ch] += dlt * dlt; }
  std::vector<float> muf(static_cast<size_t>(c)), scale(static_cast<size_t>(c));
  for (long ch = 0; ch < c; ++ch) {
    const double is = 1.0 / std::sqrt(var[ch] / static_cast<double>(n) + eps);
    mean[ch] = muf[ch] = static_cast<float>(mu[ch]);
    invStd[ch] = static_cast<float>(is);
    scale[ch] = static_cast<float>(gamma[ch] * is);
  }
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) out[i * c + ch] = (x[i * c + ch] - muf[ch]) * scale[ch] + beta[ch];
}

// BatchNorm2d in float lanes once a channel holds at least this many values; below it (tiny
// batches, 1x1 maps) the backward terms cancel almost exactly and double is kept
constexpr long BN_FLOAT_MIN = 64;

// per channel: a sum of f over each of its n planes in 8 float lanes (combined pairwise), the planes
// added into a double in order; every channel at once, images outer (one contiguous walk)
template <class F>
static void channelSumsBlocked(long n, long c, long hw, double* totals, F f) {
  for (long ch = 0; ch < c; ++ch) totals[ch] = 0.0;
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) {
      const long base = (i * c + ch) * hw;
      float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      long t = 0;
      for (; t + 8 <= hw; t += 8)
        for (int l = 0; l < 8; ++l) s[l] += f(base + t + l, ch);
      for (int l = 0; t + l < hw; ++l) s[l] += f(base + t + l, ch);
      totals[ch] += static_cast<double>(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
    }
}

// dst = (src - sub[ch]) * mul[ch] + add[ch] per channel, images outer
static void channelAffine(float* out, const float* x, const float* sub, const float* mul, const float* add, long n, long c, long hw) {
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) {
      const float* src = x + (i * c + ch) * hw;
      float* dst = out + (i * c + ch) * hw;
      const float m = sub[ch], k = mul[ch], b = add[ch];
      for (long t = 0; t < hw; ++t) dst[t] = (src[t] - m) * k + b;
    }
}

// the float-lane training forward's per-channel constants from the sums of squared deviations:
// mean, invStd and the scale gamma * invStd (muf: the float means)
static void trainConstants(float* mean, float* invStd, float* scale, const float* muf, const double* vars, const float* gamma, long c, double M, double eps) {
  for (long ch = 0; ch < c; ++ch) {
    const double is = 1.0 / std::sqrt(vars[ch] / M + eps);
    mean[ch] = muf[ch];
    invStd[ch] = static_cast<float>(is);
    scale[ch] = static_cast<float>(gamma[ch] * is);
  }
}

// the float-lane backward's per-channel constants from the sums of dy and dy * xhat: dgamma, dbeta and
// dx = a dy + b (x - mu) + e, formed in double
static void backwardConstants(float* dgamma, float* dbeta, float* a, float* b, float* e, const double* sdy, const double* sdyx, const float* invStd,
                              const float* gamma, long c, double M) {
  for (long ch = 0; ch < c; ++ch) {
    dgamma[ch] = static_cast<float>(sdyx[ch]);
    dbeta[ch] = static_cast<float>(sdy[ch]);
    const double is = invStd[ch], k = gamma[ch] * is / M;
    a[ch] = static_cast<float>(k * M); b[ch] = static_cast<float>(-k * sdyx[ch] * is); e[ch] = static_cast<float>(-k * sdy[ch]);
  }
}

#if defined(__x86_64__) || defined(__i386__)
// BatchNorm2d in float lanes as above, 8 lanes a vector, with the ReLU folded in: the same lanes, the
// same operations in the same order (no FMA), so the same bits as channelSumsBlocked/channelAffine and
// the separate relu passes; the training forward in 3 passes over x, the backward in 2 over dy
#define PB_AVX2 __attribute__((target("avx2")))
PB_AVX2 static inline __m256 firstLanes(long r) {  // lanes 0..r-1 all ones, the rest zero
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(r)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}
PB_AVX2 static inline double laneTotal(__m256 s) {
  alignas(32) float v[8];
  _mm256_store_ps(v, s);
  return static_cast<double>(((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])));
}
// the part past the last full vector, zeros beyond (masked lanes are never read)
PB_AVX2 static inline __m256 loadTail(const float* p, __m256 lanes) { return _mm256_maskload_ps(p, _mm256_castps_si256(lanes)); }

PB_AVX2 static void batchNormTrainAvx2(float* out, float* mean, float* invStd, const float* x, const float* gamma, const float* beta, long n, long c, long hw, double eps, bool relu) {
  const double M = static_cast<double>(n * hw);
  const long full = hw / 8 * 8;
  const __m256 tail = firstLanes(hw - full);
  std::vector<double> sums(static_cast<size_t>(c), 0.0), vars(static_cast<size_t>(c), 0.0);
  std::vector<float> muf(static_cast<size_t>(c)), scale(static_cast<size_t>(c));
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) {
      const float* src = x + (i * c + ch) * hw;
      __m256 s = _mm256_setzero_ps();
      for (long t = 0; t < full; t += 8) s = _mm256_add_ps(s, _mm256_loadu_ps(src + t));
      if (full < hw) s = _mm256_add_ps(s, loadTail(src + full, tail));
      sums[ch] += laneTotal(s);
    }
  for (long ch = 0; ch < c; ++ch) muf[ch] = static_cast<float>(sums[ch] / M);
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) {
      const float* src = x + (i * c + ch) * hw;
      const __m256 m = _mm256_set1_ps(muf[ch]);
      __m256 s = _mm256_setzero_ps();
      for (long t = 0; t < full; t += 8) { const __m256 dl = _mm256_sub_ps(_mm256_loadu_ps(src + t), m); s = _mm256_add_ps(s, _mm256_mul_ps(dl, dl)); }
      if (full < hw) { const __m256 dl = _mm256_sub_ps(loadTail(src + full, tail), m); s = _mm256_add_ps(s, _mm256_and_ps(_mm256_mul_ps(dl, dl), tail)); }
      vars[ch] += laneTotal(s);
    }
  trainConstants(mean, invStd, scale.data(), muf.data(), vars.data(), gamma, c, M, eps);
  const __m256 zero = _mm256_setzero_ps();
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) {
      const float* src = x + (i * c + ch) * hw;
      float* dst = out + (i * c + ch) * hw;
      const float mf = muf[ch], kf = scale[ch], bf = beta[ch];
      const __m256 m = _mm256_set1_ps(mf), k = _mm256_set1_ps(kf), b = _mm256_set1_ps(bf);
      long t = 0;
      for (; t < full; t += 8) {
        __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(src + t), m), k), b);
        if (relu) v = _mm256_max_ps(v, zero);  // v > 0 ? v : 0 (max returns its second operand for NaN and -0)
        _mm256_storeu_ps(dst + t, v);
      }
      for (; t < hw; ++t) {
        const float v = (src[t] - mf) * kf + bf;
        dst[t] = relu ? (v > 0.0f ? v : 0.0f) : v;
      }
    }
}

// y: the output of a batch norm with relu, or null: dy counts only where y > 0
PB_AVX2 static void batchNormBackwardAvx2(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean, const float* invStd,
                                          const float* gamma, const float* y, long n, long c, long hw) {
  const double M = static_cast<double>(n * hw);
  const long full = hw / 8 * 8;
  const __m256 tail = firstLanes(hw - full), zero = _mm256_setzero_ps();
  std::vector<double> sdy(static_cast<size_t>(c), 0.0), sdyx(static_cast<size_t>(c), 0.0);
  auto grad = [&](const float* g, const float* yp) PB_AVX2 {
    const __m256 v = _mm256_loadu_ps(g);
    return yp ? _mm256_and_ps(v, _mm256_cmp_ps(_mm256_loadu_ps(yp), zero, _CMP_GT_OQ)) : v;
  };
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) {
      const long base = (i * c + ch) * hw;
      const float* g = dy + base;
      const float* src = x + base;
      const float* yp = y ? y + base : nullptr;
      const __m256 mu = _mm256_set1_ps(mean[ch]), is = _mm256_set1_ps(invStd[ch]);
      __m256 s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps();
      for (long t = 0; t < full; t += 8) {
        const __m256 gv = grad(g + t, yp ? yp + t : nullptr);
        s1 = _mm256_add_ps(s1, gv);
        s2 = _mm256_add_ps(s2, _mm256_mul_ps(gv, _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(src + t), mu), is)));
      }
      if (full < hw) {
        __m256 gv = loadTail(g + full, tail);
        if (yp) gv = _mm256_and_ps(gv, _mm256_cmp_ps(loadTail(yp + full, tail), zero, _CMP_GT_OQ));
        s1 = _mm256_add_ps(s1, gv);
        s2 = _mm256_add_ps(s2, _mm256_and_ps(_mm256_mul_ps(gv, _mm256_mul_ps(_mm256_sub_ps(loadTail(src + full, tail), mu), is)), tail));
      }
      sdy[ch] += laneTotal(s1);
      sdyx[ch] += laneTotal(s2);
    }
  std::vector<float> a(static_cast<size_t>(c)), b(static_cast<size_t>(c)), e(static_cast<size_t>(c));
  backwardConstants(dgamma, dbeta, a.data(), b.data(), e.data(), sdy.data(), sdyx.data(), invStd, gamma, c, M);
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) {
      const long base = (i * c + ch) * hw;
      const float* g = dy + base;
      const float* src = x + base;
      const float* yp = y ? y + base : nullptr;
      float* dst = dx + base;
      const float ac = a[ch], bc = b[ch], ec = e[ch], muf = mean[ch];
      const __m256 av = _mm256_set1_ps(ac), bv = _mm256_set1_ps(bc), ev = _mm256_set1_ps(ec), mv = _mm256_set1_ps(muf);
      long t = 0;
      for (; t < full; t += 8) {
        const __m256 gv = grad(g + t, yp ? yp + t : nullptr);
        _mm256_storeu_ps(dst + t, _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(av, gv), _mm256_mul_ps(bv, _mm256_sub_ps(_mm256_loadu_ps(src + t), mv))), ev));
      }
      for (; t < hw; ++t) {
        const float gt = yp && !(yp[t] > 0.0f) ? 0.0f : g[t];
        dst[t] = (ac * gt + bc * (src[t] - muf)) + ec;
      }
    }
}
#undef PB_AVX2
#endif

// the AVX2 kernels apply to BatchNorm2d's float-lane case only (see batchNormTrain)
static bool batchNormFused(long n, long hw, bool avx2) {
#if defined(__x86_64__) || defined(__i386__)
  return avx2 && hw > 1 && n * hw >= BN_FLOAT_MIN;
#else
  (void)n; (void)hw; (void)avx2;
  return false;
#endif
}

bool batchNormTrainFused(float* out, float* mean, float* invStd, const float* x, const float* gamma, const float* beta, long n, long c, long hw, double eps, bool relu,
                         bool avx2) {
  if (!batchNormFused(n, hw, avx2)) return false;
#if defined(__x86_64__) || defined(__i386__)
  batchNormTrainAvx2(out, mean, invStd, x, gamma, beta, n, c, hw, eps, relu);
#endif
  return true;
}

bool batchNormBackwardFused(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean, const float* invStd, const float* gamma,
                            const float* y, long n, long c, long hw, bool avx2) {
  if (!batchNormFused(n, hw, avx2)) return false;
#if defined(__x86_64__) || defined(__i386__)
  batchNormBackwardAvx2(dx, dgamma, dbeta, dy, x, mean, invStd, gamma, y, n, c, hw);
#endif
  return true;
}

void batchNormTrain(float* out, float* mean, float* invStd, const float* x, const float* gamma, const float* beta, long n, long c, long hw, double eps) {
  if (hw == 1) { batchNormTrainRows(out, mean, invStd, x, gamma, beta, n, c, eps); return; }
  const double M = static_cast<double>(n * hw);
  std::vector<float> muf(static_cast<size_t>(c)), scale(static_cast<size_t>(c));
  if (n * hw >= BN_FLOAT_MIN) {
    std::vector<double> sums(static_cast<size_t>(c)), vars(static_cast<size_t>(c));
    channelSumsBlocked(n, c, hw, sums.data(), [&](long j, long) { return x[j]; });
    for (long ch = 0; ch < c; ++ch) muf[ch] = static_cast<float>(sums[ch] / M);
    channelSumsBlocked(n, c, hw, vars.data(), [&](long j, long ch) { const float dlt = x[j] - muf[ch]; return dlt * dlt; });
    trainConstants(mean, invStd, scale.data(), muf.data(), vars.data(), gamma, c, M, eps);
  } else {
    for (long ch = 0; ch < c; ++ch) {
      const double mu = channelSum(n, c, ch, hw, [&](long j) { return static_cast<double>(x[j]); }) / M;
      const double v = channelSum(n, c, ch, hw, [&](long j) { const double dlt = x[j] - mu; return dlt * dlt; });
      const double is = 1.0 / std::sqrt(v / M + eps);
      mean[ch] = static_cast<float>(mu);
      invStd[ch] = static_cast<float>(is);
      muf[ch] = static_cast<float>(mu);
      scale[ch] = static_cast<float>(gamma[ch] * is);
    }
  }
  channelAffine(out, x, muf.data(), scale.data(), beta, n, c, hw);
}

void batchNormEval(float* out, const float* x, const float* gamma, const float* beta, const float* rm, const float* rv, long n, long c, long hw, double eps) {
  std::vector<float> scale(static_cast<size_t>(c));
  for (long ch = 0; ch < c; ++ch) scale[ch] = static_cast<float>(gamma[ch] / std::sqrt(static_cast<double>(rv[ch]) + eps));
  channelAffine(out, x, rm, scale.data(), beta, n, c, hw);
}

// BatchNorm1d backward, rows outer (see batchNormTrainRows); the same double arithmetic per element
static void batchNormBackwardRows(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean, const float* invStd, const float* gamma, long n, long c) {
  const double M = static_cast<double>(n);
  std::vector<double> sdy(static_cast<size_t>(c), 0.0), sdyx(static_cast<size_t>(c), 0.0), mu(static_cast<size_t>(c)), is(static_cast<size_t>(c)), k(static_cast<size_t>(c));
  for (long ch = 0; ch < c; ++ch) { mu[ch] = mean[ch]; is[ch] = invStd[ch]; k[ch] = gamma[ch] * is[ch] / M; }
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) {
      const double g = dy[i * c + ch];
      sdy[ch] += g;
      sdyx[ch] += g * ((x[i * c + ch] - mu[ch]) * is[ch]);
    }
  for (long ch = 0; ch < c; ++ch) { dgamma[ch] = static_cast<float>(sdyx[ch]); dbeta[ch] = static_cast<float>(sdy[ch]); }
  for (long i = 0; i < n; ++i)
    for (long ch = 0; ch < c; ++ch) {
      const double xhat = (x[i * c + ch] - mu[ch]) * is[ch];
      dx[i * c + ch] = static_cast<float>(k[ch] * (M * dy[i * c + ch] - sdy[ch] - xhat * sdyx[ch]));
    }
}

void batchNormBackward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean, const float* invStd, const float* gamma, long n, long c, long hw) {
  if (hw == 1) { batchNormBackwardRows(dx, dgamma, dbeta, dy, x, mean, invStd, gamma, n, c); return; }
  const double M = static_cast<double>(n * hw);
  if (n * hw >= BN_FLOAT_MIN) {
    std::vector<double> sdy(static_cast<size_t>(c)), sdyx(static_cast<size_t>(c));
    channelSumsBlocked(n, c, hw, sdy.data(), [&](long j, long) { return dy[j]; });
    channelSumsBlocked(n, c, hw, sdyx.data(), [&](long j, long ch) { return dy[j] * ((x[j] - mean[ch]) * invStd[ch]); });
    std::vector<float> a(static_cast<size_t>(c)), b(static_cast<size_t>(c)), e(static_cast<size_t>(c));
    backwardConstants(dgamma, dbeta, a.data(), b.data(), e.data(), sdy.data(), sdyx.data(), invStd, gamma, c, M);
    for (long i = 0; i < n; ++i)
      for (long ch = 0; ch < c; ++ch) {
        const float* g = dy + (i * c + ch) * hw;
        const float* src = x + (i * c + ch) * hw;
        float* dst = dx + (i * c + ch) * hw;
        const float ac = a[ch], bc = b[ch], ec = e[ch], muf = mean[ch];
        for (long t = 0; t < hw; ++t) dst[t] = (ac * g[t] + bc * (src[t] - muf)) + ec;
      }
    return;
  }
  for (long ch = 0; ch < c; ++ch) {
    const double mu = mean[ch], is = invStd[ch];
    const double sdy = channelSum(n, c, ch, hw, [&](long j) { return static_cast<double>(dy[j]); });
    const double sdyx = channelSum(n, c, ch, hw, [&](long j) { return dy[j] * ((x[j] - mu) * is); });
    dgamma[ch] = static_cast<float>(sdyx);
    dbeta[ch] = static_cast<float>(sdy);
    const double k = gamma[ch] * is / M;
    // in double, grouped as k * (M*dy - sum(dy) - xhat*sum(dy*xhat)): the terms cancel almost
    // exactly for tiny batches, so float32 here would only return rounding noise
    for (long i = 0; i < n; ++i) {
      const float* g = dy + (i * c + ch) * hw;
      const float* src = x + (i * c + ch) * hw;
      float* dst = dx + (i * c + ch) * hw;
      for (long t = 0; t < hw; ++t) {
        const double xhat = (src[t] - mu) * is;
        dst[t] = static_cast<float>(k * (M * g[t] - sdy - xhat * sdyx));
      }
    }
  }
}

void softmax(float* out, const float* x, long rows, long cols) {
  for (long r = 0; r < rows; ++r) {
    const float* s = x + r * cols;
    float* d = out + r * cols;
    float mx = -INFINITY;
    for (long j = 0; j < cols; ++j) mx = std::max(mx, s[j]);
    double sum = 0.0;
    for (long j = 0; j < cols; ++j) { d[j] = std::exp(s[j] - mx); sum += d[j]; }
    const float inv = static_cast<float>(sum);
    for (long j = 0; j < cols; ++j) d[j] = d[j] / inv;
  }
}

void logSoftmax(float* out, const float* x, long rows, long cols) {
  for (long r = 0; r < rows; ++r) {
    const float* s = x + r * cols;
    float* d = out + r * cols;
    float mx = -INFINITY;
    for (long j = 0; j < cols; ++j) mx = std::max(mx, s[j]);
    double sum = 0.0;
    for (long j = 0; j < cols; ++j) sum += std::exp(static_cast<double>(s[j] - mx));
    const float lse = static_cast<float>(std::log(sum));
    for (long j = 0; j < cols; ++j) d[j] = (s[j] - mx) - lse;
  }
}

void softmaxBackward(float* dx, const float* y, const float* dy, long rows, long cols) {
  for (long r = 0; r < rows; ++r) {
    const float* yr = y + r * cols; const float* g = dy + r * cols; float* d = dx + r * cols;
    double dot = 0.0;
    for (long j = 0; j < cols; ++j) dot += static_cast<double>(g[j]) * yr[j];
    const float df = static_cast<float>(dot);
    for (long j = 0; j < cols; ++j) d[j] = yr[j] * (g[j] - df);
  }
}

void logSoftmaxBackward(float* dx, const float* y, const float* dy, long rows, long cols) {
  for (long r = 0; r < rows; ++r) {
    const float* yr = y + r * cols; const float* g = dy + r * cols; float* d = dx + r * cols;
    double s = 0.0;
    for (long j = 0; j < cols; ++j) s += g[j];
    const float sf = static_cast<float>(s);
    for (long j = 0; j < cols; ++j) d[j] = g[j] - std::exp(yr[j]) * sf;
  }
}

void nllLoss(float* out, const float* logp, const int32_t* target, long rows, long cols) {
  double s = 0.0;
  for (long r = 0; r < rows; ++r) s += logp[r * cols + target[r]];
  out[0] = static_cast<float>(-s / static_cast<double>(rows));
}

void nllLossBackward(float* dlogp, double dout, const int32_t* target, long rows, long cols) {
  std::memset(dlogp, 0, sizeof(float) * static_cast<size_t>(rows * cols));
  const float g = static_cast<float>(-dout / static_cast<double>(rows));
  for (long r = 0; r < rows; ++r) dlogp[r * cols + target[r]] = g;
}

void bceWithLogitsLoss(float* out, const float* x, const float* t, long n) {
  double s = 0.0;
  for (long i = 0; i < n; ++i) {
    const double xi = x[i], ti = t[i];
    s += std::max(xi, 0.0) - xi * ti + std::log1p(std::exp(-std::fabs(xi)));
  }
  out[0] = static_cast<float>(s / static_cast<double>(n));
}

void bceWithLogitsLossBackward(float* dx, double dout, const float* x, const float* t, long n) {
  const float g = static_cast<float>(dout / static_cast<double>(n));
  for (long i = 0; i < n; ++i) dx[i] = g * (sigmoidf(x[i]) - t[i]);
}

void bceLoss(float* out, const float* p, const float* t, long n) {
  double s = 0.0;
  for (long i = 0; i < n; ++i) {
    const double pi = p[i], ti = t[i];
    const double lp = std::max(std::log(pi), -100.0), l1p = std::max(std::log(1.0 - pi), -100.0);
    s -= ti * lp + (1.0 - ti) * l1p;
  }
  out[0] = static_cast<float>(s / static_cast<double>(n));
}

void bceLossBackward(float* dp, double dout, const float* p, const float* t, long n) {
  const double g = dout / static_cast<double>(n);
  for (long i = 0; i < n; ++i) {
    const double pi = p[i];
    dp[i] = static_cast<float>(g * (pi - t[i]) / std::max((1.0 - pi) * pi, 1e-12));
  }
}

void copyBlock(float* out, long outOffset, long outStride, const float* x, long xOffset, long xStride, long rows, long cols) {
  for (long r = 0; r < rows; ++r)
    std::memmove(out + outOffset + r * outStride, x + xOffset + r * xStride, sizeof(float) * static_cast<size_t>(cols));
}

void gatherRows(float* out, const float* x, const int32_t* index, long rows, long rowLen) {
  for (long r = 0; r < rows; ++r)
    std::memcpy(out + r * rowLen, x + static_cast<long>(index[r]) * rowLen, sizeof(float) * static_cast<size_t>(rowLen));
}

struct AdamConsts { float stepSize, bc2s, b1, b2, c1, c2, eps, wd, shrink; };

#if defined(__x86_64__) || defined(__i386__)
// 16 lanes of the scalar loop below, operation for operation (no FMA contraction: the same bits)
__attribute__((target("avx512f")))
static long adamStepAvx512(float* param, const float* grad, float* m, float* v, long n, const AdamConsts& k) {
  const __m512 stepSize = _mm512_set1_ps(k.stepSize), bc2s = _mm512_set1_ps(k.bc2s), b1 = _mm512_set1_ps(k.b1), b2 = _mm512_set1_ps(k.b2);
  const __m512 c1 = _mm512_set1_ps(k.c1), c2 = _mm512_set1_ps(k.c2), eps = _mm512_set1_ps(k.eps), wd = _mm512_set1_ps(k.wd), shrink = _mm512_set1_ps(k.shrink);
  const bool decay = k.shrink != 1.0f, l2 = k.wd != 0.0f;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 p = _mm512_loadu_ps(param + i), g = _mm512_loadu_ps(grad + i);
    if (decay) p = _mm512_mul_ps(p, shrink);
    if (l2) g = _mm512_add_ps(g, _mm512_mul_ps(wd, p));
    const __m512 mi = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(m + i), b1), _mm512_mul_ps(c1, g));
    const __m512 vi = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(v + i), b2), _mm512_mul_ps(c2, _mm512_mul_ps(g, g)));
    _mm512_storeu_ps(m + i, mi);
    _mm512_storeu_ps(v + i, vi);
    const __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_maskz_sqrt_ps(0xFFFF, vi), bc2s), eps);
    _mm512_storeu_ps(param + i, _mm512_sub_ps(p, _mm512_mul_ps(stepSize, _mm512_div_ps(mi, denom))));
  }
  return i;
}
#endif

void adamStep(float* param, const float* grad, float* m, float* v, long n, double lr, double b1, double b2, double eps, double wd, double decoupledWd,
              double step, bool avx512) {
  const double bc1 = 1.0 - std::pow(b1, step), bc2 = 1.0 - std::pow(b2, step);
  const AdamConsts k{static_cast<float>(lr / bc1), static_cast<float>(std::sqrt(bc2)), static_cast<float>(b1), static_cast<float>(b2),
                     static_cast<float>(1.0 - b1), static_cast<float>(1.0 - b2), static_cast<float>(eps), static_cast<float>(wd),
                     static_cast<float>(1.0 - lr * decoupledWd)};
  long i = 0;
#if defined(__x86_64__) || defined(__i386__)
  if (avx512) i = adamStepAvx512(param, grad, m, v, n, k);
#else
  (void)avx512;
#endif
  for (; i < n; ++i) {
    float p = param[i];
    if (decoupledWd != 0.0) p = p * k.shrink;
    float g = grad[i];
    if (wd != 0.0) g = g + k.wd * p;
    const float mi = m[i] * k.b1 + k.c1 * g;
    const float vi = v[i] * k.b2 + k.c2 * (g * g);
    m[i] = mi; v[i] = vi;
    const float denom = std::sqrt(vi) / k.bc2s + k.eps;
    param[i] = p - k.stepSize * (mi / denom);
  }
}

void sgdStep(float* param, const float* grad, float* buf, long n, double lr, double momentum, double wd, bool firstStep) {
  const float flr = static_cast<float>(lr), fm = static_cast<float>(momentum), fwd = static_cast<float>(wd);
  for (long i = 0; i < n; ++i) {
    float g = grad[i];
    if (wd != 0.0) g = g + fwd * param[i];
    if (momentum != 0.0) {
      const float b = firstStep ? g : buf[i] * fm + g;
      buf[i] = b;
      g = b;
    }
    param[i] = param[i] - flr * g;
  }
}

} // namespace pb

namespace pb {
static inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

// the Rng's xoshiro128** draws (src/tensor/random.ts fillU32), dropped below p * 2^32 as there (for an
// integer draw r, r < p * 2^32 is r < ceil(p * 2^32)). Two passes: the draws (one serial chain),
// then mask and product without branches (a branch per element mispredicted at every p)
void dropout(float* out, float* mask, const float* x, uint32_t* state, long n, double p) {
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t* draws = reinterpret_cast<uint32_t*>(mask);
  for (long i = 0; i < n; ++i) {
    draws[i] = rotl32(b * 5u, 7) * 9u;
    const uint32_t t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d;
    c ^= t;
    d = rotl32(d, 11);
  }
  state[0] = a; state[1] = b; state[2] = c; state[3] = d;
  const double limit = std::ceil(p * 4294967296.0);
  const float keep = static_cast<float>(1.0 / (1.0 - p));
  if (limit > 4294967295.0) {  // every draw is below p * 2^32
    for (long i = 0; i < n; ++i) { mask[i] = 0.0f; out[i] = x[i] * 0.0f; }
    return;
  }
  const uint32_t lim = static_cast<uint32_t>(limit);
  for (long i = 0; i < n; ++i) {
    const float m = draws[i] < lim ? 0.0f : keep;
    mask[i] = m;
    out[i] = x[i] * m;
  }
}
} // namespace pb
