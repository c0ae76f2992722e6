// The PE programs of firmware/ built into the binary, so that it assembles the mappers'
// programs (and a user's plan that includes them) without the source checkout. Names are
// paths under firmware/: "kernels/gemv_tile.s".
#pragma once

#include <string>
#include <vector>

namespace wafersim::firmware {

/// The text of the built-in program `name`, or nullptr when there is none.
const std::string* FindBuiltIn(const std::string& name);
/// Every built-in program's name, sorted.
std::vector<std::string> BuiltInNames();

}  // namespace wafersim::firmware
