// The model presets, one function per file, each figure with its source. Registered by name in
// model_registry.cpp.
#pragma once

#include "workload/model_shape.h"

namespace wafersim::workload::models {

ModelShape Llama3_8B();
ModelShape Llama32_1B();
ModelShape Olmoe1B7B();
ModelShape Llama3_70B();
ModelShape Gpt3_175B();
ModelShape Mixtral8x22B();
ModelShape DeepSeekV2();
ModelShape DeepSeekV3();

}  // namespace wafersim::workload::models
