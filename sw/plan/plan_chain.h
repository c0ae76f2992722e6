// Plans side by side on one mesh, chained over the fabric: each link routes an output port of
// one plan to an input port of another through the tiles in between, with no host move. The
// result is one plan over the whole mesh that the lowering loads like any other.
#pragma once

#include <string>
#include <vector>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"

namespace wafersim::plan {

struct PlacedPlan {
  std::string label;  ///< names the plan's tensors and ports in the chain: "gemv1" gives "gemv1.x"
  Plan plan;          ///< at its region's offset on the mesh
};

/// plans[from]'s output port `output` feeds plans[to]'s input port `input`. The two ports must
/// be split alike: the same segments (offsets and counts) in the same order, each segment on
/// one color. An output may feed several inputs (a fork, as a residual stream feeds the next
/// norm and the skip connection): the later links branch off the first one's route, whose
/// tile then multicasts; the first link's regions must leave a tile between them to branch
/// from, and a consumer that takes its copy late must buffer it early (or the fork stalls).
struct PlanLink {
  size_t from;
  std::string output;
  size_t to;
  std::string input;
};

/// The chain as one plan over the whole mesh. A consumer's colors are renumbered so that each
/// link's stream keeps the producer's color end to end, and a route is laid for each segment
/// through tiles outside every region where that color is free. Ports no link names cross the
/// mesh edge in a straight line from their tile; they keep their place in the chain's inputs
/// and outputs, named "label.port". The chain's reference and tolerance are the caller's to
/// set (a chain's answer is not its plans' answers). Throws std::invalid_argument naming the
/// plan, tile and color when regions overlap, a port is fed twice or not split alike, or a
/// route cannot be laid.
/// `stages`, when given, gets each stamped plan's stamps (for the run's time line, in the
/// plans' order).
Plan Chain(std::vector<PlacedPlan> plans, const std::vector<PlanLink>& links, const fabric::FabricConfig& fabric,
           std::vector<runtime::StageStamps>* stages = nullptr);

}  // namespace wafersim::plan
