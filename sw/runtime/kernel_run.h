// Runs a kernel mapping on the fabric: loads every tile's program and data, queues the edge
// inputs, runs (through SystemC, or the same cycles as a plain loop), reads the outputs back
// and checks them against the reference.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/kernel_mapping.h"
#include "tile_grid.h"

namespace wafersim::runtime {

enum class Scheduler { SystemC, PlainLoop };

struct PhaseTime {
  std::string name;
  double mean_cycles = 0, max_cycles = 0;  ///< over the stamped tiles
};

/// When a chain's plan finished: the latest last stamp over its tiles.
struct StageTime {
  std::string label;
  uint64_t end_cycle = 0;
};

struct KernelResult {
  fabric::RunStatus status = fabric::RunStatus::Running;
  std::string stop_reason;
  uint64_t cycles = 0;
  double time_s = 0;       ///< simulated: cycles at the fabric clock
  double wall_s = 0;       ///< the simulation itself
  std::vector<double> output;
  size_t received = 0;     ///< output elements that arrived
  bool correct = false;
  double max_abs_err = 0, max_rel_err = 0;
  size_t worst = 0;        ///< the element furthest outside (or closest to) its tolerance
  double worst_share = 0;  ///< its error over its tolerance: how much of the bound the run used
  std::string check;       ///< one line: what was wrong, or "all N elements within tolerance"
  std::vector<PhaseTime> phases;
  std::vector<StageTime> stages;  ///< a chain's plans, in order
  std::vector<float> observed;    ///< the values KernelMapping::observed read, in order
};

/// Loads `mapping` into `grid` (fresh from construction): every tile's program (an empty one
/// where the mapping has none), the edge inputs and collectors; then starts the grid.
void LoadKernel(const KernelMapping& mapping, fabric::TileGrid& grid);

/// Loads `mapping` into `grid` (fresh from construction) and runs it. The run's own failures
/// (deadlock, tile error, cycle limit, a wrong answer) are in the result, not thrown.
KernelResult RunKernel(const KernelMapping& mapping, fabric::TileGrid& grid, Scheduler scheduler);

/// A chain's time line: each plan's finish, and the cycles from the plan before's finish to
/// its own (its share of the token's time through the chain, waiting for its input included),
/// with the label split into layer ("L3", empty for one layer) and kind ("attention").
struct StageShare {
  std::string label, layer, kind;
  uint64_t end_cycle = 0, cycles = 0;
};
std::vector<StageShare> StageShares(const KernelResult& result);

/// The run's JSON: cycles, time_s, correct, errors, sram_peak_bytes, phases, efficiency, stats.
nlohmann::json ResultJson(const KernelMapping& mapping, const KernelResult& result, const fabric::TileGrid& grid);

}  // namespace wafersim::runtime
