#include "plan/lane_shift.h"

#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::plan {

namespace {
constexpr int kColorShift = 0, kColorStraight = 1;
}  // namespace

Plan LaneShift(const std::vector<size_t>& counts, int shift, const std::vector<size_t>& straight) {
  const int lanes = static_cast<int>(counts.size());
  if (lanes < 1 || shift < lanes) {
    throw std::invalid_argument(fmt::format("lane shift: {} lanes shifted by {} (at least the lanes)", lanes, shift));
  }
  if (!straight.empty() && straight.size() != counts.size()) {
    throw std::invalid_argument("lane shift: the straight lanes must be as many as the shifted ones");
  }
  Plan p;
  p.kernel = "lane_shift";
  p.region = {0, 0, shift + lanes, lanes};
  p.description = fmt::format("{} lanes shifted {} columns east over {} rows", lanes, shift, lanes);
  std::vector<std::vector<int>> tile_at(static_cast<size_t>(shift + lanes), std::vector<int>(lanes, -1));
  auto route = [&](int x, int y, int color, noc::Dir from, noc::Dir to) {
    int& t = tile_at[static_cast<size_t>(x)][static_cast<size_t>(y)];
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
  Port in{"shift_in", DType::kFp32, 0, {}, {}}, out{"shift_out", DType::kFp32, 0, {}, {}};
  Port s_in{"straight_in", DType::kFp32, 0, {}, {}}, s_out{"straight_out", DType::kFp32, 0, {}, {}};
  size_t offset = 0, s_offset = 0;
  for (int i = 0; i < lanes; ++i) {
    const int turn = lanes - 1 - i, to = i + shift;
    for (int y = 0; y < turn; ++y) route(i, y, kColorShift, Dir::North, Dir::South);
    route(i, turn, kColorShift, Dir::North, Dir::East);
    for (int x = i + 1; x < to; ++x) route(x, turn, kColorShift, Dir::West, Dir::East);
    route(to, turn, kColorShift, Dir::West, Dir::South);
    for (int y = turn + 1; y < lanes; ++y) route(to, y, kColorShift, Dir::North, Dir::South);
    in.streams.push_back({i, 0, Dir::North, kColorShift, offset, counts[static_cast<size_t>(i)]});
    out.streams.push_back({to, lanes - 1, Dir::South, kColorShift, offset, counts[static_cast<size_t>(i)]});
    offset += counts[static_cast<size_t>(i)];
    if (!straight.empty()) {
      for (int y = 0; y < lanes; ++y) route(to, y, kColorStraight, Dir::North, Dir::South);
      s_in.streams.push_back({to, 0, Dir::North, kColorStraight, s_offset, straight[static_cast<size_t>(i)]});
      s_out.streams.push_back({to, lanes - 1, Dir::South, kColorStraight, s_offset, straight[static_cast<size_t>(i)]});
      s_offset += straight[static_cast<size_t>(i)];
    }
  }
  in.size = out.size = offset;
  p.tensors["shift_in"] = Tensor{{static_cast<int64_t>(offset)}, DType::kFp32, std::vector<float>(offset, 0.0f)};
  p.inputs.push_back(std::move(in));
  p.outputs.push_back(std::move(out));
  if (!straight.empty()) {
    s_in.size = s_out.size = s_offset;
    p.tensors["straight_in"] =
        Tensor{{static_cast<int64_t>(s_offset)}, DType::kFp32, std::vector<float>(s_offset, 0.0f)};
    p.inputs.push_back(std::move(s_in));
    p.outputs.push_back(std::move(s_out));
  }
  return p;
}

}  // namespace wafersim::plan
