// One function per preset; each file holds the figures and where they come from.
#pragma once

#include "gpu/gpu_spec.h"

namespace wafersim::gpu::presets {

GpuSpec H100Sxm();
GpuSpec H200();
GpuSpec A100_80G();
GpuSpec Mi300x();
GpuSpec TpuV5e();

}  // namespace wafersim::gpu::presets
