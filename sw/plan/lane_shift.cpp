#include "plan/lane_shift.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/plan_transform.h"
#include "plan/route_tiles.h"

namespace wafersim::plan {

Plan Lanes(int width, const std::vector<LaneGroup>& groups, int colors) {
  if (groups.empty() || static_cast<int>(groups.size()) > colors) {
    throw std::invalid_argument(fmt::format("lanes: {} groups on {} colors", groups.size(), colors));
  }
  int rows = 0;
  for (const auto& g : groups) rows = std::max(rows, static_cast<int>(g.counts.size()));
  Plan p;
  p.kernel = "lanes";
  p.region = {0, 0, width, rows};
  p.description = fmt::format("{} lane groups over {}x{} tiles", groups.size(), width, rows);
  RouteTiles tiles(p, width, rows);
  auto route = [&](int x, int y, int color, noc::Dir from, noc::Dir to) { tiles.Route(x, y, color, from, to); };
  using noc::Dir;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const LaneGroup& g = groups[gi];
    const int color = static_cast<int>(gi), lanes = static_cast<int>(g.counts.size()), shift = g.to - g.from;
    const bool outside = std::min(g.from, g.to) < 0 || std::max(g.from, g.to) + lanes > width;
    if (outside || (shift != 0 && std::abs(shift) < lanes)) {
      throw std::invalid_argument(fmt::format("lanes: group '{}' of {} lanes from column {} to {} in {} columns", g.name,
                                              lanes, g.from, g.to, width));
    }
    std::vector<int> tops, bottoms;
    for (int i = 0; i < lanes; ++i) {
      const int a = g.from + i, b = g.to + i;
      tops.push_back(a);
      bottoms.push_back(b);
      if (shift == 0) {
        for (int y = 0; y < rows; ++y) route(a, y, color, Dir::North, Dir::South);
      } else {
        const int turn = shift > 0 ? lanes - 1 - i : i;
        const Dir ahead = shift > 0 ? Dir::East : Dir::West, behind = shift > 0 ? Dir::West : Dir::East;
        const int step = shift > 0 ? 1 : -1;
        for (int y = 0; y < turn; ++y) route(a, y, color, Dir::North, Dir::South);
        route(a, turn, color, Dir::North, ahead);
        for (int x = a + step; x != b; x += step) route(x, turn, color, behind, ahead);
        route(b, turn, color, behind, Dir::South);
        for (int y = turn + 1; y < rows; ++y) route(b, y, color, Dir::North, Dir::South);
      }
    }
    AddLanePorts(p, g.name, color, tops, bottoms, g.counts);
  }
  return p;
}

}  // namespace wafersim::plan
