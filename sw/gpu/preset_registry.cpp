#include "gpu/preset_registry.h"

#include <stdexcept>

#include <fmt/format.h>

#include "gpu/presets/presets.h"

namespace wafersim::gpu {

PresetRegistry::PresetRegistry() {
  // The table: a new preset is one line here and one file in presets/.
  const std::vector<std::pair<std::string, std::function<GpuSpec()>>> table = {
      {"h100-sxm", presets::H100Sxm}, {"h200", presets::H200},        {"a100-80g", presets::A100_80G},
      {"mi300x", presets::Mi300x},    {"tpu-v5e", presets::TpuV5e},
  };
  for (const auto& [name, make] : table) Add(name, make);
  for (const auto& [name, make] : table) {
    const GpuSpec base = make();
    if (base.gpus_per_node < 2) continue;
    Add(fmt::format("{}-x{}", name, base.gpus_per_node), [make, name = name] {
      GpuSpec s = make();
      s.gpus = s.gpus_per_node;
      s.description = fmt::format("{} x {} in one node ({:.0f} GB/s per GPU per direction)", s.gpus_per_node,
                                  name, s.link_bytes_per_s / 1e9);
      s.name = fmt::format("{}-x{}", name, s.gpus_per_node);
      return s;
    });
  }
}

const PresetRegistry& PresetRegistry::Get() {
  static const PresetRegistry registry;
  return registry;
}

void PresetRegistry::Add(const std::string& name, std::function<GpuSpec()> make) {
  if (!entries_.count(name)) order_.push_back(name);
  entries_[name] = std::move(make);
}

GpuSpec PresetRegistry::Create(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw std::invalid_argument(
        fmt::format("--preset {}: unknown GPU preset (known: {})", name, fmt::join(order_, ", ")));
  }
  GpuSpec s = it->second();
  s.name = name;
  ValidateGpuSpec(s);
  return s;
}

std::vector<std::string> PresetRegistry::Names() const { return order_; }

std::string PresetRegistry::Description(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? "" : it->second().description;
}

}  // namespace wafersim::gpu
