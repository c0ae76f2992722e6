// A region of routes only that carries groups of parallel north-to-south streams down its
// rows, each group on a color of its own, shifting a group sideways where its lanes must land
// elsewhere: lane i of a group enters column from + i at the top and leaves column to + i at
// the bottom. A shifted group turns in a staircase so that no two of its lanes (one color)
// cross: east, the later lane turns higher; west, the earlier. Groups on different colors
// cross freely. A chain's skip connections and a layer's output reach kernels beside the ones
// they pass this way (docs/mapping.md, "Resident sub-blocks").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace wafersim::plan {

struct LaneGroup {
  std::string name;  ///< ports name + "_in" and name + "_out"
  int from = 0, to = 0;  ///< the first lane's column at the top and at the bottom
  std::vector<size_t> counts;  ///< elements per lane
};

/// `width` columns, as many rows as the largest group has lanes. A shifted group must move by
/// at least its lanes (its top and bottom columns apart). Throws std::invalid_argument when a
/// group does not fit or more groups than colors are asked.
Plan Lanes(int width, const std::vector<LaneGroup>& groups, int colors);

}  // namespace wafersim::plan
