// The chained example of docs/plans.md: y = W2 rmsnorm(W1 x) + r, four plans in four regions
// of one mesh, each output routed over the fabric to the next kernel's input with no host
// move: GEMV (x from the north edge, y1 east) -> RMSNorm, transposed (y1 from the west, z
// east) -> GEMV, transposed (z from the west, y2 south) -> residual (y2 from the north, r from
// the south edge, the sum streamed out of the south edge). One tile of gap between regions, so the routes
// cross tiles that belong to no kernel. Checked against the whole chain in double precision.
#pragma once

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// --n: x's length; --d-model: y1's and z's; --m: y2's and the output's (each defaults to
/// --d-model). Throws std::invalid_argument naming the flag or the plan, tile and color.
plan::Plan BuildChainPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapChain(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
