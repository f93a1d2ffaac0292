// N-API glue: one instance method per kernel of the manifest (src/backend/manifest.ts). Context-aware
// (Napi::Addon: one instance per JS environment, so each worker thread gets its own scratch
// buffers); no mutable global state. Arguments are validated (Float32Array only, lengths
// large enough for the dims) so that bad input throws a JS error instead of corrupting memory.
// The argument reading is generated (addon.gen.h); what each kernel does with its arguments is
// the run() overloads below.
#include <napi.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include "pb.h"
#include <vector>

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
  // an op code: a non-negative integer below count
  long code(size_t i, const char* name, long count) {
    const long v = dim(i, name);
    if (v >= count) fail("unknown " + std::string(name) + " code " + std::to_string(v));
    return v;
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


#include "addon.gen.h"

void run(Ctx&, Call&, const FillArgs& a) { fill(a.out, static_cast<long>(a.outLen), static_cast<float>(a.value)); }
void run(Ctx&, Call&, const BinaryArgs& a) {
  binary(a.op, a.out, a.a, a.b, a.s.rank, a.s.shape, a.s.s1, a.s.s2);
}
void run(Ctx&, Call&, const UnaryArgs& a) { unary(a.op, a.out, a.x, static_cast<long>(a.outLen), static_cast<float>(a.alpha)); }
void run(Ctx&, Call&, const UnaryBackwardArgs& a) {
  unaryBackward(a.op, a.dx, a.x, a.y, a.dy, static_cast<long>(a.dxLen), static_cast<float>(a.alpha));
}
void run(Ctx&, Call&, const ReduceToShapeArgs& a) { reduceToShape(a.out, static_cast<long>(a.outLen), a.x, a.s.rank, a.s.shape, a.s.s1); }
void run(Ctx&, Call&, const SumAxisArgs& a) { sumAxis(a.out, a.x, a.outer, a.dim, a.inner); }
void run(Ctx& ctx, Call&, const GemmArgs& a) {
  const long m = a.m, n = a.n, k = a.k;
  gemmStrided(ctx, m, n, k, a.a, a.transA ? 1 : k, a.transA ? m : 1, a.b, a.transB ? 1 : n, a.transB ? k : 1, a.out, n, static_cast<float>(a.beta));
}
// the gradient reaching a ReLU-fused op's own output: dy where its output y (a ReLU's) is > 0, else 0
// (the mask y > 0 is x > 0 of the ReLU's input), in ctx.aux; dy itself when y is null (no ReLU)
const float* reluMasked(Ctx& ctx, const float* dy, const float* y, long len) {
  if (!y) return dy;
  float* masked = ctx.aux.get(static_cast<size_t>(len));
  if (masked == nullptr) throw std::bad_alloc();
  unaryBackward(UnOp::Relu, masked, y, nullptr, dy, len, 0.0f);
  return masked;
}
void run(Ctx& ctx, Call&, const LinearArgs& a) {
  const long n = a.n, inF = a.inF, outF = a.outF;
  if (a.bias)
    for (long i = 0; i < n; ++i) std::memcpy(a.out + i * outF, a.bias, sizeof(float) * static_cast<size_t>(outF));
  gemmStrided(ctx, n, outF, inF, a.x, inF, 1, a.w, 1, inF, a.out, outF, a.bias ? 1.0f : 0.0f);
  if (a.relu) unary(UnOp::Relu, a.out, a.out, n * outF, 0.0f);
}
void run(Ctx& ctx, Call&, const LinearBackwardArgs& a) {
  const long n = a.n, inF = a.inF, outF = a.outF;
  const float* dy = reluMasked(ctx, a.dy, a.y, n * outF);
  if (a.dx) gemmStrided(ctx, n, inF, outF, dy, outF, 1, a.w, inF, 1, a.dx, inF, 0.0f);
  if (a.dw) gemmStrided(ctx, outF, inF, n, dy, 1, outF, a.x, inF, 1, a.dw, inF, 0.0f);
  if (a.db) {
    // rows outer: contiguous loads and one double sum per output advancing side by side (a column
    // at a time was strided and one add chain)
    std::vector<double> s(static_cast<size_t>(outF), 0.0);
    for (long i = 0; i < n; ++i)
      for (long o = 0; o < outF; ++o) s[o] += dy[i * outF + o];
    for (long o = 0; o < outF; ++o) a.db[o] = static_cast<float>(s[o]);
  }
}
void run(Ctx& ctx, Call&, const Conv2dArgs& a) { conv2dForward(ctx, a.out, a.x, a.w, a.bias, a.d); }
void run(Ctx& ctx, Call&, const Conv2dReluArgs& a) { conv2dRelu(ctx, a.out, a.x, a.w, a.bias, a.d); }
void run(Ctx& ctx, Call&, const Conv2dBackwardInputArgs& a) { conv2dBackwardInput(ctx, a.dx, a.dy, a.w, a.d); }
void run(Ctx& ctx, Call&, const Conv2dBackwardWeightArgs& a) { conv2dBackwardWeight(ctx, a.dw, a.db, a.dy, a.x, a.d); }
void run(Ctx& ctx, Call& c, const Conv2dReluMaxPoolArgs& a) {
  if (a.p.n != a.d.n || a.p.c != a.d.o || a.p.h != a.d.oh || a.p.w != a.d.ow)
    c.fail("the pool dims (" + std::to_string(a.p.n) + "," + std::to_string(a.p.c) + "," + std::to_string(a.p.h) + "," + std::to_string(a.p.w) +
           ") are not the convolution's output (" + std::to_string(a.d.n) + "," + std::to_string(a.d.o) + "," + std::to_string(a.d.oh) + "," + std::to_string(a.d.ow) + ")");
  if (a.d.n * a.d.o * a.d.oh * a.d.ow > 2147483647L) c.fail("tensor too large for Int32 argmax");
  conv2dReluMaxPool(ctx, a.out, a.argmax, a.x, a.w, a.bias, a.d, a.p);
}
void run(Ctx&, Call& c, const MaxPool2dArgs& a) {
  if (a.d.n * a.d.c * a.d.h * a.d.w > 2147483647L) c.fail("tensor too large for Int32 argmax");
  maxPool2d(a.out, a.argmax, a.x, a.d);
}
void run(Ctx&, Call& c, const MaxPool2dBackwardArgs& a) {
  const long outN = a.d.n * a.d.c * a.d.oh * a.d.ow, inN = a.d.n * a.d.c * a.d.h * a.d.w;
  for (long i = 0; i < outN; ++i)
    if (a.argmax[i] < 0 || a.argmax[i] >= inN) c.fail("argmax[" + std::to_string(i) + "] = " + std::to_string(a.argmax[i]) + " is outside x");
  maxPool2dBackward(a.dx, a.dy, a.argmax, a.d);
}
void run(Ctx&, Call&, const AvgPool2dArgs& a) { avgPool2d(a.out, a.x, a.d); }
void run(Ctx&, Call&, const AvgPool2dBackwardArgs& a) { avgPool2dBackward(a.dx, a.dy, a.d); }
void run(Ctx& ctx, Call&, const BatchNormTrainArgs& a) {
  if (batchNormTrainFused(a.out, a.mean, a.invStd, a.x, a.gamma, a.beta, a.n, a.c, a.hw, a.eps, a.relu, ctx.avx2)) return;
  batchNormTrain(a.out, a.mean, a.invStd, a.x, a.gamma, a.beta, a.n, a.c, a.hw, a.eps);
  if (a.relu) unary(UnOp::Relu, a.out, a.out, a.n * a.c * a.hw, 0.0f);
}
void run(Ctx&, Call&, const BatchNormEvalArgs& a) {
  batchNormEval(a.out, a.x, a.gamma, a.beta, a.runMean, a.runVar, a.n, a.c, a.hw, a.eps);
  if (a.relu) unary(UnOp::Relu, a.out, a.out, a.n * a.c * a.hw, 0.0f);
}
void run(Ctx& ctx, Call&, const BatchNormBackwardArgs& a) {
  if (batchNormBackwardFused(a.dx, a.dgamma, a.dbeta, a.dy, a.x, a.mean, a.invStd, a.gamma, a.y, a.n, a.c, a.hw, ctx.avx2)) return;
  const float* dy = reluMasked(ctx, a.dy, a.y, a.n * a.c * a.hw);
  batchNormBackward(a.dx, a.dgamma, a.dbeta, dy, a.x, a.mean, a.invStd, a.gamma, a.n, a.c, a.hw);
}
void run(Ctx&, Call&, const SoftmaxArgs& a) { softmax(a.out, a.x, a.rows, a.cols); }
void run(Ctx&, Call&, const LogSoftmaxArgs& a) { logSoftmax(a.out, a.x, a.rows, a.cols); }
void run(Ctx&, Call&, const SoftmaxBackwardArgs& a) { softmaxBackward(a.dx, a.y, a.dy, a.rows, a.cols); }
void run(Ctx&, Call&, const LogSoftmaxBackwardArgs& a) { logSoftmaxBackward(a.dx, a.y, a.dy, a.rows, a.cols); }
void checkTargets(Call& c, const int32_t* t, long rows, long cols) {
  for (long r = 0; r < rows; ++r)
    if (t[r] < 0 || t[r] >= cols) c.fail("target[" + std::to_string(r) + "] = " + std::to_string(t[r]) + " is outside [0, " + std::to_string(cols) + ")");
}
void run(Ctx&, Call& c, const NllLossArgs& a) {
  checkTargets(c, a.target, a.rows, a.cols);
  nllLoss(a.out, a.logp, a.target, a.rows, a.cols);
}
void run(Ctx&, Call& c, const NllLossBackwardArgs& a) {
  checkTargets(c, a.target, a.rows, a.cols);
  nllLossBackward(a.dlogp, a.dout, a.target, a.rows, a.cols);
}
void run(Ctx&, Call&, const BceWithLogitsLossArgs& a) { bceWithLogitsLoss(a.out, a.x, a.t, a.n); }
void run(Ctx&, Call&, const BceWithLogitsLossBackwardArgs& a) { bceWithLogitsLossBackward(a.dx, a.dout, a.x, a.t, a.n); }
void run(Ctx&, Call&, const BceLossArgs& a) { bceLoss(a.out, a.p, a.t, a.n); }
void run(Ctx&, Call&, const BceLossBackwardArgs& a) { bceLossBackward(a.dp, a.dout, a.p, a.t, a.n); }
void run(Ctx&, Call&, const CopyBlockArgs& a) { copyBlock(a.out, a.outOffset, a.outStride, a.x, a.xOffset, a.xStride, a.rows, a.cols); }
void run(Ctx&, Call& c, const GatherRowsArgs& a) {
  const long rows = static_cast<long>(a.indexLen), xRows = a.rowLen == 0 ? 0 : static_cast<long>(a.xLen) / a.rowLen;
  for (long r = 0; r < rows; ++r)
    if (a.index[r] < 0 || a.index[r] >= xRows) c.fail("index[" + std::to_string(r) + "] = " + std::to_string(a.index[r]) + " is not a row of x (0.." + std::to_string(xRows - 1) + ")");
  gatherRows(a.out, a.x, a.index, rows, a.rowLen);
}
void run(Ctx&, Call&, const DropoutArgs& a) {
  dropout(a.out, a.mask, a.x, reinterpret_cast<uint32_t*>(a.state), static_cast<long>(a.outLen), a.p);
}
void run(Ctx& ctx, Call& c, const AdamStepArgs& a) {
  if (!(a.step >= 1)) c.fail("step counts from 1, got " + std::to_string(a.step));
  adamStep(a.param, a.grad, a.m, a.v, static_cast<long>(a.paramLen), a.lr, a.beta1, a.beta2, a.eps, a.weightDecay, a.decoupledDecay, a.step, ctx.avx512);
}
void run(Ctx&, Call&, const SgdStepArgs& a) {
  sgdStep(a.param, a.grad, a.buf, static_cast<long>(a.paramLen), a.lr, a.momentum, a.weightDecay, a.firstStep);
}

class PbAddon : public Napi::Addon<PbAddon> {
 public:
  PbAddon(Napi::Env env, Napi::Object exports) {
    const char* simd = std::getenv("PAIRBENCH_NATIVE_SIMD");
    initCtx(ctx_, !(simd && std::string(simd) == "scalar"), !(simd && std::string(simd) == "avx2"));
    DefineAddon(exports, {
      InstanceValue("abiVersion", Napi::Number::New(env, kAbiVersion), napi_enumerable),
      InstanceMethod("simd", &PbAddon::Simd),
      InstanceMethod("setSimd", &PbAddon::SetSimd),
      InstanceMethod("cpuHasAvx2", &PbAddon::CpuHasAvx2),
      InstanceMethod("cpuHasAvx512", &PbAddon::CpuHasAvx512),
      InstanceMethod("fmaPeak", &PbAddon::FmaPeak),
#define PB_REGISTER(name, Name, argc) InstanceMethod(#name, &PbAddon::Name),
      PB_KERNELS(PB_REGISTER)
#undef PB_REGISTER
    });
  }

 private:
  Ctx ctx_;

  const char* simdName() const { return ctx_.avx512 ? "avx512" : ctx_.avx2 ? "avx2+fma" : "scalar"; }
  Napi::Value Simd(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), simdName()); }
  // setSimd(true): the fastest path the CPU has; 'avx2': at most AVX2+FMA; false: scalar
  Napi::Value SetSimd(const Napi::CallbackInfo& info) {
    Call c(info, "setSimd", 1);
    const bool avx2Cap = info[0].IsString() && info[0].As<Napi::String>().Utf8Value() == "avx2";
    initCtx(ctx_, avx2Cap || c.flag(0), !avx2Cap);
    return Napi::String::New(info.Env(), simdName());
  }
  Napi::Value CpuHasAvx2(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), cpuHasAvx2Fma()); }
  Napi::Value CpuHasAvx512(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), cpuHasAvx512()); }
  // fmaPeak(iters) -> GFLOP/s of one core's FMA throughput on the active SIMD path
  Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
    Call c(info, "fmaPeak", 1);
    const long iters = c.dim(0, "iters");
    const auto t0 = std::chrono::steady_clock::now();
    const double flops = fmaPeakLoop(iters, ctx_.avx2, ctx_.avx512);
    const auto t1 = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(t1 - t0).count();
    return Napi::Number::New(info.Env(), s > 0 ? flops / s / 1e9 : 0.0);
  }

#define PB_METHOD(name, Name, argc)                      \
  Napi::Value Name(const Napi::CallbackInfo& info) {     \
    Call c(info, #name, argc);                           \
    run(ctx_, c, read##Name##Args(c));                   \
    return info.Env().Undefined();                       \
  }
  PB_KERNELS(PB_METHOD)
#undef PB_METHOD
};

} // namespace

NODE_API_ADDON(PbAddon)
