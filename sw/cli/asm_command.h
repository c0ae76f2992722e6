// `wafersim asm` and `wafersim disasm`: PE programs to and from their binary form.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

void AddAsmCommands(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
