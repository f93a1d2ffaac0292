// Winograd F(2x2,3x3) convolutions (winograd.cc), chosen by conv.cc from the shape alone
#pragma once
#include "pb.h"

namespace pb {
// 3x3, stride 1, pad <= 1, at least 8 input and 8 output channels
bool winogradFits(const ConvDims& d);
void winogradForward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d);
void winogradBackwardInput(Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d);
void winogradBackwardWeight(Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d);
} // namespace pb
