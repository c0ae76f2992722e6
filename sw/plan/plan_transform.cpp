#include "plan/plan_transform.h"

#include <set>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace wafersim::plan {

namespace {

noc::Dir MirrorSide(noc::Dir d) {
  switch (d) {
    case noc::Dir::North: return noc::Dir::West;
    case noc::Dir::West: return noc::Dir::North;
    case noc::Dir::East: return noc::Dir::South;
    case noc::Dir::South: return noc::Dir::East;
    default: return d;
  }
}

// Port bits: N 1, E 2, S 4, W 8, core 16; mirrored, N <-> W and E <-> S.
uint32_t MirrorPorts(uint32_t bits) {
  uint32_t out = bits & 16u;
  if (bits & 1u) out |= 8u;
  if (bits & 8u) out |= 1u;
  if (bits & 2u) out |= 4u;
  if (bits & 4u) out |= 2u;
  return out;
}

noc::Dir OppositeSide(noc::Dir d) {
  switch (d) {
    case noc::Dir::North: return noc::Dir::South;
    case noc::Dir::South: return noc::Dir::North;
    case noc::Dir::East: return noc::Dir::West;
    case noc::Dir::West: return noc::Dir::East;
    default: return d;
  }
}

// Turned half a turn, N <-> S and E <-> W.
uint32_t OppositePorts(uint32_t bits) {
  uint32_t out = bits & 16u;
  if (bits & 1u) out |= 4u;
  if (bits & 4u) out |= 1u;
  if (bits & 2u) out |= 8u;
  if (bits & 8u) out |= 2u;
  return out;
}

bool IsColorParameter(const std::string& name) { return name == "COLOR" || name.rfind("COLOR_", 0) == 0; }

// Dynamic packets carry their destination's mesh coordinates in their heads, written when the
// plan was built: such a plan stays where it was built.
void RequireStatic(const Plan& plan, const char* what) {
  for (const auto& t : plan.tiles) {
    for (const auto& r : t.routes) {
      if (r.dynamic) {
        throw std::invalid_argument(fmt::format("plan '{}' cannot be {}: tile ({},{}) routes color {} dynamically",
                                                plan.kernel, what, t.x, t.y, r.color));
      }
    }
  }
}

}  // namespace

Plan Moved(Plan plan, int x0, int y0) {
  if (x0 != plan.region.x0 || y0 != plan.region.y0) RequireStatic(plan, "moved");
  plan.region.x0 = x0;
  plan.region.y0 = y0;
  return plan;
}

Plan Transposed(Plan plan) {
  RequireStatic(plan, "transposed");
  std::swap(plan.region.x0, plan.region.y0);
  std::swap(plan.region.width, plan.region.height);
  for (auto& t : plan.tiles) {
    std::swap(t.x, t.y);
    for (auto& r : t.routes) {
      r.rx = MirrorPorts(r.rx);
      r.tx = MirrorPorts(r.tx);
    }
  }
  for (auto* ports : {&plan.inputs, &plan.outputs}) {
    for (auto& p : *ports) {
      for (auto& s : p.streams) {
        std::swap(s.x, s.y);
        s.side = MirrorSide(s.side);
      }
      for (auto& s : p.sram) std::swap(s.x, s.y);
    }
  }
  for (auto& e : plan.sram_expected) std::swap(e.x, e.y);
  for (auto& [x, y] : plan.stamped_tiles) std::swap(x, y);
  return plan;
}

Plan HalfTurned(Plan plan) {
  RequireStatic(plan, "turned");
  const int w = plan.region.width, h = plan.region.height;
  auto turn = [&](int& x, int& y) {
    x = w - 1 - x;
    y = h - 1 - y;
  };
  for (auto& t : plan.tiles) {
    turn(t.x, t.y);
    for (auto& r : t.routes) {
      r.rx = OppositePorts(r.rx);
      r.tx = OppositePorts(r.tx);
    }
  }
  for (auto* ports : {&plan.inputs, &plan.outputs}) {
    for (auto& p : *ports) {
      for (auto& s : p.streams) {
        turn(s.x, s.y);
        s.side = OppositeSide(s.side);
      }
      for (auto& s : p.sram) turn(s.x, s.y);
    }
  }
  for (auto& e : plan.sram_expected) turn(e.x, e.y);
  for (auto& [x, y] : plan.stamped_tiles) turn(x, y);
  return plan;
}

Plan Recolored(Plan plan, const std::map<int, int>& map) {
  std::map<int, int> inverse;
  for (const auto& [from, to] : map) {
    if (!inverse.emplace(to, from).second) {
      throw std::invalid_argument(fmt::format("plan '{}': recoloring sends two colors to {}", plan.kernel, to));
    }
  }
  auto color = [&](int c) {
    const auto it = map.find(c);
    return it == map.end() ? c : it->second;
  };
  for (auto& t : plan.tiles) {
    for (auto& r : t.routes) r.color = color(r.color);
    for (auto& [name, value] : t.program.params) {
      if (IsColorParameter(name)) value = color(static_cast<int>(value));
    }
  }
  for (auto* ports : {&plan.inputs, &plan.outputs}) {
    for (auto& p : *ports) {
      for (auto& s : p.streams) s.color = color(s.color);
    }
  }
  return plan;
}

Plan ColorsSwapped(Plan plan, int a, int b) {
  if (a == b) return plan;
  return Recolored(std::move(plan), {{a, b}, {b, a}});
}

}  // namespace wafersim::plan

namespace wafersim::plan {

void AddLanePorts(Plan& plan, const std::string& name, int color, const std::vector<int>& from,
                  const std::vector<int>& to, const std::vector<size_t>& counts) {
  Port in{name + "_in", DType::kFp32, 0, {}, {}}, out{name + "_out", DType::kFp32, 0, {}, {}};
  size_t offset = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    in.streams.push_back({from[i], 0, noc::Dir::North, color, offset, counts[i]});
    out.streams.push_back({to[i], plan.region.height - 1, noc::Dir::South, color, offset, counts[i]});
    offset += counts[i];
  }
  in.size = out.size = offset;
  plan.tensors[in.name] = Tensor{{static_cast<int64_t>(offset)}, DType::kFp32, std::vector<float>(offset, 0.0f)};
  plan.inputs.push_back(std::move(in));
  plan.outputs.push_back(std::move(out));
}

Plan PassedThrough(Plan plan, const std::string& name, const std::vector<int>& columns,
                   const std::vector<size_t>& counts, int colors) {
  std::set<int> used;
  for (const auto& t : plan.tiles) {
    for (const auto& r : t.routes) used.insert(r.color);
  }
  for (const auto* ports : {&plan.inputs, &plan.outputs}) {
    for (const auto& port : *ports) {
      for (const auto& s : port.streams) used.insert(s.color);
    }
  }
  int color = 0;
  while (color < colors && used.count(color)) ++color;
  if (color == colors) {
    throw std::invalid_argument(fmt::format("{}: no color free to pass '{}' through (all {} used)", plan.kernel, name,
                                            colors));
  }
  std::map<std::pair<int, int>, size_t> at;
  for (size_t i = 0; i < plan.tiles.size(); ++i) at[{plan.tiles[i].x, plan.tiles[i].y}] = i;
  for (size_t i = 0; i < columns.size(); ++i) {
    for (int y = 0; y < plan.region.height; ++y) {
      auto it = at.find({columns[i], y});
      if (it == at.end()) {
        PlanTile t;
        t.x = columns[i];
        t.y = y;
        t.role = "pass";
        t.program = {"kernels/halt.s", {}};
        plan.tiles.push_back(std::move(t));
        it = at.emplace(std::make_pair(columns[i], y), plan.tiles.size() - 1).first;
      }
      plan.tiles[it->second].routes.push_back({color, noc::PortBit(noc::Dir::North), noc::PortBit(noc::Dir::South)});
    }
  }
  AddLanePorts(plan, name, color, columns, columns, counts);
  return plan;
}

}  // namespace wafersim::plan
