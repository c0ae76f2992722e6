// y = x + r for --tokens rows of --d-model elements (the residual stream plus a sublayer's
// output), on a P x Q region, as a Plan (docs/mapping.md, residual): the
// T x d elements, flattened, split into one contiguous piece per tile (row-major); both
// operands are in each tile's SRAM where the previous kernels left them, and one tensor add
// per tile leaves the sum in place of x. With request.stream_ports (a chained kernel) r
// arrives from the south first (the skip connection, forked early from the layer's input),
// then x from the north, and y leaves to the south, on one region row.
#pragma once

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// Throws std::invalid_argument naming the flag when the shape is wrong, and when a tile's
/// share does not fit its SRAM (with `request.fit` it takes a larger region, up to the mesh).
plan::Plan BuildResidualPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);

/// How a streamed residual's ports cross its row, where the defaults do not suit a chain.
struct ResidualStreams {
  bool r_from_north = false;  ///< r from the north beside x (on its own color), not from the south
  bool second_y = false;      ///< y leaves twice, as "y" then "y2" on another color: to the next
                              ///< kernel and to a later residual's skip connection
};
plan::Plan BuildChainedResidualPlan(const KernelRequest& request, const fabric::FabricConfig& fabric,
                                    const ResidualStreams& streams);
/// The plan, lowered.
KernelMapping MapResidual(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
