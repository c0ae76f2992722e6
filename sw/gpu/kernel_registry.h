// Kernel models by name. A kernel is one file in kernels/ with a Register function, and one line
// in the list of kernel_registry.cpp. The registry fills in what every result shares (preset,
// GPUs, clock, time, peaks) after the model has counted cycles.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gpu/gpu_spec.h"
#include "gpu/kernel.h"

namespace wafersim::gpu {

using KernelFn = std::function<KernelResult(const GpuSpec&, const KernelParams&)>;

struct KernelInfo {
  std::string name;
  std::string description;  ///< one line for --list
  /// The flags it reads, for --list; `wafersim gpu` refuses any other kernel flag given.
  std::string flags;
  KernelFn run;
  /// Bytes one GPU holds in its HBM at once for the kernel: its operands and results (the
  /// busiest GPU's share on a node). Checked against the preset's HBM before the model runs;
  /// null where a kernel does not say.
  std::function<double(const GpuSpec&, const KernelParams&)> footprint;
};

class KernelRegistry {
 public:
  static const KernelRegistry& Get();
  void Add(KernelInfo info);
  /// Throws std::invalid_argument naming --kernel and the known kernels.
  const KernelInfo& Find(const std::string& name) const;
  std::vector<std::string> Names() const;  ///< in registration order
  KernelResult Run(const std::string& name, const GpuSpec& s, const KernelParams& p) const;
  /// Throws std::invalid_argument when the kernel's operands and results do not fit one GPU's
  /// HBM (KernelInfo::footprint), naming the bytes, the preset and its capacity.
  void CheckFits(const std::string& name, const GpuSpec& s, const KernelParams& p) const;

 private:
  KernelRegistry();
  std::vector<std::string> order_;
  std::map<std::string, KernelInfo> entries_;
};

}  // namespace wafersim::gpu
