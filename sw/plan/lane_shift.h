// A region of routes only that shifts parallel north-to-south streams sideways: lane i enters
// column i at the top and leaves column i + shift at the bottom, turning east on row
// lanes - 1 - i, so that no two lanes (all on one color) cross: the later a lane, the higher
// its turn. Optionally a second set of lanes, on another color, passes straight down columns
// shift .. shift + lanes - 1 through the same tiles. A chain's skip connection reaches a
// consumer beside the kernels it skips this way (docs/plans.md).
#pragma once

#include <cstddef>
#include <vector>

#include "plan/plan.h"

namespace wafersim::plan {

/// Ports "shift_in"/"shift_out" (lane i carrying counts[i] elements), and with `straight` also
/// "straight_in"/"straight_out" (lane i carrying straight[i]). The region is shift + lanes
/// wide and `lanes` tall (shift > lanes - 1 keeps a lane's turn clear of its own way out).
Plan LaneShift(const std::vector<size_t>& counts, int shift, const std::vector<size_t>& straight = {});

}  // namespace wafersim::plan
