// `wafersim workload`: a workload description (a model preset or explicit dimensions, phase,
// batch, sequence lengths, number format, layers) and what it adds up to: parameters, weight and
// KV-cache bytes, FLOPs per token, and each kind of layer's kernels with their shapes.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

void AddWorkloadCommand(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
