#include "fabric_stats.h"

#include <algorithm>

namespace wafersim::fabric {

namespace {
const char* const kActivityKeys[kActivities] = {"busy", "idle", "halted", "wait_fabric_in", "wait_fabric_out",
                                                "wait_sram"};
const char* const kLinkKeys[5] = {"north", "east", "south", "west", "to_core"};
}  // namespace

TileCounters CountersOf(const TileGrid& grid, int x, int y) {
  return grid.Tile(x, y).Counters();
}

FabricTotals Totals(const TileGrid& grid) {
  FabricTotals t;
  t.cycles = grid.Cycle();
  for (int y = 0; y < grid.Height(); ++y) {
    for (int x = 0; x < grid.Width(); ++x) {
      const FabricTile& tile = grid.Tile(x, y);
      const TileCounters c = CountersOf(grid, x, y);
      for (int a = 0; a < kActivities; ++a) t.tile_cycles[a] += c.cycles[a];
      t.retired += c.retired;
      for (int d = 0; d < 4; ++d) {
        t.link_wavelets += c.sent[d];
        if (t.cycles > 0) t.max_link_utilization = std::max(t.max_link_utilization, double(c.sent[d]) / t.cycles);
      }
      t.max_sram_peak_bytes = std::max(t.max_sram_peak_bytes, tile.Sram().PeakBytes());
      t.sram_reads += tile.Sram().Reads();
      t.sram_writes += tile.Sram().Writes();
    }
  }
  return t;
}

nlohmann::json StatsJson(const TileGrid& grid) {
  const FabricTotals t = Totals(grid);
  const double cycles = std::max<double>(1, static_cast<double>(t.cycles));
  nlohmann::json totals = {{"tile_cycles", t.cycles * static_cast<uint64_t>(grid.Tiles())},
                           {"retired", t.retired},
                           {"link_wavelets", t.link_wavelets},
                           {"max_link_utilization", t.max_link_utilization},
                           {"sram_reads", t.sram_reads},
                           {"sram_writes", t.sram_writes},
                           {"max_sram_peak_bytes", t.max_sram_peak_bytes}};
  for (int a = 0; a < kActivities; ++a) totals[kActivityKeys[a]] = t.tile_cycles[a];
  nlohmann::json tiles = nlohmann::json::array();
  // Per-tile figures for up to 256 x 256 tiles: a whole wafer's would be about 500 MB of JSON.
  const bool listed = grid.Tiles() <= kMaxListedTiles;
  for (int y = 0; listed && y < grid.Height(); ++y) {
    for (int x = 0; x < grid.Width(); ++x) {
      const FabricTile& tile = grid.Tile(x, y);
      const TileCounters c = CountersOf(grid, x, y);
      nlohmann::json j = {{"x", x}, {"y", y}, {"retired", c.retired}, {"dispatched", c.dispatched}};
      for (int a = 0; a < kActivities; ++a) j[kActivityKeys[a]] = c.cycles[a];
      j["bank_conflict_cycles"] = c.cycles[static_cast<int>(Activity::WaitSram)];
      j["sram_reads"] = tile.Sram().Reads();
      j["sram_writes"] = tile.Sram().Writes();
      j["sram_peak_bytes"] = tile.Sram().PeakBytes();
      nlohmann::json links;
      for (int d = 0; d < 5; ++d) links[kLinkKeys[d]] = c.sent[d] / cycles;
      j["link_utilization"] = links;
      tiles.push_back(j);
    }
  }
  return {{"cycles", t.cycles}, {"width", grid.Width()},  {"height", grid.Height()},
          {"totals", totals}, {"tiles_listed", listed}, {"tiles", tiles}};
}

}  // namespace wafersim::fabric
