// A run's statistics from the grid's counters: per tile the cycles by activity (busy, idle,
// halted, waiting for fabric input, output backpressure, SRAM bank conflict), instructions,
// link utilization per output port, SRAM accesses and peak bytes; and their totals.
#pragma once

#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "tile_grid.h"

namespace wafersim::fabric {

struct FabricTotals {
  uint64_t cycles = 0;
  std::array<uint64_t, kActivities> tile_cycles{};  ///< summed over tiles, by Activity
  uint64_t retired = 0;
  uint64_t link_wavelets = 0;   ///< over mesh and edge links (N, E, S, W outputs)
  double max_link_utilization = 0;
  uint32_t max_sram_peak_bytes = 0;
  uint64_t sram_reads = 0, sram_writes = 0;
};
FabricTotals Totals(const TileGrid& grid);
/// A tile's counters, with the cycles the grid did not visit it (dormant) as halted cycles.
TileCounters CountersOf(const TileGrid& grid, int x, int y);

inline constexpr int kMaxListedTiles = 256 * 256;
/// {"cycles", "totals": {...}, "tiles_listed", "tiles": [{"x", "y", "busy", ..., "links": {"north", ...}}]};
/// the tiles are listed on fabrics of at most kMaxListedTiles.
nlohmann::json StatsJson(const TileGrid& grid);

}  // namespace wafersim::fabric
