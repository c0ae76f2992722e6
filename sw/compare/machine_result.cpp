#include "compare/machine_result.h"

#include <map>

namespace wafersim::compare {

void Summarize(MachineResult& r) {
  std::map<std::string, double> by_group, by_bound;
  double busy = 0;
  for (const auto& k : r.kernels) {
    const double t = k.count * k.time_s;
    by_group[k.group] += t;
    by_bound[k.bound] += t;
    busy += t;
  }
  // Kernels that overlap (the wafer's pipeline) are busy longer in sum than the pass takes:
  // the pass is divided in proportion to busy time.
  const double scale = busy > 0 ? r.step_s / busy : 0;
  r.breakdown_s.clear();
  for (const auto& g : BreakdownGroups()) r.breakdown_s.emplace_back(g, by_group[g] * scale);
  double most = -1;
  for (const auto& [bound, t] : by_bound) {
    if (t > most) {
      most = t;
      r.bound = bound;
    }
  }
}

nlohmann::json MachineResultJson(const MachineResult& r) {
  nlohmann::json kernels = nlohmann::json::array();
  for (const auto& k : r.kernels) {
    kernels.push_back({{"name", k.name},   {"kind", k.kind},     {"group", k.group},   {"count", k.count},
                       {"time_s", k.time_s}, {"flops", k.flops}, {"bytes", k.bytes},   {"bound", k.bound},
                       {"source", k.source}});
  }
  nlohmann::json breakdown = nlohmann::json::object();
  for (const auto& [g, t] : r.breakdown_s) breakdown[g] = t;
  nlohmann::json energy = nlohmann::json::object();
  for (const auto& [name, j] : r.energy.joules) energy[name] = j;
  return {{"machine", r.machine},
          {"mode", r.mode},
          {"devices", r.devices},
          {"step_s", r.step_s},
          {"tokens", r.tokens},
          {"tokens_per_s", r.TokensPerS()},
          {"useful_flops", r.useful_flops},
          {"peak_flops", r.peak_flops},
          {"peak_bytes_per_s", r.peak_bytes_per_s},
          {"utilization", r.Utilization()},
          {"bound", r.bound},
          {"memory_needed_bytes", r.memory_needed_bytes},
          {"memory_capacity_bytes", r.memory_capacity_bytes},
          {"fits", r.fits},
          {"counts", OpCountsJson(r.counts)},
          {"energy_j", energy},
          {"energy_total_j", r.energy.total_j},
          {"energy_per_token_j", r.EnergyPerTokenJ()},
          {"rated_power_w", r.rated_power_w},
          {"energy_per_token_at_rated_power_j", r.RatedEnergyPerTokenJ()},
          {"breakdown_s", breakdown},
          {"kernels", kernels},
          {"notes", r.notes}};
}

}  // namespace wafersim::compare
