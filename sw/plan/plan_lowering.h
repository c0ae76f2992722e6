// The one step from Plans to what the fabric loads: each tile's program assembled with its
// parameters after its routes' set-up, SRAM shards as data, the streams between the region
// and the mesh edge laid through the tiles in between, and edge injections and collections.
// Nothing else writes tile programs or routes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"

namespace wafersim::plan {

struct LowerOptions {
  /// Where a program that is not built in is looked for (a plan file's folder).
  std::string program_dir = ".";
};

/// Throws std::invalid_argument naming the plan, tile and color when the plan does not fit
/// the mesh, a program does not assemble, or a stream cannot be laid to the mesh edge.
runtime::KernelMapping Lower(const Plan& plan, const fabric::FabricConfig& fabric, const LowerOptions& options = {});

/// A chain built by `build`, which fills its plans' time line (plan::Chain's `stages`), lowered
/// with the time line attached for the run to read back.
runtime::KernelMapping LowerWithStages(const std::function<Plan(std::vector<runtime::StageStamps>*)>& build,
                                       const fabric::FabricConfig& fabric);

/// Assembly that sets up `routes` (clobbers r1 and r2), in order.
std::string RouteSetup(const std::vector<ColorRoute>& routes);

/// The stored form of `values` as `dtype` words: binary32 bits, or binary16 halves (`packed`:
/// two to a word, low half first, an odd last one with a zero high half).
std::vector<uint32_t> Payloads(const std::vector<float>& values, DType dtype, size_t offset, size_t count,
                               bool packed = false);

}  // namespace wafersim::plan
