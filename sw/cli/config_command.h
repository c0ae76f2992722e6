// `wafersim config`: the fabric configuration a run would use (a preset and/or a TOML file),
// its documented keys, and what it adds up to.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

void AddConfigCommand(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
