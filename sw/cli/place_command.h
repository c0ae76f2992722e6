// `wafersim place`: a whole model placed on one wafer with every weight resident (sw/placement/):
// its regions, what each holds and what each costs per decode step by its plan; --json writes
// the placement, --png draws the wafer's map (regions colored by kind).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

void AddPlaceCommand(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
