// A region of routes only that turns groups of parallel lanes back the way they came, into a
// strip of the mesh beside them: how a snake of layers passes a layer's output from the end of
// one strip to the start of the next (docs/mapping.md, "Resident sub-blocks"). Each group has
// a color of its own; its lanes nest, so none crosses another of its color, and the nesting
// reverses their order across the mesh, as a half-turned plan (plan::HalfTurned) expects.
//
//   under (the strip before runs down, the next up):   over (the strip before runs up):
//
//     0  1  2 (in)     2  1  0 (out)                      +------------------------+
//     |  |  |          |  |  |                            |  +------------------+  |
//     |  |  +----------+  |  |                            |  |  +------------+  |  |
//     |  +----------------+  |                            |  |  |            |  |  |
//     +----------------------+                            2  1  0 (in)       0  1  2 (out)
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace wafersim::plan {

struct TurnGroup {
  std::string name;  ///< ports name + "_in" and name + "_out"
  /// The west-most column the lanes come in on and the west-most they leave on; lanes leave
  /// east of where they come in (to >= from + lanes).
  int from = 0, to = 0;
  std::vector<size_t> counts;  ///< elements per lane
};

/// `width` columns, as many rows as the largest group has lanes. Under: lane i comes in from
/// the north at the top of column from + i and leaves north from column to + lanes - 1 - i.
/// Over: lane i comes in from the south at the bottom of column from + lanes - 1 - i and leaves
/// south from column to + i. Throws std::invalid_argument when a group does not fit or more
/// groups than colors are asked.
enum class Turn { kUnder, kOver };
Plan TurnedLanes(int width, Turn turn, const std::vector<TurnGroup>& groups, int colors);

}  // namespace wafersim::plan
