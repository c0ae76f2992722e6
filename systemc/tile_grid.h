// The wafer's tiles and edge links, wired as a W x H mesh, and everything about a run that
// does not depend on how the cycles are scheduled: loading, the end-of-cycle checks (all
// halted and drained, a tile error, a deadlock), tracing, statistics. Two schedulers run its
// cycles with the same results: the SystemC Fabric, with one process per tile, and the plain
// loop (PlainScheduler), which visits only the tiles that can change.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "edge_link.h"
#include "fabric_config.h"
#include "fabric_tile.h"
#include "run_interrupt.h"

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
  /// Called at the end of a cycle every few milliseconds of wall time (progress reports on long
  /// runs; ClockStride in run_interrupt.h): it reads the clock and decides what to print.
  std::function<void(const TileGrid&)> progress;
};

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

/// What the cycle's end asks of a tile, in one byte (TileStatus): a scheduler may record it
/// right after the tile's Evaluate, while the tile is in the cache.
enum TileStatusBits : uint8_t { kTileMoved = 1, kTileEvaluated = 2, kTileHalted = 4, kTileDormant = 8 };
inline uint8_t TileStatus(const FabricTile& tile) {
  return static_cast<uint8_t>((tile.Moved() ? kTileMoved : 0) | (tile.Skipped() ? 0 : kTileEvaluated) |
                              (tile.LastActivity() == Activity::Halted ? kTileHalted : 0) |
                              (tile.Dormant() ? kTileDormant : 0));
}

/// What a scheduler tells the cycle's end about the cycle it ran. The tiles and edge links it
/// did not visit have not changed since it last did.
struct CycleScope {
  const std::vector<int>& tiles;  ///< the tiles visited
  const uint8_t* status;          ///< by tile index: the TileStatus of each tile visited
  const std::vector<int>& edges;  ///< the edge links evaluated
  int64_t sleeping_waiters;       ///< tiles not visited that have not halted
  const std::vector<int>& sleeping_with_errors;  ///< tiles not visited with a tile or router error
  bool sleepers_due;  ///< a tile not visited runs again at a set cycle (it replays a tensor operation)
};

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
  /// The link's owner may queue wavelets on it: it counts as reached (ReachedEdges).
  EdgeLink& Edge(int x, int y, noc::Dir dir);
  int EdgeCount() const { return static_cast<int>(edges_.size()); }
  EdgeLink& EdgeAt(int index) {
    Reach(index);
    return *edges_[index];
  }
  const EdgeLink& EdgeAt(int index) const { return *edges_[index]; }
  /// The edge links reached for (non-const Edge, EdgeAt) since ClearReachedEdges, each once:
  /// a scheduler that lets idle links sleep evaluates these again.
  const std::vector<int>& ReachedEdges() const { return reached_edges_; }
  void ClearReachedEdges();

  /// Where tile `index`'s input `dir` comes from: another tile's output (tile * 4 + dir) or,
  /// when `from_edge`, the edge link's output.
  struct Source {
    bool from_edge;
    int index;
  };
  Source InputOf(int tile, int dir) const { return inputs_[static_cast<size_t>(tile) * 4 + dir]; }
  /// The tile output an edge link reads (tile * 4 + dir).
  int EdgeInput(int edge) const { return edge_inputs_[edge]; }
  /// Every tile and every edge link by index, and every input's Source by tile * 4 + dir: the
  /// arrays a scheduler's inner loop walks (looking at an edge link here is not reaching it).
  const std::vector<std::unique_ptr<FabricTile>>& AllTiles() { return tiles_; }
  const std::vector<std::unique_ptr<EdgeLink>>& AllEdges() { return edges_; }
  const std::vector<Source>& Inputs() const { return inputs_; }

  void Load(int x, int y, const isa::Program& program);
  /// Releases every tile from reset together; cycle 0 is the next one.
  void Start();

  /// Closes a cycle (after every tile and edge evaluated and every tile updated): counts it,
  /// and decides whether the run goes on. This one looks at every tile and edge link, as the
  /// SystemC Fabric runs them all.
  RunStatus EndCycle();
  /// The same for a scheduler that visited only `scope`'s tiles and edge links.
  RunStatus EndCycle(const CycleScope& scope);
  uint64_t Cycle() const { return cycle_; }
  /// Why the run stopped, in one line (a deadlock names blocked tiles, colors and buffers).
  const std::string& StopReason() const { return stop_reason_; }
  std::vector<BlockedTile> BlockedTiles() const;
  std::vector<FullBuffer> FullBuffers() const;

  /// Records FST waves of the tiles in [x0..x1] x [y0..y1] for cycles [c0, c1).
  void OpenTrace(const std::string& path, int x0, int y0, int x1, int y1, uint64_t c0, uint64_t c1);
  /// Dumps the traced tiles (if any): after Evaluate (`after_edge` false) and after Update (true).
  void DumpTrace(bool after_edge);
  bool Tracing() const { return trace_ != nullptr; }
  /// Finishes the trace file (also done when the grid goes).
  void CloseTrace();

  /// Tile evaluations done (halted tiles with empty routers are skipped).
  uint64_t Evaluations() const { return evaluations_; }

 private:
  std::string DeadlockText() const;
  bool CheckTilesAndRouters(const CycleScope& scope);
  void Reach(int e) {
    if (edge_reached_[static_cast<size_t>(e)]) return;
    edge_reached_[static_cast<size_t>(e)] = 1;
    reached_edges_.push_back(e);
  }

  FabricConfig config_;
  RunOptions options_;
  std::unique_ptr<VerilatedContext> context_;
  std::vector<std::unique_ptr<FabricTile>> tiles_;
  int64_t rtl_tiles_ = 0;
  std::vector<std::unique_ptr<EdgeLink>> edges_;
  std::vector<Source> inputs_;
  std::vector<int> edge_inputs_;
  std::vector<int> edge_of_;  // tile * 4 + dir -> edge index, or -1
  std::vector<int> reached_edges_;     // ReachedEdges
  std::vector<uint8_t> edge_reached_;  // per edge: on reached_edges_
  // The scope of a cycle that ran every tile and edge link (EndCycle()), made at its first.
  std::vector<int> all_tiles_, all_edges_, no_tiles_;
  std::vector<uint8_t> all_status_;
  std::unique_ptr<VerilatedFstC> trace_;
  uint64_t trace_c0_ = 0, trace_c1_ = 0;
  uint64_t cycle_ = 0;
  uint64_t quiet_cycles_ = 0;
  ClockStride progress_clock_;  // when the progress callback is due
  uint64_t evaluations_ = 0;
  RunStatus status_ = RunStatus::Running;
  std::string stop_reason_;
};

}  // namespace wafersim::fabric
