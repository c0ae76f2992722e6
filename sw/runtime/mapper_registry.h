// Kernel mappers by name: a new mapper is one file that registers itself here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

using Mapper = std::function<KernelMapping(const KernelRequest&, const fabric::FabricConfig&)>;
/// Builds the kernel's Plan (plan/plan.h), which `map` lowers: what `--emit-plan` writes out.
using PlanBuilder = std::function<plan::Plan(const KernelRequest&, const fabric::FabricConfig&)>;

struct MapperInfo {
  std::string name;
  std::string summary;
  Mapper map;
  PlanBuilder build_plan = nullptr;  ///< empty for a kernel that is not yet a Plan builder
};

const std::vector<MapperInfo>& Mappers();
/// Throws std::invalid_argument listing the known kernels when `name` is not one.
const MapperInfo& FindMapper(const std::string& name);
/// The kernels with a Plan builder, ", "-separated ("gemv").
std::string PlanBuilderNames();

}  // namespace wafersim::runtime
