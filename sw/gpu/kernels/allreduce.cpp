// allreduce: tensor-parallel all-reduce of --bytes per GPU over --gpus GPUs of a node, as NCCL's
// ring (collective_model.h): each GPU sends 2(n-1)/n of the buffer.
#include <fmt/format.h>

#include "gpu/collective_model.h"
#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"

namespace wafersim::gpu {

namespace {

KernelResult RunAllReduce(const GpuSpec& s, const KernelParams& p) {
  RequireSize("allreduce", "--bytes", p.bytes);
  KernelResult r;
  r.gpus = RequireNodeGpus(s, p, "allreduce");
  const double bytes = static_cast<double>(p.bytes);
  const CollectivePlan c = RingAllReduce(s, bytes, r.gpus);
  r.cycles = LaunchCycles(s) + c.cycles;
  r.link_bytes = c.link_bytes;
  r.hbm_bytes = c.hbm_bytes;
  r.flops = bytes / DTypeBytes(p.dtype) * (r.gpus - 1);
  r.bound = "communication";
  r.limiter = LinkName(s);
  const double t = s.Seconds(r.cycles);
  r.details.emplace_back("ring", fmt::format("{} GPUs, {} steps; each GPU sends {} of its {}", r.gpus, c.steps,
                                             Bytes(c.link_bytes), Bytes(bytes)));
  r.details.emplace_back("bandwidth", fmt::format("algbw {:.1f} GB/s, busbw {:.1f} GB/s (link {:.0f} GB/s each way, "
                                                  "{:.0f}% usable)",
                                                  bytes / t / 1e9, c.link_bytes / t / 1e9, s.link_bytes_per_s / 1e9,
                                                  100 * s.link_efficiency));
  r.extra = {{"steps", c.steps}, {"algbw_bytes_per_s", bytes / t}, {"busbw_bytes_per_s", c.link_bytes / t}};
  return r;
}

}  // namespace

void RegisterAllReduce(KernelRegistry& reg) {
  reg.Add({"allreduce", "tensor-parallel ring all-reduce over the node's links (NCCL ring)",
           "--bytes (per GPU) --gpus N or a -x8 preset [--dtype]", RunAllReduce,
           [](const GpuSpec&, const KernelParams& p) { return 2.0 * static_cast<double>(p.bytes); }});
}

}  // namespace wafersim::gpu
