// The tiles of a region of routes only (lanes that carry streams past other kernels): each is
// made the first time a route passes it, runs an empty program, and routes every color laid
// through it. Shared by plan::Lanes and plan::TurnedLanes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace wafersim::plan {

class RouteTiles {
 public:
  /// Routes laid into `plan`'s tiles; its region is `width` x `height` from (0, 0).
  RouteTiles(Plan& plan, int width, int height) : plan_(plan), width_(width), at_(size_t(width) * height, -1) {}

  /// Tile (x, y) passes `color` from side `from` on to side `to`.
  void Route(int x, int y, int color, noc::Dir from, noc::Dir to) {
    int& t = at_[static_cast<size_t>(y) * width_ + x];
    if (t < 0) {
      PlanTile pt;
      pt.x = x;
      pt.y = y;
      pt.role = "lanes";
      pt.program = {"kernels/halt.s", {}};
      plan_.tiles.push_back(std::move(pt));
      t = static_cast<int>(plan_.tiles.size()) - 1;
    }
    plan_.tiles[static_cast<size_t>(t)].routes.push_back({color, noc::PortBit(from), noc::PortBit(to)});
  }

 private:
  Plan& plan_;
  int width_;
  std::vector<int> at_;  // per tile of the region: its index in plan_.tiles, or -1
};

}  // namespace wafersim::plan
