// Winograd F(2x2,3x3), F(3x3,3x3), F(4x4,3x3), F(6x6,3x3) (and F(5x5,3x3) for the backward passes) for
// 3x3 stride-1 convolutions, F(2x2,2x2) for 2x2 ones (Lavin & Gray 2016): forward,
// backward-input (the forward's adjoint over the same tiles) and backward-weight. An m x m output
// tile costs (m+2)^2 multiply-adds per channel pair instead of 9 m^2 (F2: 16 for 4 outputs, F3: 25
// for 9, F4: 36 for 16, F6: 64 for 36). The (m+2)^2 transform positions are independent GEMMs run by the same micro-kernel as
// the direct path; transforms work on 16 tiles at a time (one micro-panel), lane-parallel. Fixed
// operation order: same inputs, same bits. Per tile:  Y = A^T [(G g G^T) . (B^T d B)] A
//   F2: B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//       A^T = [1 1 1 0; 0 1 -1 -1]
//   F4 (points 0, 1, -1, 2, -2, inf):
//       B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//       G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//       A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//   F3, F5, F6: see their structs in winograd-kernels.h (the kernels, compiled here once per instruction set)
#include "winograd.h"
#include <immintrin.h>
#include <algorithm>
#include <type_traits>

namespace pb {

namespace {
enum class Kind { F22, F2, F3, F4, F5, F6 };

namespace wgBase {
#define WG_VEC 4
#include "winograd-kernels.h"
#undef WG_VEC
} // namespace wgBase

// clang has no `#pragma GCC target` (it would reject the wider intrinsics): it builds the SSE kernels only
#if !defined(__clang__)
#define WG_WIDE 1
#pragma GCC push_options
#pragma GCC target("avx2")
namespace wgAvx2 {
#define WG_VEC 8
#include "winograd-kernels.h"
#undef WG_VEC
} // namespace wgAvx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2")
namespace wgAvx512 {
#define WG_VEC 16
#include "winograd-kernels.h"
#undef WG_VEC
} // namespace wgAvx512
#pragma GCC pop_options
#endif

} // namespace

bool winogradFits(const ConvDims& d) {
  return d.kh == d.kw && (d.kh == 2 || d.kh == 3) && d.stride == 1 && d.pad <= 1 && d.c >= 8 && d.o >= 8 && d.n > 0 && d.oh > 0 && d.ow > 0;
}

namespace {
// the tile transform for d (winogradFits): F22 for 2x2 kernels; for 3x3 ones the tiling with the fewest
// multiplies per image, the tiles past the map's edge included (ties: the smaller tile; an m x m tile
// costs (m+2)^2: F2 16, F3 25, F4 36, F6 64). backward: 5x5 tiles where they tile the map exactly
// (siebert2022's 10x10), in the backward passes only: in the forward pass their rounding (about twice
// F4's) moved a few of siebert2022/caux's ReLU decisions and so its weight gradients past the PyTorch
// parity tolerance
Kind kindOf(const ConvDims& d, bool backward) {
  if (d.kh == 2) return Kind::F22;
  if (backward && d.oh % 5 == 0 && d.ow % 5 == 0) return Kind::F5;
  const auto cost = [&](long m) { return ((d.oh + m - 1) / m) * ((d.ow + m - 1) / m) * (m + 2) * (m + 2); };
  const long f2 = cost(2), f3 = cost(3), f4 = cost(4), f6 = cost(6);
  return f2 <= f3 && f2 <= f4 && f2 <= f6 ? Kind::F2 : f3 <= f4 && f3 <= f6 ? Kind::F3 : f4 <= f6 ? Kind::F4 : Kind::F6;
}
} // namespace

// the kernels of the widest instruction set the context allows (the same bits on each)
void winogradForward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d) {
  const Kind k = kindOf(d, false);
#ifdef WG_WIDE
  if (ctx.avx512) return wgAvx512::forwardOf(k, ctx, out, x, w, bias, d);
  if (ctx.avx2) return wgAvx2::forwardOf(k, ctx, out, x, w, bias, d);
#endif
  wgBase::forwardOf(k, ctx, out, x, w, bias, d);
}

void winogradBackwardInput(Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d) {
  const Kind k = kindOf(d, true);
#ifdef WG_WIDE
  if (ctx.avx512) return wgAvx512::backwardInputOf(k, ctx, dx, dy, w, d);
  if (ctx.avx2) return wgAvx2::backwardInputOf(k, ctx, dx, dy, w, d);
#endif
  wgBase::backwardInputOf(k, ctx, dx, dy, w, d);
}

void winogradBackwardWeight(Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d) {
  const Kind k = kindOf(d, true);
#ifdef WG_WIDE
  if (ctx.avx512) return wgAvx512::backwardWeightOf(k, ctx, dw, dy, x, d);
  if (ctx.avx2) return wgAvx2::backwardWeightOf(k, ctx, dw, dy, x, d);
#endif
  wgBase::backwardWeightOf(k, ctx, dw, dy, x, d);
}

} // namespace pb
