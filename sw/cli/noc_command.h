// `wafersim noc`: synthetic traffic on a mesh of routers (fast or Verilated RTL, --routers).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

/// Adds the subcommand; `run` is set to what executing it does (returns the exit code).
void AddNocCommand(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
