// gemv: y = x W for a few rows of x (decode: M = batch, usually 1..16): every SM streams rows of
// the weight from HBM, so the kernel is bound by reading the weight once. Column-parallel over a
// node's GPUs like gemm.
#include <fmt/format.h>

#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"

namespace wafersim::gpu {

namespace {

KernelResult RunGemv(const GpuSpec& s, const KernelParams& p) {
  const int64_t m = p.m == 0 ? 1 : p.m;
  RequireSize("gemv", "--m", m);
  RequireSize("gemv", "--n", p.n);
  RequireSize("gemv", "--k", p.k);
  KernelResult r;
  r.gpus = GpusFor(s, p);
  const int64_t n_local = (p.n + r.gpus - 1) / r.gpus;
  const GemmPlan g = PlanStreamingGemv(s, m, n_local, p.k, p.dtype);
  r.cycles = LaunchCycles(s) + g.total_cycles;
  r.flops = g.flops * r.gpus;
  r.hbm_bytes = g.hbm_bytes * r.gpus;
  r.l2_bytes = g.l2_bytes * r.gpus;
  r.bound = g.bound;
  r.limiter = g.limiter;
  r.details.emplace_back("shape", fmt::format("M {} x N {} x K {}, {}{}", m, p.n, p.k, DTypeName(p.dtype),
                                              r.gpus > 1 ? fmt::format(", column-parallel: N {} per GPU", n_local)
                                                         : ""));
  DescribeGemm(s, g, r);
  return r;
}

}  // namespace

void RegisterGemv(KernelRegistry& reg) {
  reg.Add({"gemv", "vector-matrix product and skinny GEMM for decode (weight streaming)",
           "--n --k [--m rows, default 1; --dtype --gpus N]", RunGemv,
           [](const GpuSpec& s, const KernelParams& p) { return GemmFootprint(s, p, p.m == 0 ? 1 : p.m); }});
}

}  // namespace wafersim::gpu
