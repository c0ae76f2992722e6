// One machine's answer for a workload: how long one pass takes, what bounds it, what it holds in
// memory, what it counts (op_counts.h) and what that costs in energy, kernel by kernel.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/energy_table.h"
#include "compare/op_counts.h"

namespace wafersim::compare {

/// Time-breakdown groups, in the order reports show them.
inline const std::vector<std::string>& BreakdownGroups() {
  static const std::vector<std::string> groups = {"projections", "attention", "experts",
                                                  "vector",      "communication", "weight streaming"};
  return groups;
}

/// One kernel of a layer (or a step of the pass: a collective, a link, a stream) on one machine.
struct KernelTiming {
  std::string name;    ///< "attn.qkv_proj", "allreduce after attn.o_proj", "link wafer 0 -> 1", ...
  std::string kind;    ///< the workload's kernel kind ("gemv", "attention", ...), or "moe", "allreduce", "link"
  std::string group;   ///< one of BreakdownGroups()
  int count = 1;       ///< times it runs in the pass (the layers of its kind)
  double time_s = 0;   ///< one run: GPU, its time; wafer, the time its tiles are busy in the pass
  double flops = 0;    ///< one run: matrix FLOPs
  double bytes = 0;    ///< one run: bytes from the memory that bounds it (GPU HBM, wafer SRAM or stream)
  std::string bound;   ///< "compute", "memory", "communication" or "latency"
  std::string source;  ///< how the time was obtained (the GPU model, the wafer model, a simulation)
};

struct MachineResult {
  std::string machine;  ///< "wse3", "h100-sxm"
  std::string mode;     ///< "resident on 1 wafer", "layer pipeline over 4 wafers", "weights streamed", ...
  int devices = 1;      ///< wafers or GPUs
  double step_s = 0;    ///< one pass: decode one token per sequence, or prefill the whole prompt
  double tokens = 0;    ///< tokens one pass produces (decode) or reads (prefill)
  double useful_flops = 0;         ///< the workload's matrix FLOPs in one pass
  double peak_flops = 0;           ///< all devices, at the dtype
  double peak_bytes_per_s = 0;     ///< the bandwidth of the memory holding the weights (SRAM or HBM), all devices
  std::string bound;               ///< the group of bounds that takes the most time
  double memory_needed_bytes = 0;  ///< weights + KV cache + activations the mode keeps resident
  double memory_capacity_bytes = 0;
  bool fits = true;
  double rated_power_w = 0;        ///< per device, rated_power.h (0: unknown)
  OpCounts counts;                 ///< one pass
  EnergyBreakdown energy;          ///< one pass
  std::vector<KernelTiming> kernels;
  std::vector<std::pair<std::string, double>> breakdown_s;  ///< per group, summing to step_s
  std::vector<std::string> notes;

  double TokensPerS() const { return step_s > 0 ? tokens / step_s : 0; }
  double Utilization() const { return step_s > 0 && peak_flops > 0 ? useful_flops / step_s / peak_flops : 0; }
  double EnergyPerTokenJ() const { return tokens > 0 ? energy.total_j / tokens : 0; }
  /// Every device at its rated power for the whole pass: an upper bound with static power in.
  double RatedEnergyPerTokenJ() const { return tokens > 0 ? devices * rated_power_w * step_s / tokens : 0; }
};

/// Fills breakdown_s from the kernels (sum of count x time per group), scaled to sum to step_s,
/// and bound from the bounds' shares of time.
void Summarize(MachineResult& r);
nlohmann::json MachineResultJson(const MachineResult& r);

}  // namespace wafersim::compare
