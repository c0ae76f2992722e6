// What a machine draws at its rating, for an upper bound on energy per token beside the
// counted (dynamic) energy: the counted operations leave out idle and static power, which on
// a lightly used machine (decode at batch 1) is most of the bill.
#pragma once

#include <string>

namespace wafersim::compare {

struct RatedPower {
  double watts = 0;    ///< per device (wafer system or GPU board); 0 when no figure is known
  std::string source;
};

/// By preset name ("wse3", "h100-sxm", "h100-sxm-x8", ...).
RatedPower RatedPowerOf(const std::string& machine);

}  // namespace wafersim::compare
