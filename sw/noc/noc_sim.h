// Synthetic traffic on a mesh of routers: Bernoulli sources and always-ready sinks on every
// Local port, dynamic (X-then-Y wormhole) colors, latency and throughput statistics. The
// routers are the C++ FastRouter (cycle-exact against the RTL) or the Verilated RTL; both
// give the same statistics for the same configuration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wafersim::noc {

/// Which model of mesh_router a run simulates.
enum class RouterModel {
  Fast,  ///< fabric::FastRouter (systemc/fast/), cycle-exact against the RTL; no waves
  Rtl,   ///< the Verilated mesh_router (sw/noc/router_mesh.h); waves with --trace
};
const char* RouterModelName(RouterModel m);  ///< "fast" or "rtl", as --routers takes them

struct NocConfig {
  RouterModel routers = RouterModel::Fast;
  int width = 8;
  int height = 8;
  std::string traffic = "uniform";
  double rate = 0.1;        ///< offered load, flits per node per cycle, in [0, 1]
  int packet_flits = 1;     ///< wavelets per packet, head and tail included
  int vcs = 2;              ///< dynamic colors the packets use (virtual channels)
  int buffer_depth = 8;     ///< wavelets per input buffer per color
  uint64_t cycles = 10000;  ///< cycles of injection, warmup included
  uint64_t warmup = 1000;   ///< cycles before packets are measured
  uint64_t drain = 0;       ///< extra cycles to deliver the measured packets (0: cycles - warmup)
  uint64_t watchdog = 2000;  ///< cycles with nothing moving while wavelets wait: a deadlock
  uint64_t seed = 1;
  int hotspot_x = -1;       ///< hotspot target (default: the centre)
  int hotspot_y = -1;
  double hotspot_fraction = 0.2;
  // Waves: a region of routers and a window of traffic cycles.
  std::string trace_path;
  int trace_x0 = 0, trace_y0 = 0, trace_x1 = -1, trace_y1 = -1;  // x1 < 0: the whole mesh
  uint64_t trace_c0 = 0, trace_c1 = 1000;
};

struct NocResult {
  double rate = 0;              ///< requested offered load
  double offered_rate = 0;      ///< flits generated per node per cycle in the measured window
  double accepted_rate = 0;     ///< flits delivered per node per cycle in the measured window
  double avg_latency_cycles = 0;  ///< creation (source queueing included) to tail delivery
  double p99_latency_cycles = 0;
  double max_latency_cycles = 0;
  double avg_network_latency_cycles = 0;  ///< head injection to tail delivery
  double avg_hops = 0;
  uint64_t packets = 0;          ///< measured packets delivered
  uint64_t packets_measured = 0;  ///< packets created in the measured window
  /// Below saturation: every measured packet delivered within the drain time, and the mesh
  /// accepted what was offered (within 3%).
  bool stable = true;
  uint64_t cycles_simulated = 0;
  double wall_seconds = 0;
  double skipped_eval_fraction = 0;  ///< router evaluations skipped as idle
  uint64_t tag_waits = 0;        ///< cycles a head waited for a free packet tag (expected 0)
  /// NocWatch::stop ended the run early: the figures are those of the cycles simulated (the
  /// measured window cut short), and the run is not `stable`.
  bool interrupted = false;
};

/// How a caller watches a run and stops it (`wafersim noc`: progress lines and Ctrl-C). Both
/// may be called from several sweep threads at once.
struct NocWatch {
  /// Asked every cycle; true ends the run at the end of that cycle (NocResult::interrupted).
  std::function<bool()> stop;
  /// Told the cycles stepped since its last call, every few milliseconds of wall time.
  std::function<void(uint64_t cycles)> progress;
};

/// Checks a configuration; throws std::invalid_argument naming the flag and the rule.
void ValidateNocConfig(const NocConfig& config);
/// Memory one node of a run takes: its router (the model's own figure) and the traffic's
/// state (sources, packet tags). ValidateNocConfig refuses a mesh that needs more than
/// kNocMemoryBudget in all.
size_t NocBytesPerNode(const NocConfig& config);
inline constexpr size_t kNocMemoryBudget = size_t{2} << 30;  // bytes, 2 GiB
/// Rough wall time of a run on one core, from the router-cycles per second noc_bench
/// measured for its model at light and heavy load (interpolated by the offered rate).
double EstimateNocSeconds(const NocConfig& config);
/// The longest a run can take, in cycles: its --cycles and the drain after them.
uint64_t NocMaxCycles(const NocConfig& config);
NocResult RunNoc(const NocConfig& config, const NocWatch& watch = {});
/// Runs each configuration on up to `jobs` threads; results in the same order. Once
/// `watch.stop` says so, the runs under way end (interrupted) and no more start: the results
/// are those of the points begun, in order.
std::vector<NocResult> RunNocSweep(const std::vector<NocConfig>& configs, int jobs, const NocWatch& watch = {});

}  // namespace wafersim::noc
