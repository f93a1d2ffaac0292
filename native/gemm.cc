// packed SGEMM (BLIS-style loops) with an AVX2+FMA 6x16 micro-kernel and a portable scalar one.
// The AVX2 code carries target attributes so the addon still loads on CPUs without AVX2;
// the choice is made at run time (cpuHasAvx2Fma). Reduction order is fixed: every C element
// accumulates p ascending inside a KC block, blocks ascending, so results are bit-reproducible.
#include "pb.h"
#include <immintrin.h>
#include <xmmintrin.h>
#include <algorithm>

namespace pb {

bool cpuHasAvx2Fma() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpuHasAvx512() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return cpuHasAvx2Fma() && __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

void initCtx(Ctx& ctx, bool allowAvx2, bool allowAvx512) {
  ctx.avx2 = allowAvx2 && cpuHasAvx2Fma();
  ctx.avx512 = ctx.avx2 && allowAvx512 && cpuHasAvx512();
  ctx.ukr = ctx.avx512 ? ukrAvx512 : ctx.avx2 ? ukrAvx2 : ukrScalar;
  ctx.ukrRows = ctx.avx512 ? ukrRowsAvx512 : ctx.avx2 ? ukrRowsAvx2 : ukrRowsScalar;
}

static inline void mergeTile(const float* acc, float* C, long ldc, float beta, long mr, long nr) {
  if (beta == 0.0f) {
    for (long i = 0; i < mr; ++i)
      for (long j = 0; j < nr; ++j) C[i * ldc + j] = acc[i * NR + j];
  } else if (beta == 1.0f) {
    for (long i = 0; i < mr; ++i)
      for (long j = 0; j < nr; ++j) C[i * ldc + j] = acc[i * NR + j] + C[i * ldc + j];
  } else {
    for (long i = 0; i < mr; ++i)
      for (long j = 0; j < nr; ++j) C[i * ldc + j] = acc[i * NR + j] + beta * C[i * ldc + j];
  }
}

void ukrScalar(long k, const float* A, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  alignas(64) float acc[MR * NR];
  for (long i = 0; i < MR * NR; ++i) acc[i] = 0.0f;
  for (long p = 0; p < k; ++p) {
    const float* a = A + p * MR;
    const float* b = B + p * NR;
    for (long i = 0; i < MR; ++i) {
      const float ai = a[i];
      float* row = acc + i * NR;
      for (long j = 0; j < NR; ++j) row[j] += ai * b[j];
    }
  }
  mergeTile(acc, C, ldc, beta, mr, nr);
}

void ukrRowsScalar(long k, const float* a, long lda, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  alignas(64) float acc[MR * NR];
  for (long i = 0; i < MR * NR; ++i) acc[i] = 0.0f;
  for (long p = 0; p < k; ++p) {
    const float* b = B + p * NR;
    for (long i = 0; i < mr; ++i) {
      const float ai = a[i * lda + p];
      float* row = acc + i * NR;
      for (long j = 0; j < NR; ++j) row[j] += ai * b[j];
    }
  }
  mergeTile(acc, C, ldc, beta, mr, nr);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma")))
void ukrRowsAvx2(long k, const float* a, long lda, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  // rows past mr alias the last valid row (their results are discarded), so nothing out of bounds is read
  const float* r0 = a;
  const float* r1 = a + std::min(1L, mr - 1) * lda;
  const float* r2 = a + std::min(2L, mr - 1) * lda;
  const float* r3 = a + std::min(3L, mr - 1) * lda;
  const float* r4 = a + std::min(4L, mr - 1) * lda;
  const float* r5 = a + std::min(5L, mr - 1) * lda;
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (long p = 0; p < k; ++p) {
    const __m256 b0 = _mm256_load_ps(B), b1 = _mm256_load_ps(B + 8);
    __m256 v;
    v = _mm256_broadcast_ss(r0 + p); c00 = _mm256_fmadd_ps(v, b0, c00); c01 = _mm256_fmadd_ps(v, b1, c01);
    v = _mm256_broadcast_ss(r1 + p); c10 = _mm256_fmadd_ps(v, b0, c10); c11 = _mm256_fmadd_ps(v, b1, c11);
    v = _mm256_broadcast_ss(r2 + p); c20 = _mm256_fmadd_ps(v, b0, c20); c21 = _mm256_fmadd_ps(v, b1, c21);
    v = _mm256_broadcast_ss(r3 + p); c30 = _mm256_fmadd_ps(v, b0, c30); c31 = _mm256_fmadd_ps(v, b1, c31);
    v = _mm256_broadcast_ss(r4 + p); c40 = _mm256_fmadd_ps(v, b0, c40); c41 = _mm256_fmadd_ps(v, b1, c41);
    v = _mm256_broadcast_ss(r5 + p); c50 = _mm256_fmadd_ps(v, b0, c50); c51 = _mm256_fmadd_ps(v, b1, c51);
    B += NR;
  }
  alignas(64) float acc[MR * NR];
  _mm256_store_ps(acc + 0, c00); _mm256_store_ps(acc + 8, c01);
  _mm256_store_ps(acc + 16, c10); _mm256_store_ps(acc + 24, c11);
  _mm256_store_ps(acc + 32, c20); _mm256_store_ps(acc + 40, c21);
  _mm256_store_ps(acc + 48, c30); _mm256_store_ps(acc + 56, c31);
  _mm256_store_ps(acc + 64, c40); _mm256_store_ps(acc + 72, c41);
  _mm256_store_ps(acc + 80, c50); _mm256_store_ps(acc + 88, c51);
  mergeTile(acc, C, ldc, beta, mr, nr);
}

__attribute__((target("avx2,fma")))
void ukrAvx2(long k, const float* A, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#define PB_STEP(off_a, off_b)                                   \
  {                                                             \
    const __m256 b0 = _mm256_load_ps(B + (off_b));              \
    const __m256 b1 = _mm256_load_ps(B + (off_b) + 8);          \
    __m256 a = _mm256_broadcast_ss(A + (off_a) + 0);            \
    c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01); \
    a = _mm256_broadcast_ss(A + (off_a) + 1);                   \
    c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11); \
    a = _mm256_broadcast_ss(A + (off_a) + 2);                   \
    c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21); \
    a = _mm256_broadcast_ss(A + (off_a) + 3);                   \
    c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31); \
    a = _mm256_broadcast_ss(A + (off_a) + 4);                   \
    c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41); \
    a = _mm256_broadcast_ss(A + (off_a) + 5);                   \
    c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51); \
  }
  long p = 0;
  for (; p + 4 <= k; p += 4) {
    _mm_prefetch(reinterpret_cast<const char*>(B + 16 * 8), _MM_HINT_T0);
    PB_STEP(0, 0) PB_STEP(6, 16) PB_STEP(12, 32) PB_STEP(18, 48)
    A += 24; B += 64;
  }
  for (; p < k; ++p) {
    PB_STEP(0, 0)
    A += 6; B += 16;
  }
#undef PB_STEP
  if (mr == MR && nr == NR) {
    float* r0 = C; float* r1 = C + ldc; float* r2 = C + 2 * ldc;
    float* r3 = C + 3 * ldc; float* r4 = C + 4 * ldc; float* r5 = C + 5 * ldc;
    if (beta == 0.0f) {
    } else if (beta == 1.0f) {
      c00 = _mm256_add_ps(c00, _mm256_loadu_ps(r0)); c01 = _mm256_add_ps(c01, _mm256_loadu_ps(r0 + 8));
      c10 = _mm256_add_ps(c10, _mm256_loadu_ps(r1)); c11 = _mm256_add_ps(c11, _mm256_loadu_ps(r1 + 8));
      c20 = _mm256_add_ps(c20, _mm256_loadu_ps(r2)); c21 = _mm256_add_ps(c21, _mm256_loadu_ps(r2 + 8));
      c30 = _mm256_add_ps(c30, _mm256_loadu_ps(r3)); c31 = _mm256_add_ps(c31, _mm256_loadu_ps(r3 + 8));
      c40 = _mm256_add_ps(c40, _mm256_loadu_ps(r4)); c41 = _mm256_add_ps(c41, _mm256_loadu_ps(r4 + 8));
      c50 = _mm256_add_ps(c50, _mm256_loadu_ps(r5)); c51 = _mm256_add_ps(c51, _mm256_loadu_ps(r5 + 8));
    } else {
      const __m256 bv = _mm256_set1_ps(beta);
      c00 = _mm256_add_ps(c00, _mm256_mul_ps(bv, _mm256_loadu_ps(r0))); c01 = _mm256_add_ps(c01, _mm256_mul_ps(bv, _mm256_loadu_ps(r0 + 8)));
      c10 = _mm256_add_ps(c10, _mm256_mul_ps(bv, _mm256_loadu_ps(r1))); c11 = _mm256_add_ps(c11, _mm256_mul_ps(bv, _mm256_loadu_ps(r1 + 8)));
      c20 = _mm256_add_ps(c20, _mm256_mul_ps(bv, _mm256_loadu_ps(r2))); c21 = _mm256_add_ps(c21, _mm256_mul_ps(bv, _mm256_loadu_ps(r2 + 8)));
      c30 = _mm256_add_ps(c30, _mm256_mul_ps(bv, _mm256_loadu_ps(r3))); c31 = _mm256_add_ps(c31, _mm256_mul_ps(bv, _mm256_loadu_ps(r3 + 8)));
      c40 = _mm256_add_ps(c40, _mm256_mul_ps(bv, _mm256_loadu_ps(r4))); c41 = _mm256_add_ps(c41, _mm256_mul_ps(bv, _mm256_loadu_ps(r4 + 8)));
      c50 = _mm256_add_ps(c50, _mm256_mul_ps(bv, _mm256_loadu_ps(r5))); c51 = _mm256_add_ps(c51, _mm256_mul_ps(bv, _mm256_loadu_ps(r5 + 8)));
    }
    _mm256_storeu_ps(r0, c00); _mm256_storeu_ps(r0 + 8, c01);
    _mm256_storeu_ps(r1, c10); _mm256_storeu_ps(r1 + 8, c11);
    _mm256_storeu_ps(r2, c20); _mm256_storeu_ps(r2 + 8, c21);
    _mm256_storeu_ps(r3, c30); _mm256_storeu_ps(r3 + 8, c31);
    _mm256_storeu_ps(r4, c40); _mm256_storeu_ps(r4 + 8, c41);
    _mm256_storeu_ps(r5, c50); _mm256_storeu_ps(r5 + 8, c51);
    return;
  }
  alignas(64) float acc[MR * NR];
  _mm256_store_ps(acc + 0, c00); _mm256_store_ps(acc + 8, c01);
  _mm256_store_ps(acc + 16, c10); _mm256_store_ps(acc + 24, c11);
  _mm256_store_ps(acc + 32, c20); _mm256_store_ps(acc + 40, c21);
  _mm256_store_ps(acc + 48, c30); _mm256_store_ps(acc + 56, c31);
  _mm256_store_ps(acc + 64, c40); _mm256_store_ps(acc + 72, c41);
  _mm256_store_ps(acc + 80, c50); _mm256_store_ps(acc + 88, c51);
  mergeTile(acc, C, ldc, beta, mr, nr);
}


// AVX-512: one zmm holds a 16-column row of a tile. Every C element still accumulates p ascending
// in one FMA chain from zero and is merged with C as the AVX2 kernel does, so both give the same bits.
#define PB512 __attribute__((target("avx512f,avx2,fma")))

// row r of C (nr columns as mask m) = acc + beta * C
PB512 static inline void storeRow512(float* c, __m512 acc, __mmask16 m, float beta) {
  if (beta == 0.0f) _mm512_mask_storeu_ps(c, m, acc);
  else if (beta == 1.0f) _mm512_mask_storeu_ps(c, m, _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, c)));
  else _mm512_mask_storeu_ps(c, m, _mm512_add_ps(acc, _mm512_mul_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(m, c))));
}

PB512 static inline __mmask16 colMask(long nr) { return nr >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << nr) - 1u); }

#define PB512_STORE6(C0, C1, C2, C3, C4, C5, cp, ldc, m, mr, beta) \
  storeRow512(cp, C0, m, beta);                                    \
  if (mr > 1) storeRow512(cp + ldc, C1, m, beta);                  \
  if (mr > 2) storeRow512(cp + 2 * ldc, C2, m, beta);              \
  if (mr > 3) storeRow512(cp + 3 * ldc, C3, m, beta);              \
  if (mr > 4) storeRow512(cp + 4 * ldc, C4, m, beta);              \
  if (mr > 5) storeRow512(cp + 5 * ldc, C5, m, beta);

// a 6x16 tile (6 accumulators: FMA latency bounds it; macroKernel pairs tiles into 6x32)
PB512 void ukrAvx512(long k, const float* A, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps();
  __m512 c3 = _mm512_setzero_ps(), c4 = _mm512_setzero_ps(), c5 = _mm512_setzero_ps();
#define PB_STEP(oa, ob)                                          \
  {                                                              \
    const __m512 b = _mm512_loadu_ps(B + (ob));                  \
    c0 = _mm512_fmadd_ps(_mm512_set1_ps(A[(oa) + 0]), b, c0);    \
    c1 = _mm512_fmadd_ps(_mm512_set1_ps(A[(oa) + 1]), b, c1);    \
    c2 = _mm512_fmadd_ps(_mm512_set1_ps(A[(oa) + 2]), b, c2);    \
    c3 = _mm512_fmadd_ps(_mm512_set1_ps(A[(oa) + 3]), b, c3);    \
    c4 = _mm512_fmadd_ps(_mm512_set1_ps(A[(oa) + 4]), b, c4);    \
    c5 = _mm512_fmadd_ps(_mm512_set1_ps(A[(oa) + 5]), b, c5);    \
  }
  long p = 0;
  for (; p + 4 <= k; p += 4) {
    PB_STEP(0, 0) PB_STEP(6, 16) PB_STEP(12, 32) PB_STEP(18, 48)
    A += 24; B += 64;
  }
  for (; p < k; ++p) { PB_STEP(0, 0) A += 6; B += 16; }
#undef PB_STEP
  const __mmask16 m = colMask(nr);
  PB512_STORE6(c0, c1, c2, c3, c4, c5, C, ldc, m, mr, beta)
}

// a 6x32 tile from two adjacent 16-column panels of B (12 accumulators: FMA throughput bounds it); 16 < nr <= 32
PB512 void ukrPairAvx512(long k, const float* A, const float* B0, const float* B1, float* C, long ldc, float beta, long mr, long nr) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
#define PB_STEP(oa, ob)                                                              \
  {                                                                                  \
    const __m512 b0 = _mm512_loadu_ps(B0 + (ob)), b1 = _mm512_loadu_ps(B1 + (ob));   \
    __m512 a = _mm512_set1_ps(A[(oa) + 0]);                                          \
    c00 = _mm512_fmadd_ps(a, b0, c00); c01 = _mm512_fmadd_ps(a, b1, c01);            \
    a = _mm512_set1_ps(A[(oa) + 1]);                                                 \
    c10 = _mm512_fmadd_ps(a, b0, c10); c11 = _mm512_fmadd_ps(a, b1, c11);            \
    a = _mm512_set1_ps(A[(oa) + 2]);                                                 \
    c20 = _mm512_fmadd_ps(a, b0, c20); c21 = _mm512_fmadd_ps(a, b1, c21);            \
    a = _mm512_set1_ps(A[(oa) + 3]);                                                 \
    c30 = _mm512_fmadd_ps(a, b0, c30); c31 = _mm512_fmadd_ps(a, b1, c31);            \
    a = _mm512_set1_ps(A[(oa) + 4]);                                                 \
    c40 = _mm512_fmadd_ps(a, b0, c40); c41 = _mm512_fmadd_ps(a, b1, c41);            \
    a = _mm512_set1_ps(A[(oa) + 5]);                                                 \
    c50 = _mm512_fmadd_ps(a, b0, c50); c51 = _mm512_fmadd_ps(a, b1, c51);            \
  }
  long p = 0;
  for (; p + 4 <= k; p += 4) {
    PB_STEP(0, 0) PB_STEP(6, 16) PB_STEP(12, 32) PB_STEP(18, 48)
    A += 24; B0 += 64; B1 += 64;
  }
  for (; p < k; ++p) { PB_STEP(0, 0) A += 6; B0 += 16; B1 += 16; }
#undef PB_STEP
  const __mmask16 full = 0xFFFF, m1 = colMask(nr - 16);
  PB512_STORE6(c00, c10, c20, c30, c40, c50, C, ldc, full, mr, beta)
  PB512_STORE6(c01, c11, c21, c31, c41, c51, C + 16, ldc, m1, mr, beta)
}

PB512 void ukrRowsAvx512(long k, const float* a, long lda, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  // rows past mr alias the last valid row (their results are discarded), so nothing out of bounds is read
  const float* r0 = a;
  const float* r1 = a + std::min(1L, mr - 1) * lda;
  const float* r2 = a + std::min(2L, mr - 1) * lda;
  const float* r3 = a + std::min(3L, mr - 1) * lda;
  const float* r4 = a + std::min(4L, mr - 1) * lda;
  const float* r5 = a + std::min(5L, mr - 1) * lda;
  __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps();
  __m512 c3 = _mm512_setzero_ps(), c4 = _mm512_setzero_ps(), c5 = _mm512_setzero_ps();
  for (long p = 0; p < k; ++p) {
    const __m512 b = _mm512_loadu_ps(B);
    c0 = _mm512_fmadd_ps(_mm512_set1_ps(r0[p]), b, c0);
    c1 = _mm512_fmadd_ps(_mm512_set1_ps(r1[p]), b, c1);
    c2 = _mm512_fmadd_ps(_mm512_set1_ps(r2[p]), b, c2);
    c3 = _mm512_fmadd_ps(_mm512_set1_ps(r3[p]), b, c3);
    c4 = _mm512_fmadd_ps(_mm512_set1_ps(r4[p]), b, c4);
    c5 = _mm512_fmadd_ps(_mm512_set1_ps(r5[p]), b, c5);
    B += NR;
  }
  const __mmask16 m = colMask(nr);
  PB512_STORE6(c0, c1, c2, c3, c4, c5, C, ldc, m, mr, beta)
}
#undef PB512_STORE6

__attribute__((target("avx2,fma")))
static double fmaPeakAvx2(long iters) {
  // distinct starting values and an empty asm barrier on every chain, so the compiler can neither
  // merge identical chains nor drop any: 12 independent FMA chains per iteration
  __m256 a0 = _mm256_set1_ps(1.0f), a1 = _mm256_set1_ps(1.1f), a2 = _mm256_set1_ps(1.2f), a3 = _mm256_set1_ps(1.3f);
  __m256 a4 = _mm256_set1_ps(1.4f), a5 = _mm256_set1_ps(1.5f), a6 = _mm256_set1_ps(1.6f), a7 = _mm256_set1_ps(1.7f);
  __m256 a8 = _mm256_set1_ps(1.8f), a9 = _mm256_set1_ps(1.9f), a10 = _mm256_set1_ps(2.0f), a11 = _mm256_set1_ps(2.1f);
  const __m256 m = _mm256_set1_ps(0.999999f), s = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i) {
    a0 = _mm256_fmadd_ps(a0, m, s); a1 = _mm256_fmadd_ps(a1, m, s); a2 = _mm256_fmadd_ps(a2, m, s);
    a3 = _mm256_fmadd_ps(a3, m, s); a4 = _mm256_fmadd_ps(a4, m, s); a5 = _mm256_fmadd_ps(a5, m, s);
    a6 = _mm256_fmadd_ps(a6, m, s); a7 = _mm256_fmadd_ps(a7, m, s); a8 = _mm256_fmadd_ps(a8, m, s);
    a9 = _mm256_fmadd_ps(a9, m, s); a10 = _mm256_fmadd_ps(a10, m, s); a11 = _mm256_fmadd_ps(a11, m, s);
    __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
    __asm__ volatile("" : "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
  }
  __m256 t = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  t = _mm256_add_ps(t, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  alignas(32) float out[8];
  _mm256_store_ps(out, t);
  volatile float sink = out[0];
  (void)sink;
  return static_cast<double>(iters) * 12.0 * 8.0 * 2.0;
}

PB512 static double fmaPeakAvx512(long iters) {
  __m512 a0 = _mm512_set1_ps(1.0f), a1 = _mm512_set1_ps(1.1f), a2 = _mm512_set1_ps(1.2f), a3 = _mm512_set1_ps(1.3f);
  __m512 a4 = _mm512_set1_ps(1.4f), a5 = _mm512_set1_ps(1.5f), a6 = _mm512_set1_ps(1.6f), a7 = _mm512_set1_ps(1.7f);
  __m512 a8 = _mm512_set1_ps(1.8f), a9 = _mm512_set1_ps(1.9f), a10 = _mm512_set1_ps(2.0f), a11 = _mm512_set1_ps(2.1f);
  const __m512 m = _mm512_set1_ps(0.999999f), s = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i) {
    a0 = _mm512_fmadd_ps(a0, m, s); a1 = _mm512_fmadd_ps(a1, m, s); a2 = _mm512_fmadd_ps(a2, m, s);
    a3 = _mm512_fmadd_ps(a3, m, s); a4 = _mm512_fmadd_ps(a4, m, s); a5 = _mm512_fmadd_ps(a5, m, s);
    a6 = _mm512_fmadd_ps(a6, m, s); a7 = _mm512_fmadd_ps(a7, m, s); a8 = _mm512_fmadd_ps(a8, m, s);
    a9 = _mm512_fmadd_ps(a9, m, s); a10 = _mm512_fmadd_ps(a10, m, s); a11 = _mm512_fmadd_ps(a11, m, s);
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5));
    __asm__ volatile("" : "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
  }
  __m512 t = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)), _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  t = _mm512_add_ps(t, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  volatile float sink = _mm512_cvtss_f32(t);
  (void)sink;
  return static_cast<double>(iters) * 12.0 * 16.0 * 2.0;
}
#else
void ukrAvx2(long k, const float* A, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  ukrScalar(k, A, B, C, ldc, beta, mr, nr);
}
void ukrAvx512(long k, const float* A, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  ukrScalar(k, A, B, C, ldc, beta, mr, nr);
}
void ukrRowsAvx512(long k, const float* a, long lda, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  ukrRowsScalar(k, a, lda, B, C, ldc, beta, mr, nr);
}
void ukrRowsAvx2(long k, const float* a, long lda, const float* B, float* C, long ldc, float beta, long mr, long nr) {
  ukrRowsScalar(k, a, lda, B, C, ldc, beta, mr, nr);
}
#endif

static double fmaPeakScalar(long iters) {
  float a[16];
  for (int j = 0; j < 16; ++j) a[j] = 1.0f;
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < 16; ++j) a[j] = a[j] * 0.999999f + 1e-7f;
  volatile float sink = a[0] + a[15];
  (void)sink;
  return static_cast<double>(iters) * 16.0 * 2.0;
}

double fmaPeakLoop(long iters, bool avx2, bool avx512) {
#if defined(__x86_64__) || defined(__i386__)
  if (avx512) return fmaPeakAvx512(iters);
  if (avx2) return fmaPeakAvx2(iters);
#endif
  return fmaPeakScalar(iters);
}

void packA(const float* a, long rs, long cs, long mc, long kc, float* dst) {
  for (long i0 = 0; i0 < mc; i0 += MR) {
    const long mr = std::min(MR, mc - i0);
    if (mr == MR && cs == 1) {
      const float* r0 = a + (i0 + 0) * rs; const float* r1 = a + (i0 + 1) * rs;
      const float* r2 = a + (i0 + 2) * rs; const float* r3 = a + (i0 + 3) * rs;
      const float* r4 = a + (i0 + 4) * rs; const float* r5 = a + (i0 + 5) * rs;
      for (long p = 0; p < kc; ++p) {
        dst[0] = r0[p]; dst[1] = r1[p]; dst[2] = r2[p]; dst[3] = r3[p]; dst[4] = r4[p]; dst[5] = r5[p];
        dst += MR;
      }
    } else if (mr == MR && rs == 1) {
      for (long p = 0; p < kc; ++p) {
        const float* s = a + i0 + p * cs;
        dst[0] = s[0]; dst[1] = s[1]; dst[2] = s[2]; dst[3] = s[3]; dst[4] = s[4]; dst[5] = s[5];
        dst += MR;
      }
    } else {
      for (long p = 0; p < kc; ++p) {
        for (long r = 0; r < mr; ++r) dst[r] = a[(i0 + r) * rs + p * cs];
        for (long r = mr; r < MR; ++r) dst[r] = 0.0f;
        dst += MR;
      }
    }
  }
}

void packB(const float* b, long rs, long cs, long kc, long nc, float* dst) {
  for (long j0 = 0; j0 < nc; j0 += NR) {
    const long nr = std::min(NR, nc - j0);
    if (nr == NR && cs == 1) {
      for (long p = 0; p < kc; ++p) {
        std::memcpy(dst, b + p * rs + j0, NR * sizeof(float));
        dst += NR;
      }
    } else if (cs == 1) {
      for (long p = 0; p < kc; ++p) {
        const float* s = b + p * rs + j0;
        long j = 0;
        for (; j < nr; ++j) dst[j] = s[j];
        for (; j < NR; ++j) dst[j] = 0.0f;
        dst += NR;
      }
    } else if (rs == 1 && nr == NR) {
      // transposed B (a linear layer's weight): 4 columns x 4 depths per 4x4 SSE transpose, each
      // column read contiguously along p
      long p = 0;
      for (; p + 4 <= kc; p += 4)
        for (long j = 0; j < NR; j += 4) {
          __m128 c0 = _mm_loadu_ps(b + (j0 + j) * cs + p), c1 = _mm_loadu_ps(b + (j0 + j + 1) * cs + p);
          __m128 c2 = _mm_loadu_ps(b + (j0 + j + 2) * cs + p), c3 = _mm_loadu_ps(b + (j0 + j + 3) * cs + p);
          _MM_TRANSPOSE4_PS(c0, c1, c2, c3);
          _mm_storeu_ps(dst + p * NR + j, c0);
          _mm_storeu_ps(dst + (p + 1) * NR + j, c1);
          _mm_storeu_ps(dst + (p + 2) * NR + j, c2);
          _mm_storeu_ps(dst + (p + 3) * NR + j, c3);
        }
      for (; p < kc; ++p)
        for (long j = 0; j < NR; ++j) dst[p * NR + j] = b[(j0 + j) * cs + p];
      dst += kc * NR;
    } else {
      // strided columns (transposed B): read each column contiguously along p when rs == 1
      for (long j = 0; j < nr; ++j) {
        const float* s = b + (j0 + j) * cs;
        for (long p = 0; p < kc; ++p) dst[p * NR + j] = s[p * rs];
      }
      for (long j = nr; j < NR; ++j)
        for (long p = 0; p < kc; ++p) dst[p * NR + j] = 0.0f;
      dst += kc * NR;
    }
  }
}

void macroKernel(const Ctx& ctx, long mc, long nc, long kc, const float* Ap, const float* Bp, float* C, long ldc, float beta) {
#if defined(__x86_64__) || defined(__i386__)
  if (ctx.avx512) {
    // two adjacent B panels per tile (6x32); a last single panel as 6x16
    for (long j0 = 0; j0 < nc; j0 += 2 * NR) {
      const long nr = std::min(2 * NR, nc - j0);
      const float* bp = Bp + j0 * kc;
      for (long i0 = 0; i0 < mc; i0 += MR) {
        const long mr = std::min(MR, mc - i0);
        if (nr > NR) ukrPairAvx512(kc, Ap + i0 * kc, bp, bp + NR * kc, C + i0 * ldc + j0, ldc, beta, mr, nr);
        else ukrAvx512(kc, Ap + i0 * kc, bp, C + i0 * ldc + j0, ldc, beta, mr, nr);
      }
    }
    return;
  }
#endif
  const Ukr ukr = ctx.ukr;
  for (long j0 = 0; j0 < nc; j0 += NR) {
    const long nr = std::min(NR, nc - j0);
    const float* bp = Bp + j0 * kc;
    for (long i0 = 0; i0 < mc; i0 += MR) {
      const long mr = std::min(MR, mc - i0);
      ukr(kc, Ap + i0 * kc, bp, C + i0 * ldc + j0, ldc, beta, mr, nr);
    }
  }
}

void gemmStrided(Ctx& ctx, long m, long n, long k, const float* a, long rsA, long csA, const float* b, long rsB, long csB,
                 float* c, long ldc, float beta) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (long i = 0; i < m; ++i)
      for (long j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  const long ncMax = std::min(NC, roundUp(n, NR));
  const long kcMax = std::min(KC, k);
  const long mcMax = std::min(MC, roundUp(m, MR));
  float* Bp = ctx.packB.get(static_cast<size_t>(ncMax * kcMax));
  float* Ap = ctx.packA.get(static_cast<size_t>(mcMax * kcMax));
  if (Bp == nullptr || Ap == nullptr) throw std::bad_alloc();
  for (long jc = 0; jc < n; jc += NC) {
    const long nc = std::min(NC, n - jc);
    for (long pc = 0; pc < k; pc += KC) {
      const long kc = std::min(KC, k - pc);
      const float be = pc == 0 ? beta : 1.0f;
      packB(b + pc * rsB + jc * csB, rsB, csB, kc, nc, Bp);
      for (long ic = 0; ic < m; ic += MC) {
        const long mc = std::min(MC, m - ic);
        packA(a + ic * rsA + pc * csA, rsA, csA, mc, kc, Ap);
        macroKernel(ctx, mc, nc, kc, Ap, Bp, c + ic * ldc + jc, ldc, be);
      }
    }
  }
}

} // namespace pb
