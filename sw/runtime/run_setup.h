// How a run is simulated, chosen once for `wafersim run` and its `--model` blocks: which tile
// model runs which tile, which scheduler runs the cycles, the run's limits, and whether the
// host has the memory for it. The command line parses the flags into a SimulationChoice and
// prints; the rules live here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fabric_config.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_run.h"
#include "tile_grid.h"

namespace wafersim::runtime {

/// --tiles: every tile RTL, every tile fast, or fast tiles around an RTL region.
enum class TileChoice { Rtl, Fast, Mixed };
/// --scheduler: SystemC, the plain loop, or Auto (SystemC for RTL tiles, else the plain loop).
enum class SchedulerChoice { SystemC, Plain, Auto };

/// Throws std::invalid_argument naming --tiles and the choices when `text` is not one.
TileChoice ParseTileChoice(const std::string& text);
/// Throws std::invalid_argument naming --scheduler and the choices when `text` is not one.
SchedulerChoice ParseSchedulerChoice(const std::string& text);

/// What the user chose about the simulation itself (not the kernel, not the fabric).
struct SimulationChoice {
  TileChoice tiles = TileChoice::Rtl;
  SchedulerChoice scheduler = SchedulerChoice::Auto;
  /// With Mixed: the RTL tiles, inclusive (rtl_region false: the 2x2 tiles at the origin).
  bool rtl_region = false;
  int rtl_x0 = 0, rtl_y0 = 0, rtl_x1 = 1, rtl_y1 = 1;
  int threads = 1;          ///< threads stepping fast tiles on the plain loop
  bool run_ahead = true;    ///< fabric::RunOptions::run_ahead
  uint64_t max_cycles = 10'000'000;
  uint64_t watchdog = 1000;
};

/// A checked choice on a fabric: what the grid is built from and how it runs.
struct RunSetup {
  fabric::FabricConfig config;
  fabric::TileModels models;
  int64_t rtl_tiles = 0;
  Scheduler scheduler = Scheduler::PlainLoop;
  fabric::RunOptions options;
};

/// Checks `choice` on `config` and picks the scheduler: --rtl-region only with mixed tiles and
/// inside the mesh, the RTL tiles' configuration (CheckRtlCompatible), --threads above 1 only
/// where fast tiles run on the plain loop, the watchdog at least 10 cycles. Throws
/// std::invalid_argument naming the flag.
RunSetup PrepareRun(const SimulationChoice& choice, const fabric::FabricConfig& config);

/// The grid for `setup`, with `progress` called every few milliseconds of wall time.
std::unique_ptr<fabric::TileGrid> BuildGrid(const RunSetup& setup,
                                            std::function<void(const fabric::TileGrid&)> progress = nullptr);

/// Bytes of host memory a tile takes, by model (measured on whole grids, with margin; its
/// SRAM's contents are the kernel's data, counted apart).
double HostBytesPerTile(fabric::TileModel model);
/// Host bytes per element of a kernel's data: its value as drawn, in the mapping's programs,
/// in the tile's SRAM, and its reference (measured on GEMV, with margin).
inline constexpr double kHostBytesPerElement = 16;

/// Memory this process may still take: the smaller of /proc/meminfo's MemAvailable and what
/// the cgroup's memory limit leaves; 0 when neither can be read.
double AvailableHostMemory();

/// Refuses (std::invalid_argument, exit 2) a run whose grid and kernel data would take more
/// host memory than AvailableHostMemory(), giving the estimate and the machine's memory.
/// `data_elements`: the kernel's data (KernelDataElements); `what` names the run ("gemv
/// 4096x4096 on the 2000x2000 mesh").
void CheckHostMemory(const RunSetup& setup, double data_elements, const std::string& what);

/// Refuses (std::invalid_argument) a mapping whose own estimate (KernelMapping::
/// estimated_cycles) is above `max_cycles`: a run that would end at the limit, suggesting a
/// --max-cycles that leaves room.
void CheckCycleEstimate(const KernelMapping& mapping, uint64_t max_cycles);

/// The one-line reason a run did not end done and correct, for the report's error line
/// ("stopped at the cycle limit (...)", "deadlock: ...", "wrong answer: ..."); empty when it did.
std::string RunFailure(const KernelResult& result);
/// Exit status for a finished run: 0 done and correct, 1 stopped (cycle limit, deadlock, a
/// tile's error) or wrong, 130 interrupted.
int RunExitCode(const KernelResult& result);

}  // namespace wafersim::runtime
