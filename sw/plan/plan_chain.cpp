#include "plan/plan_chain.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/plan_transform.h"

namespace wafersim::plan {

namespace {

constexpr noc::Dir kSides[] = {noc::Dir::North, noc::Dir::East, noc::Dir::South, noc::Dir::West};

const Port* FindPort(const std::vector<Port>& ports, const std::string& name) {
  for (const auto& p : ports) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// The one color every stream of a port uses.
int PortColor(const PlacedPlan& pp, const Port& port) {
  if (port.streams.empty() || !port.sram.empty()) {
    throw std::invalid_argument(fmt::format("chain: port '{}.{}' is not a fabric stream", pp.label, port.name));
  }
  for (const auto& s : port.streams) {
    if (s.color != port.streams[0].color) {
      throw std::invalid_argument(fmt::format("chain: port '{}.{}' streams on colors {} and {}; a linked port uses one",
                                              pp.label, port.name, port.streams[0].color, s.color));
    }
  }
  return port.streams[0].color;
}

class Chainer {
 public:
  Chainer(std::vector<PlacedPlan> plans, const std::vector<PlanLink>& links, const fabric::FabricConfig& fabric)
      : plans_(std::move(plans)), links_(links), fabric_(fabric),
        owner_(static_cast<size_t>(fabric.width) * fabric.height, -1),
        tile_of_(static_cast<size_t>(fabric.width) * fabric.height, -1) {}

  Plan Run() {
    CheckLinks();
    ChooseColors();
    chain_.kernel = "chain";
    chain_.region = {0, 0, fabric_.width, fabric_.height};
    std::string names;
    for (size_t i = 0; i < plans_.size(); ++i) {
      AddPlan(static_cast<int>(i));
      names += (i ? " -> " : "") + plans_[i].label;
    }
    chain_.description = fmt::format("{} chained over the fabric on the {}x{} mesh", names, fabric_.width,
                                     fabric_.height);
    for (const auto& link : links_) LayLink(link);
    for (size_t i = 0; i < plans_.size(); ++i) AddOpenPorts(static_cast<int>(i));
    return std::move(chain_);
  }

 private:
  [[noreturn]] static void Fail(const std::string& what) { throw std::invalid_argument("chain: " + what); }

  size_t Index(int x, int y) const { return static_cast<size_t>(y) * fabric_.width + x; }
  bool OnMesh(int x, int y) const { return x >= 0 && y >= 0 && x < fabric_.width && y < fabric_.height; }

  void CheckLinks() {
    std::set<std::pair<size_t, std::string>> fed;
    for (const auto& l : links_) {
      if (l.from >= plans_.size() || l.to >= plans_.size()) Fail("a link names a plan that is not in the chain");
      const PlacedPlan &p = plans_[l.from], &c = plans_[l.to];
      const Port* out = FindPort(p.plan.outputs, l.output);
      const Port* in = FindPort(c.plan.inputs, l.input);
      if (out == nullptr) Fail(fmt::format("'{}' has no output port '{}'", p.label, l.output));
      if (in == nullptr) Fail(fmt::format("'{}' has no input port '{}'", c.label, l.input));
      if (!fed.emplace(l.to, l.input).second) Fail(fmt::format("input port '{}.{}' is fed twice", c.label, l.input));
      if (out->size != in->size || out->streams.size() != in->streams.size()) {
        Fail(fmt::format("'{}.{}' ({} elements in {} streams) and '{}.{}' ({} in {}) are not split alike", p.label,
                         l.output, out->size, out->streams.size(), c.label, l.input, in->size, in->streams.size()));
      }
      for (size_t k = 0; k < out->streams.size(); ++k) {
        const auto &a = out->streams[k], &b = in->streams[k];
        if (a.offset != b.offset || a.count != b.count) {
          Fail(fmt::format("stream {} of '{}.{}' carries elements {}..{}, of '{}.{}' {}..{}", k, p.label, l.output,
                           a.offset, a.offset + a.count - 1, c.label, l.input, b.offset, b.offset + b.count - 1));
        }
      }
      if (in->dtype != out->dtype) {
        Fail(fmt::format("'{}.{}' is {} but '{}.{}' takes {}", p.label, l.output, DTypeName(out->dtype), c.label,
                         l.input, DTypeName(in->dtype)));
      }
    }
  }

  // Each link's stream keeps one color end to end: the consumer takes the producer's (its
  // colors swapped), or, when the consumer's colors involved are pinned by earlier links, the
  // producer takes the consumer's. A color is pinned in a plan once a link uses it there.
  void ChooseColors() {
    std::vector<std::set<int>> pinned(plans_.size());
    auto free_to_swap = [&](size_t plan, int a, int b) { return !pinned[plan].count(a) && !pinned[plan].count(b); };
    for (const auto& l : links_) {
      PlacedPlan &p = plans_[l.from], &c = plans_[l.to];
      const int cp = PortColor(p, *FindPort(p.plan.outputs, l.output));
      const int cc = PortColor(c, *FindPort(c.plan.inputs, l.input));
      int color = cp;
      if (cp != cc) {
        if (free_to_swap(l.to, cc, cp)) {
          c.plan = ColorsSwapped(std::move(c.plan), cc, cp);
        } else if (free_to_swap(l.from, cp, cc)) {
          p.plan = ColorsSwapped(std::move(p.plan), cp, cc);
          color = cc;
        } else {
          Fail(fmt::format("'{}.{}' streams on color {} and '{}.{}' on {}, and both colors are pinned in both plans by "
                           "earlier links",
                           p.label, l.output, cp, c.label, l.input, cc));
        }
      }
      pinned[l.from].insert(color);
      pinned[l.to].insert(color);
    }
  }

  PlanTile& MeshTile(int x, int y, const std::string& role) {
    int& t = tile_of_[Index(x, y)];
    if (t < 0) {
      t = static_cast<int>(chain_.tiles.size());
      PlanTile pt;
      pt.x = x;
      pt.y = y;
      pt.role = role;
      pt.program = {"kernels/halt.s", {}};
      chain_.tiles.push_back(std::move(pt));
    }
    return chain_.tiles[static_cast<size_t>(t)];
  }

  bool ColorFree(int x, int y, int color) const {
    const int t = tile_of_[Index(x, y)];
    if (t < 0) return true;
    for (const auto& r : chain_.tiles[static_cast<size_t>(t)].routes) {
      if (r.color == color) return false;
    }
    return true;
  }

  void AddPlan(int i) {
    const PlacedPlan& pp = plans_[static_cast<size_t>(i)];
    const Region& r = pp.plan.region;
    if (r.x0 < 0 || r.y0 < 0 || r.x0 + r.width > fabric_.width || r.y0 + r.height > fabric_.height) {
      Fail(fmt::format("'{}''s region {}x{} at ({},{}) does not fit the {}x{} mesh", pp.label, r.width, r.height, r.x0,
                       r.y0, fabric_.width, fabric_.height));
    }
    for (int y = r.y0; y < r.y0 + r.height; ++y) {
      for (int x = r.x0; x < r.x0 + r.width; ++x) {
        int& o = owner_[Index(x, y)];
        if (o >= 0) {
          Fail(fmt::format("the regions of '{}' and '{}' overlap at tile ({},{})", plans_[static_cast<size_t>(o)].label,
                           pp.label, x, y));
        }
        o = i;
      }
    }
    for (const auto& t : pp.plan.tiles) {
      PlanTile& m = MeshTile(r.x0 + t.x, r.y0 + t.y, pp.label + " " + t.role);
      m.role = pp.label + " " + t.role;
      m.program = t.program;
      m.routes = t.routes;
      m.shards = t.shards;
      for (auto& s : m.shards) s.tensor = pp.label + "." + s.tensor;
      m.raw = t.raw;
    }
    for (const auto& [name, tensor] : pp.plan.tensors) chain_.tensors[pp.label + "." + name] = tensor;
    for (const auto& e : pp.plan.sram_expected) {
      chain_.sram_expected.push_back({r.x0 + e.x, r.y0 + e.y, e.addr, e.words, pp.label + " " + e.name});
    }
    chain_.cost.flops += pp.plan.cost.flops;
    chain_.sram_bytes_per_tile = std::max(chain_.sram_bytes_per_tile, pp.plan.sram_bytes_per_tile);
  }

  ColorRoute& RouteOf(std::pair<int, int> tile, int color) {
    for (auto& r : chain_.tiles[static_cast<size_t>(tile_of_[Index(tile.first, tile.second)])].routes) {
      if (r.color == color) return r;
    }
    Fail(fmt::format("tile ({},{}): no route of color {} to fork", tile.first, tile.second, color));
  }

  void AddRoute(int x, int y, const ColorRoute& route, const std::string& why) {
    if (!ColorFree(x, y, route.color)) {
      Fail(fmt::format("tile ({},{}): color {} is taken, no free color for {}", x, y, route.color, why));
    }
    MeshTile(x, y, "route").routes.push_back(route);
  }

  // A shortest way to tile `to` from the nearest of `from` through tiles outside every region
  // where `color` is free (breadth first, sides in a fixed order: the same inputs lay the same
  // way). The way starts at the source it leaves from, which need not be free: a fork leaves
  // from a tile of a stream already laid.
  std::vector<std::pair<int, int>> FindWay(const std::vector<std::pair<int, int>>& from, std::pair<int, int> to,
                                           int color) const {
    auto open = [&](int x, int y) { return OnMesh(x, y) && owner_[Index(x, y)] < 0 && ColorFree(x, y, color); };
    std::vector<int> came(owner_.size(), -1);
    std::deque<std::pair<int, int>> queue;
    for (const auto& f : from) {
      if (!OnMesh(f.first, f.second) || came[Index(f.first, f.second)] >= 0) continue;
      came[Index(f.first, f.second)] = static_cast<int>(Index(f.first, f.second));
      queue.push_back(f);
    }
    if (came[Index(to.first, to.second)] < 0 && !open(to.first, to.second)) return {};
    while (!queue.empty()) {
      const auto [x, y] = queue.front();
      queue.pop_front();
      if (std::make_pair(x, y) == to) break;
      for (noc::Dir d : kSides) {
        const Step s = Toward(d);
        const int nx = x + s.dx, ny = y + s.dy;
        if (!open(nx, ny) || came[Index(nx, ny)] >= 0) continue;
        came[Index(nx, ny)] = static_cast<int>(Index(x, y));
        queue.emplace_back(nx, ny);
      }
    }
    if (came[Index(to.first, to.second)] < 0) return {};
    std::vector<std::pair<int, int>> way{to};
    while (came[Index(way.back().first, way.back().second)] != static_cast<int>(Index(way.back().first, way.back().second))) {
      const int prev = came[Index(way.back().first, way.back().second)];
      way.emplace_back(prev % fabric_.width, prev / fabric_.width);
    }
    std::reverse(way.begin(), way.end());
    return way;
  }

  static noc::Dir SideToward(std::pair<int, int> a, std::pair<int, int> b) {
    if (b.first > a.first) return noc::Dir::East;
    if (b.first < a.first) return noc::Dir::West;
    return b.second > a.second ? noc::Dir::South : noc::Dir::North;
  }

  void LayLink(const PlanLink& l) {
    const PlacedPlan &p = plans_[l.from], &c = plans_[l.to];
    const Port& out = *FindPort(p.plan.outputs, l.output);
    const Port& in = *FindPort(c.plan.inputs, l.input);
    const std::string what = fmt::format("'{}.{}' -> '{}.{}'", p.label, l.output, c.label, l.input);
    // An output linked before (a fork): its streams are laid, and each new way branches off
    // one of their tiles, whose route sends the color on to both sides (a multicast).
    auto& laid = laid_[{l.from, l.output}];
    const bool fork = !laid.empty();
    laid.resize(out.streams.size());
    for (size_t k = 0; k < out.streams.size(); ++k) {
      const StreamSegment &a = out.streams[k], &b = in.streams[k];
      const std::pair<int, int> src{p.plan.region.x0 + a.x, p.plan.region.y0 + a.y};
      const std::pair<int, int> dst{c.plan.region.x0 + b.x, c.plan.region.y0 + b.y};
      const Step sa = Toward(a.side), sb = Toward(b.side);
      const std::pair<int, int> first{src.first + sa.dx, src.second + sa.dy};  // just outside the producer
      const std::pair<int, int> last{dst.first + sb.dx, dst.second + sb.dy};   // just outside the consumer
      if (fork && laid[k].empty()) {
        Fail(fmt::format("{} stream {}: '{}.{}' goes straight into its first consumer's region (no tile between "
                         "them to fork it from); leave a tile between the regions",
                         what, k, p.label, l.output));
      }
      if (first == dst && !fork) {
        // Neighbouring regions: the stream crosses one link, no tile in between.
        if (last != src) {
          Fail(fmt::format("{} stream {}: tile ({},{}) sends {} but tile ({},{}) takes it from its {}", what, k,
                           src.first, src.second, noc::DirName(a.side), dst.first, dst.second, noc::DirName(b.side)));
        }
        continue;
      }
      const auto way = fork ? FindWay(laid[k], last, a.color) : FindWay({first}, last, a.color);
      if (way.empty()) {
        std::string why = "every way is blocked by regions or routes on that color";
        for (const auto& end : {first, last}) {
          if (!OnMesh(end.first, end.second)) {
            why = fmt::format("tile ({},{}) is off the mesh", end.first, end.second);
          } else if (owner_[Index(end.first, end.second)] >= 0) {
            why = fmt::format("tile ({},{}) is in the region of '{}'", end.first, end.second,
                              plans_[static_cast<size_t>(owner_[Index(end.first, end.second)])].label);
          } else if (!ColorFree(end.first, end.second, a.color)) {
            why = fmt::format("tile ({},{}) routes the color already", end.first, end.second);
          } else {
            continue;
          }
          break;
        }
        Fail(fmt::format("{} stream {}: no way on color {} from tile ({},{}) to tile ({},{}): {}", what, k, a.color,
                         src.first, src.second, dst.first, dst.second, why));
      }
      for (size_t i = 0; i < way.size(); ++i) {
        const auto next = i + 1 == way.size() ? dst : way[i + 1];
        if (i == 0 && fork) {
          RouteOf(way[0], a.color).tx |= noc::PortBit(SideToward(way[0], next));
          continue;
        }
        const auto prev = i == 0 ? src : way[i - 1];
        AddRoute(way[i].first, way[i].second,
                 {a.color, noc::PortBit(SideToward(way[i], prev)), noc::PortBit(SideToward(way[i], next))},
                 fmt::format("{} stream {}", what, k));
        laid[k].push_back(way[i]);
      }
    }
  }

  bool Linked(size_t plan, const std::string& port, bool input) const {
    for (const auto& l : links_) {
      if (input ? (l.to == plan && l.input == port) : (l.from == plan && l.output == port)) return true;
    }
    return false;
  }

  // A port no link names: its streams go straight to the mesh edge through the tiles beyond
  // the region, where they become the chain's port.
  void AddOpenPorts(int i) {
    const PlacedPlan& pp = plans_[static_cast<size_t>(i)];
    const Region& r = pp.plan.region;
    for (bool input : {true, false}) {
      for (const auto& port : input ? pp.plan.inputs : pp.plan.outputs) {
        if (Linked(static_cast<size_t>(i), port.name, input)) continue;
        Port open = port;
        open.name = pp.label + "." + port.name;
        for (auto& s : open.streams) {
          int x = r.x0 + s.x, y = r.y0 + s.y;
          for (const EdgeHop& hop : WayToEdge(x, y, s.side, s.color, input, fabric_.width, fabric_.height)) {
            // A stream in several segments takes one way: laid once.
            const int t = tile_of_[Index(hop.x, hop.y)];
            if (t < 0 || std::ranges::find(chain_.tiles[static_cast<size_t>(t)].routes, hop.route) ==
                             chain_.tiles[static_cast<size_t>(t)].routes.end()) {
              AddRoute(hop.x, hop.y, hop.route, fmt::format("port '{}' to the mesh edge", open.name));
            }
            x = hop.x;
            y = hop.y;
          }
          s.x = x;
          s.y = y;
        }
        for (auto& s : open.sram) {
          s.x += r.x0;
          s.y += r.y0;
        }
        (input ? chain_.inputs : chain_.outputs).push_back(std::move(open));
      }
    }
  }

  std::vector<PlacedPlan> plans_;
  const std::vector<PlanLink>& links_;
  const fabric::FabricConfig& fabric_;
  std::vector<int> owner_;    // per mesh tile: the plan whose region holds it, or -1
  std::vector<int> tile_of_;  // per mesh tile: its entry in chain_.tiles, or -1
  // Per linked output port: the tiles each of its streams was laid through, to fork from.
  std::map<std::pair<size_t, std::string>, std::vector<std::vector<std::pair<int, int>>>> laid_;
  Plan chain_;
};

}  // namespace

Plan Chain(std::vector<PlacedPlan> plans, const std::vector<PlanLink>& links, const fabric::FabricConfig& fabric,
           std::vector<runtime::StageStamps>* stages) {
  if (stages != nullptr) {
    stages->clear();
    for (const PlacedPlan& pp : plans) {
      if (pp.plan.stamped_tiles.empty() || pp.plan.phases.empty()) continue;
      runtime::StageStamps s{pp.label, pp.plan.stamps_addr, static_cast<int>(pp.plan.phases.size()), {}};
      for (const auto& [x, y] : pp.plan.stamped_tiles) s.tiles.emplace_back(pp.plan.region.x0 + x, pp.plan.region.y0 + y);
      stages->push_back(std::move(s));
    }
  }
  return Chainer(std::move(plans), links, fabric).Run();
}

}  // namespace wafersim::plan
