#include "plan/lane_shift.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

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
  std::vector<int> tile_at(static_cast<size_t>(width) * rows, -1);
  auto route = [&](int x, int y, int color, noc::Dir from, noc::Dir to) {
    int& t = tile_at[static_cast<size_t>(y) * width + x];
    if (t < 0) {
      PlanTile pt;
      pt.x = x;
      pt.y = y;
      pt.role = "lanes";
      pt.program = {"kernels/halt.s", {}};
      p.tiles.push_back(std::move(pt));
      t = static_cast<int>(p.tiles.size()) - 1;
    }
    p.tiles[static_cast<size_t>(t)].routes.push_back({color, noc::PortBit(from), noc::PortBit(to)});
  };
  using noc::Dir;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const LaneGroup& g = groups[gi];
    const int color = static_cast<int>(gi), lanes = static_cast<int>(g.counts.size()), shift = g.to - g.from;
    if (std::min(g.from, g.to) < 0 || std::max(g.from, g.to) + lanes > width || (shift != 0 && std::abs(shift) < lanes)) {
      throw std::invalid_argument(fmt::format("lanes: group '{}' of {} lanes from column {} to {} in {} columns", g.name,
                                              lanes, g.from, g.to, width));
    }
    Port in{g.name + "_in", DType::kFp32, 0, {}, {}}, out{g.name + "_out", DType::kFp32, 0, {}, {}};
    size_t offset = 0;
    for (int i = 0; i < lanes; ++i) {
      const int a = g.from + i, b = g.to + i;
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
      in.streams.push_back({a, 0, Dir::North, color, offset, g.counts[static_cast<size_t>(i)]});
      out.streams.push_back({b, rows - 1, Dir::South, color, offset, g.counts[static_cast<size_t>(i)]});
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
