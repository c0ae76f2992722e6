// `wafersim tile`: run a PE program on one Verilated RTL tile (core and router), with its
// SRAM model; waves on request.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

void AddTileCommand(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
