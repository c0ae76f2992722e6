#include "plan/lane_turn.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/route_tiles.h"

namespace wafersim::plan {

Plan TurnedLanes(int width, Turn turn, const std::vector<TurnGroup>& groups, int colors) {
  if (groups.empty() || static_cast<int>(groups.size()) > colors) {
    throw std::invalid_argument(fmt::format("turned lanes: {} groups on {} colors", groups.size(), colors));
  }
  int rows = 0;
  for (const auto& g : groups) rows = std::max(rows, static_cast<int>(g.counts.size()));
  Plan p;
  p.kernel = "lanes";
  p.region = {0, 0, width, rows};
  p.description = fmt::format("{} lane groups turned {} over {}x{} tiles", groups.size(),
                              turn == Turn::kUnder ? "under" : "over", width, rows);
  const bool over = turn == Turn::kOver;
  RouteTiles tiles(p, width, rows);
  // Laid as the under turn; the over turn is its mirror top to bottom (north and south swap).
  auto route = [&](int x, int y, int color, noc::Dir from, noc::Dir to) {
    auto mirror = [&](noc::Dir d) {
      return !over ? d : d == noc::Dir::North ? noc::Dir::South : d == noc::Dir::South ? noc::Dir::North : d;
    };
    tiles.Route(x, over ? rows - 1 - y : y, color, mirror(from), mirror(to));
  };
  using noc::Dir;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const TurnGroup& g = groups[gi];
    const int color = static_cast<int>(gi), lanes = static_cast<int>(g.counts.size());
    if (g.from < 0 || g.to < g.from + lanes || g.to + lanes > width) {
      throw std::invalid_argument(fmt::format("turned lanes: group '{}' of {} lanes from column {} to {} in {} columns",
                                              g.name, lanes, g.from, g.to, width));
    }
    Port in{g.name + "_in", DType::kFp32, 0, {}, {}}, out{g.name + "_out", DType::kFp32, 0, {}, {}};
    size_t offset = 0;
    for (int i = 0; i < lanes; ++i) {
      // Under: lane k (0 the west-most coming in) goes deepest when it is the outermost.
      const int k = over ? lanes - 1 - i : i;
      const int down = g.from + k, up = g.to + lanes - 1 - k, depth = lanes - 1 - k;
      for (int y = 0; y < depth; ++y) route(down, y, color, Dir::North, Dir::South);
      route(down, depth, color, Dir::North, Dir::East);
      for (int x = down + 1; x < up; ++x) route(x, depth, color, Dir::West, Dir::East);
      route(up, depth, color, Dir::West, Dir::North);
      for (int y = depth - 1; y >= 0; --y) route(up, y, color, Dir::South, Dir::North);
      const int edge = over ? rows - 1 : 0;
      const Dir side = over ? Dir::South : Dir::North;
      in.streams.push_back({down, edge, side, color, offset, g.counts[static_cast<size_t>(i)]});
      out.streams.push_back({up, edge, side, color, offset, g.counts[static_cast<size_t>(i)]});
      offset += g.counts[static_cast<size_t>(i)];
    }
    in.size = out.size = offset;
    p.tensors[in.name] = Tensor{{static_cast<int64_t>(offset)}, DType::kFp32, std::vector<float>(offset, 0.0f)};
    p.inputs.push_back(std::move(in));
    p.outputs.push_back(std::move(out));
  }
  return p;
}

}  // namespace wafersim::plan
