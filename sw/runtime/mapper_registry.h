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

/// The `run` flags a kernel reads for a request (besides --kernel and --seed, which every
/// kernel takes): `run` refuses the others rather than ignore them.
using KernelFlags = std::function<std::vector<std::string>(const KernelRequest&)>;
/// Elements of a request's data (weights, inputs, outputs, cache) as the host holds them: the
/// host memory check before mapping (runtime/run_setup.h). A double: shapes overflow int64.
using DataElements = std::function<double(const KernelRequest&)>;

struct MapperInfo {
  std::string name;
  std::string summary;
  Mapper map;
  PlanBuilder build_plan = nullptr;  ///< empty for a kernel that is not yet a Plan builder
  KernelFlags flags = nullptr;
  DataElements data_elements = nullptr;
};

const std::vector<MapperInfo>& Mappers();
/// Throws std::invalid_argument listing the known kernels when `name` is not one.
const MapperInfo& FindMapper(const std::string& name);
/// Throws std::invalid_argument when a flag in `given` (as typed: "--fit") is a kernel flag the
/// mapper does not read for this request, naming the flag, the kernel and the flags it takes.
void CheckKernelFlags(const MapperInfo& mapper, const KernelRequest& request, const std::vector<std::string>& given);
/// Every kernel flag of `run` that some mapper reads (--m, --fit, --region, ...).
const std::vector<std::string>& AllKernelFlags();

/// The kernels with a Plan builder, ", "-separated ("gemv").
std::string PlanBuilderNames();

}  // namespace wafersim::runtime
