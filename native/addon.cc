// N-API glue: one instance method per kernel of src/backend/backend.ts. Context-aware
// (Napi::Addon: one instance per JS environment, so each worker thread gets its own scratch
// buffers); no mutable global state. Arguments are validated (Float32Array only, lengths
// large enough for the dims) so that bad input throws a JS error instead of corrupting memory.
#include <napi.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include "pb.h"

using namespace pb;

namespace {

constexpr int kAbiVersion = 1;

const char* typedArrayName(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "typed array";
  }
}

class Call {
 public:
  Call(const Napi::CallbackInfo& info, const char* op, size_t nargs) : info_(info), env_(info.Env()), op_(op) {
    if (info.Length() < nargs)
      throw Napi::TypeError::New(env_, prefix() + "expects " + std::to_string(nargs) + " arguments, got " + std::to_string(info.Length()));
  }
  std::string prefix() const { return std::string("pairbench native backend: ") + op_ + ": "; }

  void* typed(size_t i, const char* name, napi_typedarray_type want, size_t need, bool nullable) {
    napi_value v = info_[i];
    napi_valuetype vt;
    napi_typeof(env_, v, &vt);
    if (nullable && (vt == napi_null || vt == napi_undefined)) return nullptr;
    bool isTa = false;
    napi_is_typedarray(env_, v, &isTa);
    if (!isTa) {
      const char* got = vt == napi_null ? "null" : vt == napi_undefined ? "undefined" : vt == napi_number ? "number" : vt == napi_object ? "a non-typed-array object" : "a non-array value";
      throw Napi::TypeError::New(env_, prefix() + "argument '" + name + "' must be a " + typedArrayName(want) + ", got " + got);
    }
    napi_typedarray_type t;
    size_t len = 0;
    void* data = nullptr;
    napi_get_typedarray_info(env_, v, &t, &len, &data, nullptr, nullptr);
    if (t != want)
      throw Napi::TypeError::New(env_, prefix() + "argument '" + name + "' must be a " + typedArrayName(want) + ", got " + typedArrayName(t) +
                                           (t == napi_float64_array ? " (the native backend is float32 only; float64 runs on the reference backend)" : ""));
    if (len < need)
      throw Napi::RangeError::New(env_, prefix() + "argument '" + name + "' has " + std::to_string(len) + " elements, the dims need " + std::to_string(need));
    return data;
  }
  float* f32(size_t i, const char* name, size_t need) { return static_cast<float*>(typed(i, name, napi_float32_array, need, false)); }
  float* f32Opt(size_t i, const char* name, size_t need) { return static_cast<float*>(typed(i, name, napi_float32_array, need, true)); }
  int32_t* i32(size_t i, const char* name, size_t need) { return static_cast<int32_t*>(typed(i, name, napi_int32_array, need, false)); }
  size_t len(size_t i) {
    napi_typedarray_type t; size_t n = 0; void* d = nullptr;
    if (napi_get_typedarray_info(env_, info_[i], &t, &n, &d, nullptr, nullptr) != napi_ok) return 0;
    return n;
  }
  bool isNull(size_t i) {
    napi_valuetype vt; napi_typeof(env_, info_[i], &vt);
    return vt == napi_null || vt == napi_undefined;
  }
  double num(size_t i, const char* name) {
    double d;
    if (napi_get_value_double(env_, info_[i], &d) != napi_ok)
      throw Napi::TypeError::New(env_, prefix() + "argument '" + name + "' must be a number");
    return d;
  }
  long dim(size_t i, const char* name) {
    const double d = num(i, name);
    if (!(d >= 0) || d != std::floor(d) || d > 2147483647.0)
      throw Napi::RangeError::New(env_, prefix() + "argument '" + name + "' must be a non-negative integer, got " + std::to_string(d));
    return static_cast<long>(d);
  }
  bool flag(size_t i) {
    bool b = false;
    if (napi_get_value_bool(env_, info_[i], &b) != napi_ok) {
      double d = 0; napi_get_value_double(env_, info_[i], &d); b = d != 0;
    }
    return b;
  }
  [[noreturn]] void fail(const std::string& msg) { throw Napi::RangeError::New(env_, prefix() + msg); }
  Napi::Env env() const { return env_; }

 private:
  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  const char* op_;
};

ConvDims convDims(Call& c, size_t i) {
  ConvDims d{c.dim(i, "n"), c.dim(i + 1, "c"), c.dim(i + 2, "h"), c.dim(i + 3, "w"), c.dim(i + 4, "o"), c.dim(i + 5, "kh"),
             c.dim(i + 6, "kw"), c.dim(i + 7, "stride"), c.dim(i + 8, "pad"), c.dim(i + 9, "oh"), c.dim(i + 10, "ow")};
  if (d.stride < 1 || d.kh < 1 || d.kw < 1) c.fail("stride, kh and kw must be >= 1");
  const long eh = (d.h + 2 * d.pad - d.kh) >= 0 ? (d.h + 2 * d.pad - d.kh) / d.stride + 1 : 0;
  const long ew = (d.w + 2 * d.pad - d.kw) >= 0 ? (d.w + 2 * d.pad - d.kw) / d.stride + 1 : 0;
  if (d.oh != eh || d.ow != ew)
    c.fail("output size (" + std::to_string(d.oh) + "x" + std::to_string(d.ow) + ") does not match h,w,kh,kw,stride,pad (expected " +
           std::to_string(eh) + "x" + std::to_string(ew) + ")");
  return d;
}

PoolDims poolDims(Call& c, size_t i) {
  PoolDims d{c.dim(i, "n"), c.dim(i + 1, "c"), c.dim(i + 2, "h"), c.dim(i + 3, "w"), c.dim(i + 4, "k"), c.dim(i + 5, "stride"),
             c.dim(i + 6, "oh"), c.dim(i + 7, "ow")};
  if (d.stride < 1 || d.k < 1) c.fail("k and stride must be >= 1");
  const long eh = d.h >= d.k ? (d.h - d.k) / d.stride + 1 : 0, ew = d.w >= d.k ? (d.w - d.k) / d.stride + 1 : 0;
  if (d.oh != eh || d.ow != ew)
    c.fail("output size (" + std::to_string(d.oh) + "x" + std::to_string(d.ow) + ") does not match h,w,k,stride (expected " +
           std::to_string(eh) + "x" + std::to_string(ew) + ")");
  return d;
}

// dims Int32Array: [rank, shape..., stridesA..., (stridesB...)]
struct Strided { long rank; const int32_t* shape; const int32_t* s1; const int32_t* s2; long total; };
Strided strided(Call& c, size_t i, int nStrides) {
  const size_t l = c.len(i);
  const int32_t* d = c.i32(i, "dims", 1);
  Strided s{d[0], nullptr, nullptr, nullptr, 1};
  if (s.rank < 0 || s.rank > 16 || l < static_cast<size_t>(1 + (1 + nStrides) * s.rank)) c.fail("bad shape/strides descriptor (rank 0..16)");
  s.shape = d + 1; s.s1 = d + 1 + s.rank; s.s2 = nStrides > 1 ? d + 1 + 2 * s.rank : nullptr;
  for (long k = 0; k < s.rank; ++k) {
    if (s.shape[k] < 0 || s.s1[k] < 0 || (s.s2 && s.s2[k] < 0)) c.fail("negative size or stride");
    s.total *= s.shape[k];
  }
  return s;
}
size_t extent(const Strided& s, const int32_t* st) {
  if (s.total == 0) return 0;
  size_t e = 1;
  for (long k = 0; k < s.rank; ++k) e += static_cast<size_t>(s.shape[k] - 1) * static_cast<size_t>(st[k]);
  return e;
}

class PbAddon : public Napi::Addon<PbAddon> {
 public:
  PbAddon(Napi::Env env, Napi::Object exports) {
    const char* simd = std::getenv("PAIRBENCH_NATIVE_SIMD");
    initCtx(ctx_, !(simd && std::string(simd) == "scalar"));
    DefineAddon(exports, {
      InstanceValue("abiVersion", Napi::Number::New(env, kAbiVersion), napi_enumerable),
      InstanceMethod("simd", &PbAddon::Simd),
      InstanceMethod("setSimd", &PbAddon::SetSimd),
      InstanceMethod("cpuHasAvx2", &PbAddon::CpuHasAvx2),
      InstanceMethod("fmaPeak", &PbAddon::FmaPeak),
      InstanceMethod("fill", &PbAddon::Fill),
      InstanceMethod("binary", &PbAddon::Binary),
      InstanceMethod("unary", &PbAddon::Unary),
      InstanceMethod("unaryBackward", &PbAddon::UnaryBackward),
      InstanceMethod("reduceToShape", &PbAddon::ReduceToShape),
      InstanceMethod("sumAxis", &PbAddon::SumAxis),
      InstanceMethod("gemm", &PbAddon::Gemm),
      InstanceMethod("linear", &PbAddon::Linear),
      InstanceMethod("linearBackward", &PbAddon::LinearBackward),
      InstanceMethod("conv2d", &PbAddon::Conv2d),
      InstanceMethod("conv2dBackwardInput", &PbAddon::Conv2dBackwardInput),
      InstanceMethod("conv2dBackwardWeight", &PbAddon::Conv2dBackwardWeight),
      InstanceMethod("maxPool2d", &PbAddon::MaxPool2d),
      InstanceMethod("maxPool2dBackward", &PbAddon::MaxPool2dBackward),
      InstanceMethod("avgPool2d", &PbAddon::AvgPool2d),
      InstanceMethod("avgPool2dBackward", &PbAddon::AvgPool2dBackward),
      InstanceMethod("batchNormTrain", &PbAddon::BatchNormTrain),
      InstanceMethod("batchNormEval", &PbAddon::BatchNormEval),
      InstanceMethod("batchNormBackward", &PbAddon::BatchNormBackward),
      InstanceMethod("softmax", &PbAddon::Softmax),
      InstanceMethod("logSoftmax", &PbAddon::LogSoftmax),
      InstanceMethod("softmaxBackward", &PbAddon::SoftmaxBackward),
      InstanceMethod("logSoftmaxBackward", &PbAddon::LogSoftmaxBackward),
      InstanceMethod("nllLoss", &PbAddon::NllLoss),
      InstanceMethod("nllLossBackward", &PbAddon::NllLossBackward),
      InstanceMethod("bceWithLogitsLoss", &PbAddon::BceWithLogitsLoss),
      InstanceMethod("bceWithLogitsLossBackward", &PbAddon::BceWithLogitsLossBackward),
      InstanceMethod("bceLoss", &PbAddon::BceLoss),
      InstanceMethod("bceLossBackward", &PbAddon::BceLossBackward),
      InstanceMethod("copyBlock", &PbAddon::CopyBlock),
      InstanceMethod("adamStep", &PbAddon::AdamStep),
      InstanceMethod("sgdStep", &PbAddon::SgdStep),
    });
  }

 private:
  Ctx ctx_;

  Napi::Value Simd(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ctx_.avx2 ? "avx2+fma" : "scalar"); }
  Napi::Value SetSimd(const Napi::CallbackInfo& info) {
    Call c(info, "setSimd", 1);
    initCtx(ctx_, c.flag(0));
    return Napi::String::New(info.Env(), ctx_.avx2 ? "avx2+fma" : "scalar");
  }
  Napi::Value CpuHasAvx2(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), cpuHasAvx2Fma()); }
  // fmaPeak(iters) -> GFLOP/s of one core's FMA throughput on the active SIMD path
  Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
    Call c(info, "fmaPeak", 1);
    const long iters = c.dim(0, "iters");
    const auto t0 = std::chrono::steady_clock::now();
    const double flops = fmaPeakLoop(iters, ctx_.avx2);
    const auto t1 = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(t1 - t0).count();
    return Napi::Number::New(info.Env(), s > 0 ? flops / s / 1e9 : 0.0);
  }

  Napi::Value Fill(const Napi::CallbackInfo& info) {
    Call c(info, "fill", 2);
    const size_t n = c.len(0);
    fill(c.f32(0, "out", 0), static_cast<long>(n), static_cast<float>(c.num(1, "value")));
    return info.Env().Undefined();
  }
  // binary(op, out, a, b, dims)
  Napi::Value Binary(const Napi::CallbackInfo& info) {
    Call c(info, "binary", 5);
    const long op = c.dim(0, "op");
    if (op > 3) c.fail("unknown op code " + std::to_string(op));
    const Strided s = strided(c, 4, 2);
    float* out = c.f32(1, "out", static_cast<size_t>(s.total));
    const float* a = c.f32(2, "a", extent(s, s.s1));
    const float* b = c.f32(3, "b", extent(s, s.s2));
    binary(static_cast<BinOp>(op), out, a, b, s.rank, s.shape, s.s1, s.s2);
    return info.Env().Undefined();
  }
  // unary(op, out, x, alpha)
  Napi::Value Unary(const Napi::CallbackInfo& info) {
    Call c(info, "unary", 4);
    const long op = c.dim(0, "op");
    if (op > 9) c.fail("unknown op code " + std::to_string(op));
    const size_t n = c.len(1);
    unary(static_cast<UnOp>(op), c.f32(1, "out", 0), c.f32(2, "x", n), static_cast<long>(n), static_cast<float>(c.num(3, "alpha")));
    return info.Env().Undefined();
  }
  // unaryBackward(op, dx, x, y, dy, alpha)
  Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
    Call c(info, "unaryBackward", 6);
    const long op = c.dim(0, "op");
    if (op > 9) c.fail("unknown op code " + std::to_string(op));
    const size_t n = c.len(1);
    float* dx = c.f32(1, "dx", 0);
    // each rule reads only what it needs; unneeded x/y may be any Float32Array (or null)
    const UnOp u = static_cast<UnOp>(op);
    const bool needX = u == UnOp::Relu || u == UnOp::LeakyRelu || u == UnOp::Log || u == UnOp::Square;
    const bool needY = u == UnOp::Sigmoid || u == UnOp::Tanh || u == UnOp::Exp || u == UnOp::Sqrt;
    const float* x = needX ? c.f32(2, "x", n) : nullptr;
    const float* y = needY ? c.f32(3, "y", n) : nullptr;
    unaryBackward(u, dx, x, y, c.f32(4, "dy", n), static_cast<long>(n), static_cast<float>(c.num(5, "alpha")));
    return info.Env().Undefined();
  }
  // reduceToShape(out, x, dims[rank, xShape..., xStridesInOut...])
  Napi::Value ReduceToShape(const Napi::CallbackInfo& info) {
    Call c(info, "reduceToShape", 3);
    const Strided s = strided(c, 2, 1);
    const size_t outLen = c.len(0);
    float* out = c.f32(0, "out", std::max<size_t>(extent(s, s.s1), s.rank == 0 ? 1 : 0));
    reduceToShape(out, static_cast<long>(outLen), c.f32(1, "x", static_cast<size_t>(s.total)), s.rank, s.shape, s.s1);
    return info.Env().Undefined();
  }
  // sumAxis(out, x, outer, dim, inner)
  Napi::Value SumAxis(const Napi::CallbackInfo& info) {
    Call c(info, "sumAxis", 5);
    const long outer = c.dim(2, "outer"), dim = c.dim(3, "dim"), inner = c.dim(4, "inner");
    sumAxis(c.f32(0, "out", outer * inner), c.f32(1, "x", outer * dim * inner), outer, dim, inner);
    return info.Env().Undefined();
  }
  // gemm(out, a, b, m, n, k, transA, transB, beta)
  Napi::Value Gemm(const Napi::CallbackInfo& info) {
    Call c(info, "gemm", 9);
    const long m = c.dim(3, "m"), n = c.dim(4, "n"), k = c.dim(5, "k");
    const bool ta = c.flag(6), tb = c.flag(7);
    const float beta = static_cast<float>(c.num(8, "beta"));
    float* out = c.f32(0, "out", m * n);
    const float* a = c.f32(1, "a", m * k);
    const float* b = c.f32(2, "b", k * n);
    gemmStrided(ctx_, m, n, k, a, ta ? 1 : k, ta ? m : 1, b, tb ? 1 : n, tb ? k : 1, out, n, beta);
    return info.Env().Undefined();
  }
  // linear(out, x, w, bias, n, inF, outF)
  Napi::Value Linear(const Napi::CallbackInfo& info) {
    Call c(info, "linear", 7);
    const long n = c.dim(4, "n"), inF = c.dim(5, "inF"), outF = c.dim(6, "outF");
    float* out = c.f32(0, "out", n * outF);
    const float* x = c.f32(1, "x", n * inF);
    const float* w = c.f32(2, "w", outF * inF);
    const float* bias = c.f32Opt(3, "bias", outF);
    if (bias)
      for (long i = 0; i < n; ++i) std::memcpy(out + i * outF, bias, sizeof(float) * static_cast<size_t>(outF));
    gemmStrided(ctx_, n, outF, inF, x, inF, 1, w, 1, inF, out, outF, bias ? 1.0f : 0.0f);
    return info.Env().Undefined();
  }
  // linearBackward(dx, dw, db, dy, x, w, n, inF, outF)
  Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
    Call c(info, "linearBackward", 9);
    const long n = c.dim(6, "n"), inF = c.dim(7, "inF"), outF = c.dim(8, "outF");
    float* dx = c.f32Opt(0, "dx", n * inF);
    float* dw = c.f32Opt(1, "dw", outF * inF);
    float* db = c.f32Opt(2, "db", outF);
    const float* dy = c.f32(3, "dy", n * outF);
    const float* x = dw ? c.f32(4, "x", n * inF) : nullptr;
    const float* w = dx ? c.f32(5, "w", outF * inF) : nullptr;
    if (dx) gemmStrided(ctx_, n, inF, outF, dy, outF, 1, w, inF, 1, dx, inF, 0.0f);
    if (dw) gemmStrided(ctx_, outF, inF, n, dy, 1, outF, x, inF, 1, dw, inF, 0.0f);
    if (db) {
      for (long o = 0; o < outF; ++o) {
        double s = 0.0;
        for (long i = 0; i < n; ++i) s += dy[i * outF + o];
        db[o] = static_cast<float>(s);
      }
    }
    return info.Env().Undefined();
  }
  // conv2d(out, x, w, bias, n, c, h, w, o, kh, kw, stride, pad, oh, ow)
  Napi::Value Conv2d(const Napi::CallbackInfo& info) {
    Call c(info, "conv2d", 15);
    const ConvDims d = convDims(c, 4);
    float* out = c.f32(0, "out", d.n * d.o * d.oh * d.ow);
    const float* x = c.f32(1, "x", d.n * d.c * d.h * d.w);
    const float* w = c.f32(2, "w", d.o * d.c * d.kh * d.kw);
    const float* bias = c.f32Opt(3, "bias", d.o);
    conv2dForward(ctx_, out, x, w, bias, d);
    return info.Env().Undefined();
  }
  // conv2dBackwardInput(dx, dy, w, dims...)
  Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
    Call c(info, "conv2dBackwardInput", 14);
    const ConvDims d = convDims(c, 3);
    float* dx = c.f32(0, "dx", d.n * d.c * d.h * d.w);
    const float* dy = c.f32(1, "dy", d.n * d.o * d.oh * d.ow);
    const float* w = c.f32(2, "w", d.o * d.c * d.kh * d.kw);
    conv2dBackwardInput(ctx_, dx, dy, w, d);
    return info.Env().Undefined();
  }
  // conv2dBackwardWeight(dw, db, dy, x, dims...)
  Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
    Call c(info, "conv2dBackwardWeight", 15);
    const ConvDims d = convDims(c, 4);
    float* dw = c.f32(0, "dw", d.o * d.c * d.kh * d.kw);
    float* db = c.f32Opt(1, "db", d.o);
    const float* dy = c.f32(2, "dy", d.n * d.o * d.oh * d.ow);
    const float* x = c.f32(3, "x", d.n * d.c * d.h * d.w);
    conv2dBackwardWeight(ctx_, dw, db, dy, x, d);
    return info.Env().Undefined();
  }
  // maxPool2d(out, argmax, x, n, c, h, w, k, stride, oh, ow)
  Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
    Call c(info, "maxPool2d", 11);
    const PoolDims d = poolDims(c, 3);
    const long outN = d.n * d.c * d.oh * d.ow, inN = d.n * d.c * d.h * d.w;
    if (inN > 2147483647L) c.fail("tensor too large for Int32 argmax");
    maxPool2d(c.f32(0, "out", outN), c.i32(1, "argmax", outN), c.f32(2, "x", inN), d);
    return info.Env().Undefined();
  }
  // maxPool2dBackward(dx, dy, argmax, dims...)
  Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
    Call c(info, "maxPool2dBackward", 11);
    const PoolDims d = poolDims(c, 3);
    const long outN = d.n * d.c * d.oh * d.ow, inN = d.n * d.c * d.h * d.w;
    float* dx = c.f32(0, "dx", inN);
    const float* dy = c.f32(1, "dy", outN);
    const int32_t* am = c.i32(2, "argmax", outN);
    for (long i = 0; i < outN; ++i)
      if (am[i] < 0 || am[i] >= inN) c.fail("argmax[" + std::to_string(i) + "] = " + std::to_string(am[i]) + " is outside x");
    maxPool2dBackward(dx, dy, am, d);
    return info.Env().Undefined();
  }
  Napi::Value AvgPool2d(const Napi::CallbackInfo& info) {
    Call c(info, "avgPool2d", 10);
    const PoolDims d = poolDims(c, 2);
    avgPool2d(c.f32(0, "out", d.n * d.c * d.oh * d.ow), c.f32(1, "x", d.n * d.c * d.h * d.w), d);
    return info.Env().Undefined();
  }
  Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
    Call c(info, "avgPool2dBackward", 10);
    const PoolDims d = poolDims(c, 2);
    avgPool2dBackward(c.f32(0, "dx", d.n * d.c * d.h * d.w), c.f32(1, "dy", d.n * d.c * d.oh * d.ow), d);
    return info.Env().Undefined();
  }
  // batchNormTrain(out, mean, invStd, x, gamma, beta, n, c, hw, eps)
  Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
    Call c(info, "batchNormTrain", 10);
    const long n = c.dim(6, "n"), ch = c.dim(7, "c"), hw = c.dim(8, "hw");
    const long tot = n * ch * hw;
    batchNormTrain(c.f32(0, "out", tot), c.f32(1, "mean", ch), c.f32(2, "invStd", ch), c.f32(3, "x", tot), c.f32(4, "gamma", ch),
                   c.f32(5, "beta", ch), n, ch, hw, c.num(9, "eps"));
    return info.Env().Undefined();
  }
  // batchNormEval(out, x, gamma, beta, runMean, runVar, n, c, hw, eps)
  Napi::Value BatchNormEval(const Napi::CallbackInfo& info) {
    Call c(info, "batchNormEval", 10);
    const long n = c.dim(6, "n"), ch = c.dim(7, "c"), hw = c.dim(8, "hw");
    const long tot = n * ch * hw;
    batchNormEval(c.f32(0, "out", tot), c.f32(1, "x", tot), c.f32(2, "gamma", ch), c.f32(3, "beta", ch), c.f32(4, "runMean", ch),
                  c.f32(5, "runVar", ch), n, ch, hw, c.num(9, "eps"));
    return info.Env().Undefined();
  }
  // batchNormBackward(dx, dgamma, dbeta, dy, x, mean, invStd, gamma, n, c, hw)
  Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
    Call c(info, "batchNormBackward", 11);
    const long n = c.dim(8, "n"), ch = c.dim(9, "c"), hw = c.dim(10, "hw");
    const long tot = n * ch * hw;
    batchNormBackward(c.f32(0, "dx", tot), c.f32(1, "dgamma", ch), c.f32(2, "dbeta", ch), c.f32(3, "dy", tot), c.f32(4, "x", tot),
                      c.f32(5, "mean", ch), c.f32(6, "invStd", ch), c.f32(7, "gamma", ch), n, ch, hw);
    return info.Env().Undefined();
  }
  Napi::Value Softmax(const Napi::CallbackInfo& info) {
    Call c(info, "softmax", 4);
    const long r = c.dim(2, "rows"), k = c.dim(3, "cols");
    softmax(c.f32(0, "out", r * k), c.f32(1, "x", r * k), r, k);
    return info.Env().Undefined();
  }
  Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
    Call c(info, "logSoftmax", 4);
    const long r = c.dim(2, "rows"), k = c.dim(3, "cols");
    logSoftmax(c.f32(0, "out", r * k), c.f32(1, "x", r * k), r, k);
    return info.Env().Undefined();
  }
  Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
    Call c(info, "softmaxBackward", 5);
    const long r = c.dim(3, "rows"), k = c.dim(4, "cols");
    softmaxBackward(c.f32(0, "dx", r * k), c.f32(1, "y", r * k), c.f32(2, "dy", r * k), r, k);
    return info.Env().Undefined();
  }
  Napi::Value LogSoftmaxBackward(const Napi::CallbackInfo& info) {
    Call c(info, "logSoftmaxBackward", 5);
    const long r = c.dim(3, "rows"), k = c.dim(4, "cols");
    logSoftmaxBackward(c.f32(0, "dx", r * k), c.f32(1, "y", r * k), c.f32(2, "dy", r * k), r, k);
    return info.Env().Undefined();
  }
  const int32_t* targets(Call& c, size_t i, long rows, long cols) {
    const int32_t* t = c.i32(i, "target", rows);
    for (long r = 0; r < rows; ++r)
      if (t[r] < 0 || t[r] >= cols) c.fail("target[" + std::to_string(r) + "] = " + std::to_string(t[r]) + " is outside [0, " + std::to_string(cols) + ")");
    return t;
  }
  // nllLoss(out, logp, target, rows, cols)
  Napi::Value NllLoss(const Napi::CallbackInfo& info) {
    Call c(info, "nllLoss", 5);
    const long r = c.dim(3, "rows"), k = c.dim(4, "cols");
    float* out = c.f32(0, "out", 1);
    const float* lp = c.f32(1, "logp", r * k);
    nllLoss(out, lp, targets(c, 2, r, k), r, k);
    return info.Env().Undefined();
  }
  // nllLossBackward(dlogp, dout, target, rows, cols)
  Napi::Value NllLossBackward(const Napi::CallbackInfo& info) {
    Call c(info, "nllLossBackward", 5);
    const long r = c.dim(3, "rows"), k = c.dim(4, "cols");
    float* d = c.f32(0, "dlogp", r * k);
    nllLossBackward(d, c.num(1, "dout"), targets(c, 2, r, k), r, k);
    return info.Env().Undefined();
  }
  Napi::Value BceWithLogitsLoss(const Napi::CallbackInfo& info) {
    Call c(info, "bceWithLogitsLoss", 4);
    const long n = c.dim(3, "n");
    bceWithLogitsLoss(c.f32(0, "out", 1), c.f32(1, "x", n), c.f32(2, "t", n), n);
    return info.Env().Undefined();
  }
  Napi::Value BceWithLogitsLossBackward(const Napi::CallbackInfo& info) {
    Call c(info, "bceWithLogitsLossBackward", 5);
    const long n = c.dim(4, "n");
    bceWithLogitsLossBackward(c.f32(0, "dx", n), c.num(1, "dout"), c.f32(2, "x", n), c.f32(3, "t", n), n);
    return info.Env().Undefined();
  }
  Napi::Value BceLoss(const Napi::CallbackInfo& info) {
    Call c(info, "bceLoss", 4);
    const long n = c.dim(3, "n");
    bceLoss(c.f32(0, "out", 1), c.f32(1, "p", n), c.f32(2, "t", n), n);
    return info.Env().Undefined();
  }
  Napi::Value BceLossBackward(const Napi::CallbackInfo& info) {
    Call c(info, "bceLossBackward", 5);
    const long n = c.dim(4, "n");
    bceLossBackward(c.f32(0, "dp", n), c.num(1, "dout"), c.f32(2, "p", n), c.f32(3, "t", n), n);
    return info.Env().Undefined();
  }
  // copyBlock(out, outOffset, outStride, x, xOffset, xStride, rows, cols)
  Napi::Value CopyBlock(const Napi::CallbackInfo& info) {
    Call c(info, "copyBlock", 8);
    const long oo = c.dim(1, "outOffset"), os = c.dim(2, "outStride"), xo = c.dim(4, "xOffset"), xs = c.dim(5, "xStride");
    const long rows = c.dim(6, "rows"), cols = c.dim(7, "cols");
    const size_t needOut = rows == 0 || cols == 0 ? 0 : static_cast<size_t>(oo + (rows - 1) * os + cols);
    const size_t needX = rows == 0 || cols == 0 ? 0 : static_cast<size_t>(xo + (rows - 1) * xs + cols);
    copyBlock(c.f32(0, "out", needOut), oo, os, c.f32(3, "x", needX), xo, xs, rows, cols);
    return info.Env().Undefined();
  }
  // adamStep(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step)
  Napi::Value AdamStep(const Napi::CallbackInfo& info) {
    Call c(info, "adamStep", 10);
    const size_t n = c.len(0);
    const double step = c.num(9, "step");
    if (!(step >= 1)) c.fail("step counts from 1, got " + std::to_string(step));
    adamStep(c.f32(0, "param", 0), c.f32(1, "grad", n), c.f32(2, "m", n), c.f32(3, "v", n), static_cast<long>(n), c.num(4, "lr"),
             c.num(5, "beta1"), c.num(6, "beta2"), c.num(7, "eps"), c.num(8, "weightDecay"), step);
    return info.Env().Undefined();
  }
  // sgdStep(param, grad, buf, lr, momentum, weightDecay, firstStep)
  Napi::Value SgdStep(const Napi::CallbackInfo& info) {
    Call c(info, "sgdStep", 7);
    const size_t n = c.len(0);
    const double momentum = c.num(4, "momentum");
    float* buf = momentum != 0.0 ? c.f32(2, "buf", n) : nullptr;
    sgdStep(c.f32(0, "param", 0), c.f32(1, "grad", n), buf, static_cast<long>(n), c.num(3, "lr"), momentum, c.num(5, "weightDecay"),
            c.flag(6));
    return info.Env().Undefined();
  }
};

} // namespace

NODE_API_ADDON(PbAddon)
