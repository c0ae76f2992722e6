// Geometric changes to a Plan that keep it correct: moved to another offset, transposed (its
// tiles, sides and routes mirrored about the diagonal: a GEMV whose x came from the north
// takes it from the west), and its colors renumbered by a permutation. The programs do not
// change: they name colors through parameters and never name directions.
#pragma once

#include <map>

#include "plan/plan.h"

namespace wafersim::plan {

Plan Moved(Plan plan, int x0, int y0);
Plan Transposed(Plan plan);
/// Every color c the plan uses becomes map[c] (colors not in `map` stay): routes, ports, and
/// the program parameters named COLOR or COLOR_*. `map` must be one-to-one.
Plan Recolored(Plan plan, const std::map<int, int>& map);
/// Swaps colors a and b throughout the plan.
Plan ColorsSwapped(Plan plan, int a, int b);

}  // namespace wafersim::plan
