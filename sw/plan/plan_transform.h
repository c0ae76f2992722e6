// Geometric changes to a Plan that keep it correct: moved to another offset, transposed (its
// tiles, sides and routes mirrored about the diagonal: a GEMV whose x came from the north
// takes it from the west), turned half a turn, and its colors renumbered by a permutation. The programs do not
// change: they name colors through parameters and never name directions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace wafersim::plan {

Plan Moved(Plan plan, int x0, int y0);
Plan Transposed(Plan plan);
/// The plan turned half a turn within its region: tile (x, y) goes to (width-1-x, height-1-y),
/// north and south swap, east and west swap. A stream of lanes keeps its order but its lane 0
/// is now the east-most: how a layer runs up a strip of a snake (docs/mapping.md).
Plan HalfTurned(Plan plan);
/// Every color c the plan uses becomes map[c] (colors not in `map` stay): routes, ports, and
/// the program parameters named COLOR or COLOR_*. `map` must be one-to-one.
Plan Recolored(Plan plan, const std::map<int, int>& map);
/// Swaps colors a and b throughout the plan.
Plan ColorsSwapped(Plan plan, int a, int b);

/// Adds the ports of streams that cross `plan`'s region without its programs seeing them:
/// `name` + "_in" enters lane i at the top of column from[i] from the north and `name` +
/// "_out" leaves it at the bottom of column to[i] to the south, lane i carrying counts[i]
/// elements in order, on `color`. The routes between are the caller's.
void AddLanePorts(Plan& plan, const std::string& name, int color, const std::vector<int>& from,
                  const std::vector<int>& to, const std::vector<size_t>& counts);

/// The plan with a stream passing through its region from north to south on a color it does
/// not use: segment i enters column columns[i] at the top from the north and leaves it at the
/// bottom to the south, each tile's router passing it on (no program sees it). Input port
/// `name` + "_in" and output port `name` + "_out" of `size` elements, segment i carrying
/// `counts[i]` of them in order. How a chain carries a skip connection across the kernels it
/// skips. Throws std::invalid_argument when every color of `colors` is used.
Plan PassedThrough(Plan plan, const std::string& name, const std::vector<int>& columns,
                   const std::vector<size_t>& counts, int colors);

}  // namespace wafersim::plan
