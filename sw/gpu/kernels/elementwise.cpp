// elementwise: out[i] = f(in_1[i], ..., in_inputs[i]) over --elements of --dtype (an activation,
// a residual add, SwiGLU's multiply): bound by HBM unless the per-element arithmetic is heavy.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"
#include "gpu/memory_model.h"

namespace wafersim::gpu {

namespace {

constexpr double kElementsPerCta = 16 * 1024;

KernelResult RunElementwise(const GpuSpec& s, const KernelParams& p) {
  RequireSize("elementwise", "--elements", p.elements);
  if (p.inputs < 1 || p.inputs > 8) throw std::invalid_argument(fmt::format("--inputs {}: must be 1..8", p.inputs));
  RequireDType(s, p.dtype);
  KernelResult r;
  r.gpus = 1;
  if (GpusFor(s, p) > 1) r.details.emplace_back("node", "each GPU runs its own copy of this kernel; figures are per GPU");
  const double n = static_cast<double>(p.elements);
  const double active = std::min<double>(s.sms, std::ceil(n / kElementsPerCta));
  r.hbm_bytes = n * DTypeBytes(p.dtype) * (p.inputs + 1);
  r.l2_bytes = r.hbm_bytes;
  r.flops = n * std::max(1, p.inputs - 1);
  const double memory = StreamCycles(s, r.hbm_bytes, active);
  const double rate = std::max(s.vector_flops_per_clk.Of(p.dtype), s.vector_flops_per_clk.fp32) / 2;  // ops
  const double compute = n * p.inputs / (rate * active);
  r.cycles = LaunchCycles(s) + std::max(memory, compute);
  r.bound = memory >= compute ? "memory" : "compute";
  r.limiter = memory >= compute ? (active < s.sms ? "HBM latency (too few CTAs to fill the GPU)" : "HBM bandwidth")
                                : "vector units";
  r.details.emplace_back("elementwise", fmt::format("{:.0f} elements, {} input(s) and 1 output of {}, {:.0f} SMs", n,
                                                    p.inputs, DTypeName(p.dtype), active));
  r.details.emplace_back("time parts", fmt::format("HBM {:.0f} cycles, vector units {:.0f} cycles", memory, compute));
  r.extra = {{"memory_cycles", memory}, {"compute_cycles", compute}, {"active_sms", active}};
  return r;
}

}  // namespace

void RegisterElementwise(KernelRegistry& reg) {
  reg.Add({"elementwise", "elementwise op over a tensor (activation, add, SwiGLU multiply)",
           "--elements [--inputs 2 --dtype --gpus N]", RunElementwise, [](const GpuSpec&, const KernelParams& p) {
             return static_cast<double>(p.elements) * DTypeBytes(p.dtype) * (p.inputs + 1);
           }});
}

}  // namespace wafersim::gpu
