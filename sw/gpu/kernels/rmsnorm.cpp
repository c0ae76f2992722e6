// rmsnorm: y = x / sqrt(mean(x^2) + eps) * w over --tokens rows of --d-model: one CTA per row
// reads the row, reduces it across the CTA, and writes the scaled row. Bound by HBM for many
// rows; few rows leave most SMs idle and the kernel waits on memory latency.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"
#include "gpu/memory_model.h"

namespace wafersim::gpu {

namespace {

/// The cross-warp reduction of one row: two shared-memory round trips and barriers (assumed).
constexpr double kRowReduceCycles = 200;

KernelResult RunRmsnorm(const GpuSpec& s, const KernelParams& p) {
  RequireSize("rmsnorm", "--tokens", p.tokens);
  RequireSize("rmsnorm", "--d-model", p.d_model);
  RequireDType(s, p.dtype);
  KernelResult r;
  r.gpus = 1;
  if (GpusFor(s, p) > 1) r.details.emplace_back("node", "each GPU runs its own copy of this kernel; figures are per GPU");
  const double rows = static_cast<double>(p.tokens), h = static_cast<double>(p.d_model);
  const int b = DTypeBytes(p.dtype);
  const double active = std::min<double>(s.sms, rows);
  r.hbm_bytes = 2 * rows * h * b + h * b;
  r.l2_bytes = r.hbm_bytes + rows * h * b;  // the weight is read per row, from L2
  r.flops = 4 * rows * h;                   // square, sum, scale, multiply
  const double memory = StreamCycles(s, r.hbm_bytes, active);
  const double per_row = rows * (h * 4 / s.VectorOpsPerClk() + kRowReduceCycles);
  const double compute = per_row / active;
  r.cycles = LaunchCycles(s) + std::max(memory, compute);
  r.bound = memory >= compute ? "memory" : "compute";
  r.limiter = memory >= compute ? (active < s.sms ? "HBM latency (too few rows to fill the GPU)" : "HBM bandwidth")
                                : "vector units and row reductions";
  r.details.emplace_back("rmsnorm", fmt::format("{:.0f} rows of {:.0f} {}, one CTA per row on {:.0f} SMs", rows, h,
                                                DTypeName(p.dtype), active));
  r.details.emplace_back("time parts", fmt::format("HBM {:.0f} cycles, arithmetic and reductions {:.0f} cycles",
                                                   memory, compute));
  r.extra = {{"memory_cycles", memory}, {"compute_cycles", compute}, {"active_sms", active}};
  return r;
}

}  // namespace

void RegisterRmsnorm(KernelRegistry& reg) {
  reg.Add({"rmsnorm", "RMSNorm over token rows (one CTA per row)", "--tokens --d-model [--dtype --gpus N]", RunRmsnorm,
           [](const GpuSpec&, const KernelParams& p) {
             return (2.0 * static_cast<double>(p.tokens) + 1) * static_cast<double>(p.d_model) * DTypeBytes(p.dtype);
           }});
}

}  // namespace wafersim::gpu
