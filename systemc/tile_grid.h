// The wafer's tiles and edge links, wired as a W x H mesh, and everything about a run that
// does not depend on how the cycles are scheduled: loading, the end-of-cycle checks (all
// halted and drained, a tile error, a deadlock), tracing, statistics. The SystemC Fabric
// schedules it with one process per tile; StepWithoutSystemC() runs the same cycle as a plain
// loop, which the speed benchmark uses to measure what the SystemC layer costs.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "edge_link.h"
#include "fabric_config.h"
#include "fabric_tile.h"
#include "step_pool.h"

class VerilatedContext;
class VerilatedFstC;

namespace wafersim::fabric {

class TileGrid;

struct RunOptions {
  uint64_t max_cycles = 10'000'000;  ///< stop (and fail) after this many cycles
  uint64_t watchdog_cycles = 1000;   ///< nothing moving for this long is a deadlock
  /// Threads stepping the plain loop's tiles (fast tiles only; RTL tiles step on one).
  int threads = 1;
  /// The plain loop evaluates every tile, then updates every tile (as under SystemC), rather
  /// than updating each right after its evaluation: the same results, more cache misses; for
  /// the tests and the benchmark that show it.
  bool split_phases = false;
  /// Fast tiles run closed tensor operations (SRAM operands only) ahead and replay them
  /// (TensorReplay), sleeping through them when their router is quiet: the same results,
  /// far fewer tile evaluations. False steps every operation cycle by cycle, as lockstep
  /// comparisons of each cycle's SRAM counters need.
  bool run_ahead = true;
  /// Called every kProgressCycles cycles (progress reports on long runs).
  std::function<void(const TileGrid&)> progress;
};
inline constexpr uint64_t kProgressCycles = 1024;

/// Interrupted: Ctrl-C (run_interrupt.h) stopped the run; its statistics are those so far.
enum class RunStatus { Running, Done, Deadlock, CycleLimit, Failed, Interrupted };
const char* RunStatusName(RunStatus s);

/// A tile that had not halted when the fabric stopped moving, and why.
struct BlockedTile {
  int x, y;
  Activity activity;
  int color;  ///< the color waited on (fabric waits)
  int pc, task;
};
struct FullBuffer {
  int x, y;
  noc::Dir port;
  int color;
};

/// Which model runs which tile: every tile the same, or fast tiles around a region of RTL
/// tiles (mixed fidelity: a few tiles in RTL detail, with waves, the rest fast).
struct TileModels {
  TileModel model = TileModel::Rtl;  ///< the model outside the RTL region
  int x0 = 0, y0 = 0, x1 = -1, y1 = -1;  ///< the RTL region, inclusive (empty when x1 < x0)
  TileModel At(int x, int y) const {
    return x >= x0 && x <= x1 && y >= y0 && y <= y1 ? TileModel::Rtl : model;
  }
  static TileModels All(TileModel m) { return {m}; }
};

/// Checks a fabric configuration against the Verilated tile, for `rtl_tiles` of them;
/// throws naming the key.
void CheckRtlCompatible(const FabricConfig& config, int64_t rtl_tiles);

class TileGrid {
 public:
  explicit TileGrid(const FabricConfig& config, const RunOptions& options = {},
                    const TileModels& models = TileModels::All(TileModel::Rtl));
  ~TileGrid();
  TileGrid(const TileGrid&) = delete;
  TileGrid& operator=(const TileGrid&) = delete;

  const FabricConfig& Config() const { return config_; }
  const RunOptions& Options() const { return options_; }
  int Width() const { return config_.width; }
  int Height() const { return config_.height; }
  int Tiles() const { return config_.width * config_.height; }
  int Index(int x, int y) const { return y * config_.width + x; }
  FabricTile& Tile(int x, int y) { return *tiles_[Index(x, y)]; }
  const FabricTile& Tile(int x, int y) const { return *tiles_[Index(x, y)]; }
  FabricTile& TileAt(int index) { return *tiles_[index]; }
  /// Tiles run by the Verilated RTL.
  int64_t RtlTiles() const { return rtl_tiles_; }
  /// The edge link leaving boundary tile (x, y) through `dir` (off the mesh).
  /// The link's owner may queue wavelets on it, so the plain loop evaluates it again.
  EdgeLink& Edge(int x, int y, noc::Dir dir);
  int EdgeCount() const { return static_cast<int>(edges_.size()); }
  EdgeLink& EdgeAt(int index) {
    ListEdge(index);
    return *edges_[index];
  }
  const EdgeLink& EdgeAt(int index) const { return *edges_[index]; }

  /// Where tile `index`'s input `dir` comes from: another tile's output (tile * 4 + dir) or,
  /// when `from_edge`, the edge link's output.
  struct Source {
    bool from_edge;
    int index;
  };
  Source InputOf(int tile, int dir) const { return inputs_[static_cast<size_t>(tile) * 4 + dir]; }
  /// The tile output an edge link reads (tile * 4 + dir).
  int EdgeInput(int edge) const { return edge_inputs_[edge]; }

  void Load(int x, int y, const isa::Program& program);
  /// Releases every tile from reset together; cycle 0 is the next one.
  void Start();

  /// Closes a cycle (after every tile and edge evaluated and every tile updated): counts it,
  /// and decides whether the run goes on.
  RunStatus EndCycle();
  /// One whole cycle as a plain loop (no SystemC), then EndCycle.
  RunStatus StepWithoutSystemC();
  uint64_t Cycle() const { return cycle_; }
  /// Why the run stopped, in one line (a deadlock names blocked tiles, colors and buffers).
  const std::string& StopReason() const { return stop_reason_; }
  std::vector<BlockedTile> BlockedTiles() const;
  std::vector<FullBuffer> FullBuffers() const;

  /// Records FST waves of the tiles in [x0..x1] x [y0..y1] for cycles [c0, c1).
  void OpenTrace(const std::string& path, int x0, int y0, int x1, int y1, uint64_t c0, uint64_t c1);
  /// Dumps the traced tiles: after Evaluate (`after_edge` false) and after Update (true).
  void DumpTrace(bool after_edge);
  bool Tracing() const { return trace_ != nullptr; }
  /// Finishes the trace file (also done when the grid goes).
  void CloseTrace();

  /// The plain loop left tile `index` off its list: it shows the cycle it went to sleep in,
  /// and counts the cycles since when it wakes (FabricTile::SkipCycles).
  bool Asleep(int index) const { return asleep_since_[static_cast<size_t>(index)] != ~uint64_t{0}; }
  /// Tile evaluations done (halted tiles with empty routers are skipped).
  uint64_t Evaluations() const { return evaluations_; }

 private:
  std::string DeadlockText() const;
  bool CheckTilesAndRouters();
  /// After a plain-loop cycle: puts tiles that were skipped twice in a row to sleep (both
  /// link buffers then hold nothing from them) and wakes the neighbours of every tile and
  /// edge that drove something, so that next cycle's list holds every tile that could change.
  void ScheduleNextCycle();
  /// Back on the list: the tile counts the cycles it sat out.
  void Wake(int t);
  /// The edge link on the plain loop's list of links to evaluate.
  void ListEdge(int e) {
    if (edge_listed_[static_cast<size_t>(e)]) return;
    edge_listed_[static_cast<size_t>(e)] = 1;
    active_edges_.push_back(e);
  }
  void WakeAll();

  FabricConfig config_;
  RunOptions options_;
  std::unique_ptr<VerilatedContext> context_;
  std::vector<std::unique_ptr<FabricTile>> tiles_;
  int64_t rtl_tiles_ = 0;
  std::vector<std::unique_ptr<EdgeLink>> edges_;
  std::vector<Source> inputs_;
  std::vector<int> edge_inputs_;
  std::vector<int> edge_of_;  // tile * 4 + dir -> edge index, or -1
  // Plain-loop link state: this cycle's and the next cycle's bundles.
  /// Link `i` = tile * 4 + direction, as Source.index and edge inputs number them.
  const LinkBundle& TileOut(size_t i) const { return tile_out_[i / 4][i % 4]; }
  std::vector<std::array<LinkBundle, 4>> tile_out_, tile_out_next_;  // per tile, by direction
  std::vector<LinkBundle> edge_out_, edge_out_next_;
  std::unique_ptr<StepPool> pool_;
  std::unique_ptr<VerilatedFstC> trace_;
  uint64_t trace_c0_ = 0, trace_c1_ = 0;
  uint64_t cycle_ = 0;
  uint64_t quiet_cycles_ = 0;
  uint64_t evaluations_ = 0;
  // Activity: the tiles the plain loop visits this cycle; a dormant tile (FabricTile::Dormant)
  // is off the list until a neighbour or an edge drives its link, and then counts the
  // cycles it sat out. Under SystemC every tile stays listed.
  std::vector<int> active_, next_active_;
  // The edge links the plain loop evaluates: like tiles, one idle two cycles in a row (both its
  // bundles then quiet) leaves the list until its tile drives it or its owner reaches for it
  // (Edge, EdgeAt). A wafer has 3,868 of them, most idle all run.
  std::vector<int> active_edges_, edges_now_;
  std::vector<uint8_t> edge_listed_;     // per edge: on active_edges_
  std::vector<uint8_t> edge_idle_runs_;  // per edge: consecutive idle cycles (up to 2)
  bool plain_cycle_ = false;             // the cycle closing was stepped by the plain loop
  // Per tile, what the cycle's end asks of the tiles visited (StatusBits), recorded while the
  // tile is in the cache, right after its Evaluate: the end of the cycle then reads one dense
  // array instead of calling into every tile object again.
  enum StatusBits : uint8_t { kMovedBit = 1, kEvaluatedBit = 2, kHaltedBit = 4, kDormantBit = 8 };
  std::vector<uint8_t> tile_status_;
  bool status_recorded_ = false;  // this cycle's tile_status_ is filled (the plain loop does it)
  void RecordStatus(int t) {
    const FabricTile& tile = *tiles_[t];
    tile_status_[t] = static_cast<uint8_t>((tile.Moved() ? kMovedBit : 0) | (tile.Skipped() ? 0 : kEvaluatedBit) |
                                      (tile.LastActivity() == Activity::Halted ? kHaltedBit : 0) |
                                      (tile.Dormant() ? kDormantBit : 0));
  }
  std::vector<uint8_t> listed_;        // per tile: on next_active_
  std::vector<uint8_t> skipped_runs_;  // per tile: consecutive skipped cycles (up to 2)
  std::vector<uint64_t> asleep_since_; // per tile: the cycle it went dormant, or kAwake
  int64_t sleeping_waiters_ = 0;       // sleeping tiles that are not halted (waiting)
  std::vector<int> asleep_with_errors_;  // tiles that went to sleep with an error (CheckTilesAndRouters)
  // Sleeping tiles that must run again at a given cycle (FabricTile::DormantCycles), earliest
  // on top; an entry whose tile woke earlier (its asleep_since_ differs) is stale.
  struct WakeTime {
    uint64_t cycle;
    int tile;
    uint64_t asleep_since;
    bool operator>(const WakeTime& o) const { return cycle != o.cycle ? cycle > o.cycle : tile > o.tile; }
  };
  std::priority_queue<WakeTime, std::vector<WakeTime>, std::greater<WakeTime>> wake_times_;
  RunStatus status_ = RunStatus::Running;
  std::string stop_reason_;
};

}  // namespace wafersim::fabric
