#include "wavelet.h"

#include <fmt/format.h>

namespace wafersim::noc {

const char* DirName(Dir d) {
  static const char* const kNames[] = {"North", "East", "South", "West", "Local"};
  return kNames[static_cast<int>(d)];
}

std::string Wavelet::ToString() const {
  return fmt::format("{{data=0x{:08x} color={}{}{}{}}}", data, color, ctrl ? " ctrl" : "",
                     head ? " head" : "", tail ? " tail" : "");
}

}  // namespace wafersim::noc
