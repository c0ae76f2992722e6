// y = silu(g) * u = g / (1 + exp(-g)) * u, elementwise, for --tokens rows of --d-model
// elements (SwiGLU's gate and up projections), on a P x Q region at the mesh's north-west
// corner (docs/mapping.md, silu_mul): the T x d elements, flattened, split into one
// contiguous piece per tile (row-major); each tile takes the sigmoid of its gate elements one by one
// (firmware/kernels/exp_f32.s, and 1/a as rsqrt_f32(a)^2: the PE has no divide), then two
// tensor products give g * sigmoid(g) * u, left in SRAM where the down projection would read it
// (firmware/kernels/silu_mul_tile.s). Built as a Plan.
#pragma once

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// Throws std::invalid_argument naming the flag when the shape is wrong, and when a tile's
/// share does not fit its SRAM (with `request.fit` it takes a larger region, up to the mesh).
plan::Plan BuildSiluMulPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapSiluMul(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
