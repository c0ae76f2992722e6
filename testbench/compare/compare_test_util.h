// Workloads and machines for the compare tests, built the way the command line builds them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "compare/comparison.h"
#include "fabric_config.h"
#include "gpu/preset_registry.h"
#include "workload/workload_keys.h"

namespace wafersim::compare::test {

/// A workload from flag-style settings, e.g. {{"model.preset", "llama3-70b"}, {"run.phase", "decode"}}.
inline workload::Workload MakeWorkload(const std::vector<std::pair<std::string, std::string>>& keys) {
  std::vector<workload::Setting> flags;
  for (const auto& [k, v] : keys) flags.push_back(workload::FlagSetting(k, v));
  return workload::ResolveWorkload({}, flags);
}

inline WaferMachine Wse3() {
  WaferMachine m;
  m.config = fabric::Preset("wse3");
  return m;
}

inline CompareRequest Request(const workload::Workload& w, int gpus = 8) {
  CompareRequest r;
  r.workload = w;
  r.wafer = Wse3();
  r.gpu = gpu::PresetRegistry::Get().Create("h100-sxm");
  r.gpus = gpus;
  return r;
}

}  // namespace wafersim::compare::test
