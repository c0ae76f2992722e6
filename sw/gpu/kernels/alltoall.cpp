// alltoall: expert-parallel all-to-all of --bytes per GPU (each GPU keeps 1/n and sends the rest
// evenly to the others) over the node's links (collective_model.h).
#include <vector>

#include <fmt/format.h>

#include "gpu/collective_model.h"
#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"

namespace wafersim::gpu {

namespace {

KernelResult RunAllToAll(const GpuSpec& s, const KernelParams& p) {
  RequireSize("alltoall", "--bytes", p.bytes);
  KernelResult r;
  r.gpus = RequireNodeGpus(s, p, "alltoall");
  const double leaving = static_cast<double>(p.bytes) * (r.gpus - 1) / r.gpus;
  const std::vector<double> each(static_cast<size_t>(r.gpus), leaving);
  const CollectivePlan c = AllToAll(s, each, each);
  r.cycles = LaunchCycles(s) + c.cycles;
  r.link_bytes = c.link_bytes;
  r.hbm_bytes = c.hbm_bytes;
  r.bound = "communication";
  r.limiter = LinkName(s);
  const double t = s.Seconds(r.cycles);
  r.details.emplace_back("all-to-all", fmt::format("{} GPUs; each sends {} and receives {}", r.gpus, Bytes(leaving),
                                                   Bytes(leaving)));
  r.details.emplace_back("bandwidth", fmt::format("{:.1f} GB/s per GPU each way (link {:.0f} GB/s, {:.0f}% usable)",
                                                  leaving / t / 1e9, s.link_bytes_per_s / 1e9,
                                                  100 * s.link_efficiency));
  r.extra = {{"bytes_sent_per_gpu", leaving}};
  return r;
}

}  // namespace

void RegisterAllToAll(KernelRegistry& reg) {
  reg.Add({"alltoall", "expert-parallel all-to-all over the node's links", "--bytes (per GPU) --gpus N or a -x8 preset",
           RunAllToAll,
           [](const GpuSpec&, const KernelParams& p) { return 2.0 * static_cast<double>(p.bytes); }});
}

}  // namespace wafersim::gpu
