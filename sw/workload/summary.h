// Everything a workload implies, in one JSON object (what `wafersim workload --json` writes):
// the model's shape, parameters, weight and KV-cache bytes, FLOPs per token, and the kernels of
// each kind of layer it runs.
#pragma once

#include <nlohmann/json.hpp>

#include "workload/layer_kernels.h"
#include "workload/model_shape.h"
#include "workload/workload.h"

namespace wafersim::workload {

/// The model's dimensions.
nlohmann::json ModelShapeJson(const ModelShape& m);
/// One kernel: name, kind, its shape fields, flops, weight and KV bytes.
nlohmann::json KernelJson(const Kernel& k);
/// The workload and all its derived quantities.
nlohmann::json WorkloadJson(const Workload& w);

}  // namespace wafersim::workload
