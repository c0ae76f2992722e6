// Synthetic traffic patterns for `wafersim noc`, registered by name: a new pattern is one
// file in patterns/ with a TrafficRegistrar.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace wafersim::noc {

struct Coord {
  int x = 0;
  int y = 0;
  bool operator==(const Coord& o) const { return x == o.x && y == o.y; }
};

/// What a pattern may depend on.
struct TrafficContext {
  int width = 0;
  int height = 0;
  Coord hotspot;                  ///< the hotspot pattern's target
  double hotspot_fraction = 0.2;  ///< share of hotspot traffic sent to the hotspot
};

class TrafficPattern {
 public:
  virtual ~TrafficPattern() = default;
  /// The destination of a new packet from `src`; random patterns draw from `rng`.
  virtual Coord Destination(Coord src, std::mt19937_64& rng) const = 0;
};

using TrafficFactory = std::function<std::unique_ptr<TrafficPattern>(const TrafficContext&)>;

class TrafficRegistry {
 public:
  static TrafficRegistry& Get();
  void Add(const std::string& name, const std::string& description, TrafficFactory factory);
  /// Throws std::invalid_argument naming the known patterns when `name` is not one.
  std::unique_ptr<TrafficPattern> Create(const std::string& name, const TrafficContext& ctx) const;
  std::vector<std::string> Names() const;
  std::string Description(const std::string& name) const;

 private:
  struct Entry {
    std::string description;
    TrafficFactory factory;
  };
  std::map<std::string, Entry> entries_;
};

struct TrafficRegistrar {
  TrafficRegistrar(const std::string& name, const std::string& description, TrafficFactory f) {
    TrafficRegistry::Get().Add(name, description, std::move(f));
  }
};

/// A uniformly random node other than `src` (shared by uniform and hotspot).
Coord UniformOther(Coord src, int width, int height, std::mt19937_64& rng);

}  // namespace wafersim::noc
