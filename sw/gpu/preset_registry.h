// GPU presets by name. A preset is one file in presets/ (a function returning its GpuSpec, every
// figure with its source) and one line in the table of preset_registry.cpp. Every preset whose
// node links several GPUs also gets a node variant "<name>-x<gpus_per_node>" using all of them.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gpu/gpu_spec.h"

namespace wafersim::gpu {

class PresetRegistry {
 public:
  static const PresetRegistry& Get();
  /// Throws std::invalid_argument naming --preset and the known presets when `name` is not one.
  GpuSpec Create(const std::string& name) const;
  std::vector<std::string> Names() const;  ///< in registration order
  std::string Description(const std::string& name) const;

 private:
  PresetRegistry();
  void Add(const std::string& name, std::function<GpuSpec()> make);
  std::vector<std::string> order_;
  std::map<std::string, std::function<GpuSpec()>> entries_;
};

}  // namespace wafersim::gpu
