// Winograd F(2x2,3x3), F(3x3,3x3), F(4x4,3x3), F(6x6,3x3), F(5x5,3x3) and F(2x2,2x2) convolutions (winograd.cc), chosen by conv.cc from the shape alone
#pragma once
#include "pb.h"

namespace pb {
// 0 when Winograd does not apply (it needs a 3x3 or 2x2 kernel, stride 1, pad <= 1, at least 8 input
// and 8 output channels), else the output tile side it uses: 2x2 kernels 2; 3x3 kernels the side (2,
// 3, 4 or 6: 16, 25, 36 or 64 multiplies a tile) with the fewest multiplies over the map, padding included
// (the backward passes take 5x5 tiles instead where they tile the map exactly)
int winogradTile(const ConvDims& d);
inline bool winogradFits(const ConvDims& d) { return winogradTile(d) != 0; }
void winogradForward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d);
void winogradBackwardInput(Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d);
void winogradBackwardWeight(Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d);
} // namespace pb
