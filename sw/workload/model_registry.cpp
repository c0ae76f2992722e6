#include "workload/model_registry.h"

#include <fmt/format.h>

#include "workload/key_error.h"
#include "workload/models/models.h"

namespace wafersim::workload {

ModelRegistry::ModelRegistry() {
  // The table: a new preset is one line here and one file in models/.
  const std::vector<std::pair<std::string, std::function<ModelShape()>>> table = {
      {"llama3-8b", models::Llama3_8B},         {"llama3-70b", models::Llama3_70B},
      {"gpt3-175b", models::Gpt3_175B},         {"mixtral-8x22b", models::Mixtral8x22B},
      {"deepseek-v2", models::DeepSeekV2},      {"deepseek-v3", models::DeepSeekV3},
      {"llama3.2-1b", models::Llama32_1B},      {"olmoe-1b-7b", models::Olmoe1B7B},
  };
  for (const auto& [name, make] : table) {
    order_.push_back(name);
    entries_[name] = make;
  }
}

const ModelRegistry& ModelRegistry::Get() {
  static const ModelRegistry registry;
  return registry;
}

ModelShape ModelRegistry::Create(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw KeyError("model.preset", name, fmt::format("unknown model (known: {})", fmt::join(order_, ", ")));
  }
  ModelShape m = it->second();
  m.name = name;
  ValidateModelShape(m);
  return m;
}

}  // namespace wafersim::workload
