// wafersim compare: one workload on the wafer (wafer_model.h) and on a GPU node
// (gpu_node_model.h), with the same counted operations priced by one energy table.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "compare/cycle_overrides.h"
#include "compare/energy_table.h"
#include "compare/gpu_node_model.h"
#include "compare/wafer_model.h"
#include "gpu/gpu_spec.h"
#include "workload/workload.h"

namespace wafersim::compare {

struct CompareRequest {
  workload::Workload workload;
  WaferMachine wafer;
  WaferOptions wafer_options;
  CycleOverrides overrides;
  gpu::GpuSpec gpu;
  int gpus = 0;  ///< 0: the whole node
  EnergyTable energy = EnergyTable::Default();
};

struct Comparison {
  workload::Workload workload;
  WaferResults wafer;
  MachineResult gpu;
};

Comparison Compare(const CompareRequest& req);
/// The comparison as JSON: the workload, both machines (the wafer's chosen mode as "wafer", the
/// other mode beside it), the energy table.
nlohmann::json ComparisonJson(const Comparison& c, const EnergyTable& energy);

}  // namespace wafersim::compare
