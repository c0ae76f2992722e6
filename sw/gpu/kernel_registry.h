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
  std::string flags;        ///< the shape flags it reads, for --list
  KernelFn run;
};

class KernelRegistry {
 public:
  static const KernelRegistry& Get();
  void Add(KernelInfo info);
  /// Throws std::invalid_argument naming --kernel and the known kernels.
  const KernelInfo& Find(const std::string& name) const;
  std::vector<std::string> Names() const;  ///< in registration order
  KernelResult Run(const std::string& name, const GpuSpec& s, const KernelParams& p) const;

 private:
  KernelRegistry();
  std::vector<std::string> order_;
  std::map<std::string, KernelInfo> entries_;
};

}  // namespace wafersim::gpu
