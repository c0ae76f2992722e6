// `wafersim demo`: the main job on an embedded default (what scripts/demo runs).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

void AddDemoCommand(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
