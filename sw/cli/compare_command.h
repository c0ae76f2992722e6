// `wafersim compare`: a workload (model, phase, batch, lengths) on the wafer and on an HBM GPU
// node side by side (sw/compare/): time per output token and tokens/s, or time to first token;
// utilization, bound, memory, energy per token, the time per kernel; --plots draws a roofline and
// the time breakdown.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

void AddCompareCommand(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
