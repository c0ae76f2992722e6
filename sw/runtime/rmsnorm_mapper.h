// y = x / sqrt(mean(x^2) + eps) * g for each of --tokens rows of --d-model elements, on a
// P x Q region, as a Plan (docs/mapping.md, rmsnorm): a row's elements
// split over the P region columns and the rows over the Q region rows; each tile sums its
// squares, the partial sums flow east along the region row (colors 1 and 2 alternate), the
// last column takes the inverse square root (firmware/kernels/rsqrt_f32.s) and multicasts it
// back west (color 3), and every tile scales its elements in place, where the next kernel
// would read them. With request.stream_ports (a chained kernel) x arrives from the north and y
// leaves south, on one region row.
#pragma once

#include <cstdint>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// The largest relative error of firmware/kernels/rsqrt_f32.s (derived in the file).
inline constexpr double kRsqrtF32RelativeError = 3 * 0x1p-24;
/// The relative error bound of each y on a region row of `columns` tiles (derived in
/// rmsnorm_mapper.cpp): the chain of d + columns roundings of the squares' sum, halved by the
/// inverse square root, plus its own error and the two products.
inline double RmsNormRelativeBound(int64_t d, int columns) {
  return 1.01 * (0.5 * (double(d + columns) + 3) * 0x1p-24 + kRsqrtF32RelativeError + 2 * 0x1p-24);
}
/// Llama's rms_norm_eps.
inline constexpr float kRmsNormEps = 1e-5f;

/// Throws std::invalid_argument naming the flag when the shape is wrong, and when a tile's
/// share does not fit its SRAM (with `request.fit` it takes a larger region, up to the mesh).
plan::Plan BuildRmsNormPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapRmsNorm(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
