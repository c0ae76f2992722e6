// `wafersim gpu`: a kernel on the HBM GPU model (sw/gpu/): cycles and time, TFLOP/s, HBM traffic
// and bandwidth, and what bounds it; `--list` shows the presets and kernels.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

void AddGpuCommand(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
