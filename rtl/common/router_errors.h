// The router's sticky error bits (mesh_pkg::Err*) as text, for the router mesh, the fabric
// and the testbenches alike.
#pragma once

#include <cstdint>
#include <string>

namespace wafersim::noc {

/// The sticky error bits of a router (mesh_pkg::Err*) as text, "; "-separated.
std::string RouterErrorText(uint32_t err_bits);

}  // namespace wafersim::noc
