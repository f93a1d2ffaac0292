// Winograd F(2x2,3x3), F(3x3,3x3), F(4x4,3x3), F(6x6,3x3), F(5x5,3x3) and F(2x2,2x2) convolutions (winograd.cc), chosen by conv.cc from the shape alone
#pragma once
#include "pb.h"

namespace pb {
// 3x3 or 2x2, stride 1, pad <= 1, at least 8 input and 8 output channels (the tile size: winograd.cc's kindOf)
bool winogradFits(const ConvDims& d);
void winogradForward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d);
void winogradBackwardInput(Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d);
void winogradBackwardWeight(Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d);
} // namespace pb
