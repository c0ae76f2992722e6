// Kernel mappers by name: a new mapper is one file that registers itself here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fabric_config.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

using Mapper = std::function<KernelMapping(const KernelRequest&, const fabric::FabricConfig&)>;

struct MapperInfo {
  std::string name;
  std::string summary;
  Mapper map;
};

const std::vector<MapperInfo>& Mappers();
/// Throws std::invalid_argument listing the known kernels when `name` is not one.
const MapperInfo& FindMapper(const std::string& name);

}  // namespace wafersim::runtime
