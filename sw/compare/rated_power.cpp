#include "compare/rated_power.h"

namespace wafersim::compare {

RatedPower RatedPowerOf(const std::string& machine) {
  std::string name = machine;
  if (name.size() > 3 && name.compare(name.size() - 3, 3, "-x8") == 0) name = name.substr(0, name.size() - 3);
  if (name == "wse2") return {23000, "Cerebras CS-2 system: up to 23 kW (Cerebras CS-2 datasheet)"};
  if (name == "wse3") {
    return {23000, "Cerebras CS-3 system: announced at the CS-2's power, up to 23 kW (assumed equal)"};
  }
  if (name == "h100-sxm") return {700, "NVIDIA H100 SXM5 datasheet: 700 W max TDP"};
  if (name == "h200") return {700, "NVIDIA H200 SXM datasheet: up to 700 W TDP"};
  if (name == "a100-80g") return {400, "NVIDIA A100 80GB SXM datasheet: 400 W TDP"};
  if (name == "mi300x") return {750, "AMD Instinct MI300X data sheet: 750 W peak board power"};
  return {0, "no published figure used"};
}

}  // namespace wafersim::compare
