// Constrained-random traffic through one RTL router: random static routes (merging inputs,
// multicast outputs) and dynamic packets on the other colors, random output stalls.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>

#include "common/random_traffic.h"
#include "common/seeds.h"
#include "common/single_router.h"

using namespace wafersim;
using namespace wafersim::tb;

namespace {

void RunSeed(uint64_t seed, int cycles) {
  std::mt19937_64 rng(seed);
  const int depth = std::uniform_int_distribution<int>(1, 8)(rng);
  SingleRouter r(depth);
  std::vector<noc::Terminal*> ends;
  for (int p = 0; p < noc::kNumPorts; ++p) ends.push_back(&r.Port(static_cast<Dir>(p)));
  RandomTraffic traffic(r.Mesh(), ends, seed);
  for (int color = 0; color < 4; ++color) {
    StaticFlow f;
    f.color = color;
    uint8_t rx = 0, tx = 0;
    while (rx == 0) rx = static_cast<uint8_t>(std::uniform_int_distribution<int>(0, 31)(rng) & 0x1f);
    if (__builtin_popcount(rx) > 2) rx &= static_cast<uint8_t>(rx - 1);  // at most two merging inputs
    while (tx == 0) tx = static_cast<uint8_t>(std::uniform_int_distribution<int>(0, 31)(rng) & ~rx & 0x1f);
    for (int p = 0; p < noc::kNumPorts; ++p) {
      if ((rx >> p) & 1) f.sources.push_back(p);
      if ((tx >> p) & 1) f.dests.push_back(p);
    }
    r.Static(color, rx, tx);
    traffic.AddStaticFlow(f);
  }
  DynamicTraffic d;
  for (int color = 4; color < noc::CompiledColors(); ++color) {
    r.Dynamic(color);
    d.colors.push_back(color);
  }
  d.coord = [](int dest) -> std::pair<int, int> {
    const int x = SingleRouter::kX, y = SingleRouter::kY;
    switch (static_cast<Dir>(dest)) {
      case Dir::North: return {x, y - 1};
      case Dir::East: return {x + 1, y};
      case Dir::South: return {x, y + 1};
      case Dir::West: return {x - 1, y};
      default: return {x, y};
    }
  };
  d.allowed = [](int src, int dest) { return src != dest; };
  d.max_flits = 5;
  traffic.SetDynamic(d);
  const double rate = std::uniform_real_distribution<double>(0.05, 0.9)(rng);
  const double stall = std::uniform_real_distribution<double>(0.0, 0.3)(rng);
  const TrafficStats s = traffic.Run(cycles, rate, stall);
  REQUIRE(s.delivered > 0);
}


}  // namespace

TEST_CASE("random traffic through one router: 1000 seeds", "[router][random]") {
  for (uint64_t seed : Seeds(1, 1000)) {
    INFO("seed " << seed << " (reproduce: WAFERSIM_SEED=" << seed << " router_tests \"random traffic*\")");
    REQUIRE_NOTHROW(RunSeed(seed, 300));
  }
}

TEST_CASE("random traffic through one router: soak", "[.soak][router]") {
  for (uint64_t seed : Seeds(1000, 5000)) {
    INFO("seed " << seed << " (reproduce: WAFERSIM_SEED=" << seed << ")");
    REQUIRE_NOTHROW(RunSeed(seed, 2000));
  }
}
