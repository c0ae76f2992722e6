#include "plan/plan_map.h"

namespace wafersim::plan {

namespace {

nlohmann::json PortNames(uint32_t bits) {
  nlohmann::json names = nlohmann::json::array();
  const char* sides[] = {"north", "east", "south", "west", "core"};
  for (int i = 0; i < 5; ++i) {
    if (bits & (1u << i)) names.push_back(sides[i]);
  }
  return names;
}

nlohmann::json Ports(const std::vector<Port>& ports, const Region& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : ports) {
    nlohmann::json streams = nlohmann::json::array();
    for (const auto& s : p.streams) {
      streams.push_back({{"x", r.x0 + s.x}, {"y", r.y0 + s.y}, {"side", noc::DirName(s.side)}, {"color", s.color},
                         {"count", s.count}});
    }
    nlohmann::json sram = nlohmann::json::array();
    for (const auto& s : p.sram) sram.push_back({{"x", r.x0 + s.x}, {"y", r.y0 + s.y}, {"count", s.count}});
    out.push_back(
        {{"name", p.name}, {"dtype", DTypeName(p.dtype)}, {"size", p.size}, {"streams", streams}, {"sram", sram}});
  }
  return out;
}

}  // namespace

nlohmann::json PlanMap(const Plan& plan, const fabric::FabricConfig& fabric) {
  const Region& r = plan.region;
  nlohmann::json tiles = nlohmann::json::array();
  for (const auto& t : plan.tiles) {
    nlohmann::json routes = nlohmann::json::array();
    for (const auto& route : t.routes) {
      routes.push_back({{"color", route.color}, {"from", PortNames(route.rx)}, {"to", PortNames(route.tx)},
                        {"dynamic", route.dynamic}});
    }
    tiles.push_back({{"x", r.x0 + t.x}, {"y", r.y0 + t.y}, {"role", t.role}, {"program", t.program.file},
                     {"routes", routes}});
  }
  return {{"kernel", plan.kernel},
          {"description", plan.description},
          {"mesh", {fabric.width, fabric.height}},
          {"region", {r.x0, r.y0, r.width, r.height}},
          {"tiles", tiles},
          {"inputs", Ports(plan.inputs, r)},
          {"outputs", Ports(plan.outputs, r)}};
}

}  // namespace wafersim::plan
