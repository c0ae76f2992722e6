// The plain loop: runs a TileGrid's cycles without SystemC, visiting only the tiles and edge
// links that can change. A tile dormant two cycles in a row sleeps (off the list) until a
// neighbour or an edge drives one of its links, or until the cycle it asked to run again at
// (a tensor operation it replays), and then counts the cycles it sat out; an edge link idle two
// cycles in a row sleeps until its tile drives it or its owner reaches for it. Each cycle's
// pass over the tiles may be split over threads (StepPool). The results are the SystemC
// Fabric's, cycle for cycle (the fabric tests compare them field by field).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <queue>
#include <vector>

#include "link_bundle.h"
#include "step_pool.h"
#include "tile_grid.h"

namespace wafersim::fabric {

class PlainScheduler {
 public:
  /// Schedules `grid` from its next cycle as if every tile and edge link were busy: construct
  /// it after TileGrid::Start. `grid.Options()` gives the threads and whether to split each
  /// cycle's two phases.
  explicit PlainScheduler(TileGrid& grid);
  ~PlainScheduler();
  PlainScheduler(const PlainScheduler&) = delete;
  PlainScheduler& operator=(const PlainScheduler&) = delete;

  /// One whole cycle, then TileGrid::EndCycle; a stopped run's sleeping tiles are woken, so
  /// that their counters include the cycles they sat out.
  RunStatus Step();
  /// Steps until the run stops.
  RunStatus Run();

  /// Tile `index` is off the list: it shows the cycle it went to sleep in, and counts the
  /// cycles since when it wakes (FabricTile::SkipCycles).
  bool Asleep(int index) const { return asleep_since_[static_cast<size_t>(index)] != kAwake; }

 private:
  static constexpr uint64_t kAwake = ~uint64_t{0};

  /// After a cycle: puts tiles that were dormant twice in a row to sleep (both link buffers
  /// then hold nothing from them) and wakes the neighbours of every tile and edge that drove
  /// something, so that next cycle's list holds every tile that could change.
  void ScheduleNextCycle();
  /// Back on the list at `cycle`: the tile counts the cycles it sat out.
  void Wake(int t, uint64_t cycle);
  void WakeAll();
  /// The edge link on the list of links to evaluate.
  void ListEdge(int e) {
    if (edge_listed_[static_cast<size_t>(e)]) return;
    edge_listed_[static_cast<size_t>(e)] = 1;
    active_edges_.push_back(e);
  }
  /// Link `i` = tile * 4 + direction, as TileGrid::Source and edge inputs number them.
  const LinkBundle& TileOut(size_t i) const { return tile_out_[i / 4][i % 4]; }

  TileGrid& grid_;
  // The grid's arrays, fixed from its construction: tiles, edge links, and each tile input's
  // Source (tile * 4 + dir). Kept here, the inner loops reach them in one load.
  const std::unique_ptr<FabricTile>* const tiles_;
  const std::unique_ptr<EdgeLink>* const edges_;
  const TileGrid::Source* const inputs_;
  std::unique_ptr<StepPool> pool_;
  // The links: this cycle's bundles and the next cycle's, swapped at the cycle's end.
  std::vector<std::array<LinkBundle, 4>> tile_out_, tile_out_next_;  // per tile, by direction
  std::vector<LinkBundle> edge_out_, edge_out_next_;
  // The tiles visited this cycle, and the next cycle's list as it is built.
  std::vector<int> active_, next_active_;
  // The edge links evaluated: like tiles, one idle two cycles in a row (both its bundles then
  // quiet) leaves the list until its tile drives it or its owner reaches for it
  // (TileGrid::Edge, EdgeAt). A wafer has 3,868 of them, most idle all run.
  std::vector<int> active_edges_, edges_now_;
  std::vector<uint8_t> edge_listed_;     // per edge: on active_edges_
  std::vector<uint8_t> edge_idle_runs_;  // per edge: consecutive idle cycles (up to 2)
  // Per tile, what the cycle's end asks of the tiles visited (TileStatus), recorded while the
  // tile is in the cache, right after its Evaluate: the end of the cycle then reads one dense
  // array instead of calling into every tile object again.
  std::vector<uint8_t> tile_status_;
  std::vector<uint8_t> listed_;        // per tile: on next_active_
  std::vector<uint8_t> skipped_runs_;  // per tile: consecutive dormant cycles (up to 2)
  std::vector<uint64_t> asleep_since_; // per tile: the cycle it went dormant, or kAwake
  int64_t sleeping_waiters_ = 0;       // sleeping tiles that are not halted (waiting)
  std::vector<int> asleep_with_errors_;  // tiles that went to sleep with an error (EndCycle looks)
  // Sleeping tiles that must run again at a given cycle (FabricTile::DormantCycles), earliest
  // on top; an entry whose tile woke earlier (its asleep_since_ differs) is stale.
  struct WakeTime {
    uint64_t cycle;
    int tile;
    uint64_t asleep_since;
    bool operator>(const WakeTime& o) const { return cycle != o.cycle ? cycle > o.cycle : tile > o.tile; }
  };
  std::priority_queue<WakeTime, std::vector<WakeTime>, std::greater<WakeTime>> wake_times_;
};

}  // namespace wafersim::fabric
