#include "router_errors.h"

#include <fmt/format.h>

namespace wafersim::noc {

std::string RouterErrorText(uint32_t err_bits) {
  static const char* const kNames[] = {"illegal route write", "wavelet on an unimplemented color",
                                       "dynamic packet framing error"};
  std::string out;
  for (int b = 0; b < 3; ++b) {
    if ((err_bits >> b) & 1) out += fmt::format("{}{}", out.empty() ? "" : "; ", kNames[b]);
  }
  return out;
}

}  // namespace wafersim::noc
