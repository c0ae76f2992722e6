#include "gpu/kernel.h"

#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::gpu {

int GpusFor(const GpuSpec& s, const KernelParams& p) {
  if (p.gpus == 0) return s.gpus;
  if (p.gpus < 1 || p.gpus > s.gpus_per_node) {
    throw std::invalid_argument(fmt::format("--gpus {}: {} nodes hold 1..{} GPUs", p.gpus, s.name, s.gpus_per_node));
  }
  return p.gpus;
}

nlohmann::json ResultJson(const KernelResult& r) {
  nlohmann::json phases = nlohmann::json::array();
  for (const auto& ph : r.phases) {
    phases.push_back({{"name", ph.name},
                      {"cycles", ph.cycles},
                      {"time_s", ph.cycles / r.clock_hz},
                      {"flops", ph.flops},
                      {"hbm_bytes", ph.hbm_bytes},
                      {"link_bytes", ph.link_bytes},
                      {"bound", ph.bound}});
  }
  return {{"kernel", r.kernel},
          {"preset", r.preset},
          {"gpus", r.gpus},
          {"dtype", DTypeName(r.dtype)},
          {"clock_hz", r.clock_hz},
          {"cycles", static_cast<int64_t>(r.cycles + 0.5)},
          {"time_s", r.time_s},
          {"flops", r.flops},
          {"tflops", r.Tflops()},
          {"peak_tflops", r.peak_flops / 1e12},
          {"hbm_bytes", r.hbm_bytes},
          {"achieved_bw_bytes_per_s", r.AchievedBytesPerS()},
          {"peak_bw_bytes_per_s", r.peak_hbm_bytes_per_s},
          {"l2_bytes", r.l2_bytes},
          {"link_bytes", r.link_bytes},
          {"hbm_held_bytes", r.hbm_held_bytes},
          {"hbm_capacity_bytes", r.hbm_capacity_bytes},
          {"bound", r.bound},
          {"limiter", r.limiter},
          {"details", r.extra},
          {"phases", phases}};
}

}  // namespace wafersim::gpu
