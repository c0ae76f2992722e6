// Small fabrics for tests: hand-written programs on a few tiles, run as a plain loop.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "plain_scheduler.h"
#include "tile_grid.h"

namespace wafersim::testbench {

inline fabric::FabricConfig SmallFabric(int width, int height) {
  fabric::FabricConfig c = fabric::Preset("small");
  c.width = width;
  c.height = height;
  return c;
}

/// Loads `sources` (by tile; others halt at once), runs until the grid stops.
inline std::unique_ptr<fabric::TileGrid> RunSources(const fabric::FabricConfig& config,
                                                   const std::map<std::pair<int, int>, std::string>& sources,
                                                   uint64_t watchdog = 200, uint64_t max_cycles = 100000) {
  fabric::RunOptions options;
  options.watchdog_cycles = watchdog;
  options.max_cycles = max_cycles;
  auto grid = std::make_unique<fabric::TileGrid>(config, options);
  for (int y = 0; y < config.height; ++y) {
    for (int x = 0; x < config.width; ++x) {
      const auto it = sources.find({x, y});
      grid->Load(x, y, it == sources.end() ? isa::Program{}
                                           : assembler::AssembleText(it->second, fmt::format("tile ({},{})", x, y)));
    }
  }
  grid->Start();
  fabric::PlainScheduler(*grid).Run();
  return grid;
}

}  // namespace wafersim::testbench
