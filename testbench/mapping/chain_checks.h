// What the chained plans' tests share: a mapping run on the plain loop, and the same mapping
// with its reference moved past the tolerance, which a working check must call wrong.
#pragma once

#include "fabric_config.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_run.h"
#include "tile_grid.h"

namespace wafersim::testbench {

inline runtime::KernelResult RunMapping(const runtime::KernelMapping& m, const fabric::FabricConfig& config,
                                        fabric::TileModel tiles = fabric::TileModel::Fast) {
  fabric::TileGrid grid(config, {}, fabric::TileModels::All(tiles));
  return runtime::RunKernel(m, grid, runtime::Scheduler::PlainLoop);
}

/// Every element's expected value moved by four times its tolerance (and a little more).
inline runtime::KernelMapping ShiftedPastTolerance(runtime::KernelMapping m) {
  for (size_t i = 0; i < m.reference.size(); ++i) m.reference[i] += 4 * m.tolerance[i] + 1e-6;
  return m;
}

}  // namespace wafersim::testbench
