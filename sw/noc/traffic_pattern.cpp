#include "noc/traffic_pattern.h"

#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::noc {

TrafficRegistry& TrafficRegistry::Get() {
  static TrafficRegistry registry;
  return registry;
}

void TrafficRegistry::Add(const std::string& name, const std::string& description,
                          TrafficFactory factory) {
  entries_[name] = Entry{description, std::move(factory)};
}

std::unique_ptr<TrafficPattern> TrafficRegistry::Create(const std::string& name,
                                                        const TrafficContext& ctx) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw std::invalid_argument(
        fmt::format("--traffic {}: unknown pattern (known: {})", name, fmt::join(Names(), ", ")));
  }
  return it->second.factory(ctx);
}

std::vector<std::string> TrafficRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

std::string TrafficRegistry::Description(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? "" : it->second.description;
}

Coord UniformOther(Coord src, int width, int height, std::mt19937_64& rng) {
  const int nodes = width * height;
  std::uniform_int_distribution<int> pick(0, nodes - 2);
  int d = pick(rng);
  if (d >= src.y * width + src.x) ++d;  // skip the source itself
  return Coord{d % width, d / width};
}

}  // namespace wafersim::noc
