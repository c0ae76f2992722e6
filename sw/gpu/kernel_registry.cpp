#include "gpu/kernel_registry.h"

#include <stdexcept>

#include <fmt/format.h>

#include "gpu/kernels/kernels.h"

namespace wafersim::gpu {

KernelRegistry::KernelRegistry() {
  // The list: a new kernel is one file in kernels/ and one line here.
  RegisterGemm(*this);
  RegisterGemv(*this);
  RegisterAttention(*this);
  RegisterMoe(*this);
  RegisterCopy(*this);
  RegisterElementwise(*this);
  RegisterRmsnorm(*this);
  RegisterAllReduce(*this);
  RegisterAllToAll(*this);
}

const KernelRegistry& KernelRegistry::Get() {
  static const KernelRegistry registry;
  return registry;
}

void KernelRegistry::Add(KernelInfo info) {
  if (!entries_.count(info.name)) order_.push_back(info.name);
  entries_[info.name] = std::move(info);
}

const KernelInfo& KernelRegistry::Find(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw std::invalid_argument(fmt::format("--kernel {}: unknown kernel (known: {})", name, fmt::join(order_, ", ")));
  }
  return it->second;
}

std::vector<std::string> KernelRegistry::Names() const { return order_; }

KernelResult KernelRegistry::Run(const std::string& name, const GpuSpec& s, const KernelParams& p) const {
  const KernelInfo& info = Find(name);
  KernelResult r = info.run(s, p);
  r.kernel = name;
  r.preset = s.name;
  r.dtype = p.dtype;
  r.clock_hz = s.clock_hz;
  r.time_s = s.Seconds(r.cycles);
  r.peak_flops = s.PeakMatrixFlops(p.dtype) * r.gpus;
  r.peak_hbm_bytes_per_s = s.hbm_peak_bytes_per_s * r.gpus;
  r.hbm_held_bytes = info.footprint ? info.footprint(s, p) : 0;
  r.hbm_capacity_bytes = s.hbm_capacity_bytes;
  return r;
}

void KernelRegistry::CheckFits(const std::string& name, const GpuSpec& s, const KernelParams& p) const {
  const KernelInfo& info = Find(name);
  if (!info.footprint) return;
  const double need = info.footprint(s, p);
  if (need <= s.hbm_capacity_bytes) return;
  const int gpus = GpusFor(s, p);
  throw std::invalid_argument(fmt::format(
      "{}: its operands and results need {} of HBM on {}, and one {} GPU has {}: it does not fit; use a smaller "
      "shape{}",
      name, Bytes(need), gpus > 1 ? "the busiest GPU" : "the GPU", s.name, Bytes(s.hbm_capacity_bytes),
      gpus < s.gpus_per_node ? fmt::format(" or more GPUs (--gpus up to {})", s.gpus_per_node) : ""));
}

}  // namespace wafersim::gpu
