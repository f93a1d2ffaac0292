// pairbench native kernels: shared declarations.
// No mutable global state: everything a kernel needs lives in a Ctx owned by one addon instance
// (one per JS environment, so one per worker thread). Kernels never start threads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include "kernels.gen.h" // BinOp, UnOp: the op codes of src/backend/manifest.ts

namespace pb {

constexpr long MR = 6;   // micro-tile rows
constexpr long NR = 16;  // micro-tile columns
constexpr long MC = 144; // rows of A packed per block (L2)
constexpr long KC = 256; // depth of a packed block (L1 holds a KC x NR panel of B)
constexpr long NC = 4080;// columns of B packed per block (L3)

// x rounded up to a multiple of m (a panel-padded extent)
inline long roundUp(long x, long m) { return (x + m - 1) / m * m; }

// a growable 64-byte aligned float buffer
struct Arena {
  float* p = nullptr;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      if (bytes == 0) bytes = 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (p == nullptr) { cap = 0; return nullptr; }
      cap = bytes / sizeof(float);
    }
    return p;
  }
  ~Arena() { std::free(p); }
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
};

// C[0..mr, 0..nr] (ldc) = acc(A panel x B panel over k) + beta * C; beta == 0 never reads C
using Ukr = void (*)(long k, const float* A, const float* B, float* C, long ldc, float beta, long mr, long nr);
// same, with A read unpacked: A(i, p) = a[i*lda + p] for i < mr (rows past mr are not read)
using UkrRows = void (*)(long k, const float* a, long lda, const float* B, float* C, long ldc, float beta, long mr, long nr);

struct Ctx {
  bool avx2 = false;
  bool avx512 = false; // AVX-512F kernels (same FMA order per element as AVX2: the same bits)
  Ukr ukr = nullptr;
  UkrRows ukrRows = nullptr;
  Arena packA, packB, tmpC, aux;
  Arena act;  // conv2dReluMaxPool's activation (the convolution itself uses the others)
};

// the fastest path the CPU has, capped by allowAvx2 (false: scalar) and allowAvx512 (false: at most AVX2)
void initCtx(Ctx& ctx, bool allowAvx2, bool allowAvx512 = true);
bool cpuHasAvx2Fma();
bool cpuHasAvx512();

// micro-kernels
void ukrScalar(long k, const float* A, const float* B, float* C, long ldc, float beta, long mr, long nr);
void ukrAvx2(long k, const float* A, const float* B, float* C, long ldc, float beta, long mr, long nr);
void ukrRowsScalar(long k, const float* a, long lda, const float* B, float* C, long ldc, float beta, long mr, long nr);
void ukrRowsAvx2(long k, const float* a, long lda, const float* B, float* C, long ldc, float beta, long mr, long nr);
void ukrAvx512(long k, const float* A, const float* B, float* C, long ldc, float beta, long mr, long nr);
void ukrRowsAvx512(long k, const float* a, long lda, const float* B, float* C, long ldc, float beta, long mr, long nr);
// a 6x32 tile from two 16-column B panels (B0: columns 0-15, B1: 16-31), 16 < nr <= 32; the same bits as two ukrAvx512 calls
void ukrPairAvx512(long k, const float* A, const float* B0, const float* B1, float* C, long ldc, float beta, long mr, long nr);

// packing: A(i,p) = a[i*rs + p*cs] -> panels of MR rows, [p][r]; B(p,j) = b[p*rs + j*cs] -> panels of NR cols, [p][c]
void packA(const float* a, long rs, long cs, long mc, long kc, float* dst);
void packB(const float* b, long rs, long cs, long kc, long nc, float* dst);
// C (mc x nc, ldc) = Ap (mc x kc) @ Bp (kc x nc) + beta*C
void macroKernel(const Ctx& ctx, long mc, long nc, long kc, const float* Ap, const float* Bp, float* C, long ldc, float beta);

// C (m x n, ldc) = A @ B + beta*C with A(i,p) = a[i*rsA + p*csA], B(p,j) = b[p*rsB + j*csB]
void gemmStrided(Ctx& ctx, long m, long n, long k, const float* a, long rsA, long csA, const float* b, long rsB, long csB,
                 float* c, long ldc, float beta);

struct ConvDims { long n, c, h, w, o, kh, kw, stride, pad, oh, ow; };
struct PoolDims { long n, c, h, w, k, stride, oh, ow; };

void conv2dForward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d);
// relu(conv2d): the direct first-layer kernel applies the ReLU as it stores, the others in a pass after
void conv2dRelu(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d);
void conv2dBackwardInput(Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d);
void conv2dBackwardWeight(Ctx& ctx, float* dw, float* db, const float* dy, const float* x, const ConvDims& d);
// one input channel, stride 1, no padding, 3x3 or 5x5, AVX-512 (conv_direct.cc): the same bits as the GEMM path
bool directConv1Fits(const Ctx& ctx, const ConvDims& d);
void directConv1Forward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d, bool relu);
void directConv1Weight(Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d);
// maxPool2d(relu(conv2d)) with p the pool over the activation (p.n = d.n, p.c = d.o, p.h = d.oh, p.w = d.ow)
void conv2dReluMaxPool(Ctx& ctx, float* out, int32_t* argmax, const float* x, const float* w, const float* bias, const ConvDims& d, const PoolDims& p);

// peak measurement: runs `iters` iterations of 12 independent FMAs (8-wide, 16-wide with avx512), returns flops done
double fmaPeakLoop(long iters, bool avx2, bool avx512 = false);

} // namespace pb

namespace pb {
// elementwise, reductions, pooling, normalisation, losses, optimisers (ops.cc)

void fill(float* out, long n, float v);
void binary(BinOp op, float* out, const float* a, const float* b, long rank, const int32_t* shape, const int32_t* as, const int32_t* bs);
void unary(UnOp op, float* out, const float* x, long n, float alpha);
void unaryBackward(UnOp op, float* dx, const float* x, const float* y, const float* dy, long n, float alpha);
void reduceToShape(float* out, long outLen, const float* x, long rank, const int32_t* shape, const int32_t* stridesInOut);
void sumAxis(float* out, const float* x, long outer, long dim, long inner);

void maxPool2d(float* out, int32_t* argmax, const float* x, const PoolDims& d);
void maxPool2dBackward(float* dx, const float* dy, const int32_t* argmax, const PoolDims& d);
void avgPool2d(float* out, const float* x, const PoolDims& d);
void avgPool2dBackward(float* dx, const float* dy, const PoolDims& d);

void batchNormTrain(float* out, float* mean, float* invStd, const float* x, const float* gamma, const float* beta, long n, long c, long hw, double eps);
void batchNormEval(float* out, const float* x, const float* gamma, const float* beta, const float* rm, const float* rv, long n, long c, long hw, double eps);
void batchNormBackward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean, const float* invStd, const float* gamma, long n, long c, long hw);
// AVX2 BatchNorm2d with the ReLU folded in (relu / y: the batch norm + ReLU's output): the same bits as the two above plus
// the relu passes; false (nothing done) where it does not apply (no AVX2, hw == 1, fewer than 64 values a channel)
bool batchNormTrainFused(float* out, float* mean, float* invStd, const float* x, const float* gamma, const float* beta, long n, long c, long hw, double eps, bool relu,
                         bool avx2);
bool batchNormBackwardFused(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean, const float* invStd, const float* gamma,
                            const float* y, long n, long c, long hw, bool avx2);

void softmax(float* out, const float* x, long rows, long cols);
void logSoftmax(float* out, const float* x, long rows, long cols);
void softmaxBackward(float* dx, const float* y, const float* dy, long rows, long cols);
void logSoftmaxBackward(float* dx, const float* y, const float* dy, long rows, long cols);

void nllLoss(float* out, const float* logp, const int32_t* target, long rows, long cols);
void nllLossBackward(float* dlogp, double dout, const int32_t* target, long rows, long cols);
void bceWithLogitsLoss(float* out, const float* x, const float* t, long n);
void bceWithLogitsLossBackward(float* dx, double dout, const float* x, const float* t, long n);
void bceLoss(float* out, const float* p, const float* t, long n);
void bceLossBackward(float* dp, double dout, const float* p, const float* t, long n);

void copyBlock(float* out, long outOffset, long outStride, const float* x, long xOffset, long xStride, long rows, long cols);
// out row r = x row index[r] (rows of rowLen floats); the indices are checked by the caller
void gatherRows(float* out, const float* x, const int32_t* index, long rows, long rowLen);
// state: the xoshiro128** generator (a, b, c, d), advanced past the n draws
void dropout(float* out, float* mask, const float* x, uint32_t* state, long n, double p);
// decoupledWd: AdamW's param *= float(1 - lr * decoupledWd) before the update; avx512: the 16-wide path (the same bits)
void adamStep(float* param, const float* grad, float* m, float* v, long n, double lr, double b1, double b2, double eps, double wd, double decoupledWd,
              double step, bool avx512);
void sgdStep(float* param, const float* grad, float* buf, long n, double lr, double momentum, double wd, bool firstStep);
} // namespace pb
