// The fabric TOML (sw/runtime/fabric_file.h over systemc/fabric_config.h): any file either gives a checked configuration or
// is refused with std::invalid_argument ("file:line: key: rule").
#include <cstdint>

#include "fabric_config.h"
#include "fuzz_input.h"
#include "runtime/fabric_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fabric = wafersim::fabric;
  static const fabric::FabricConfig base = fabric::Preset("small");
  const std::string path = wafersim::fuzz::WriteInput("fabric.toml", data, size);
  try {
    const fabric::FabricConfig c = fabric::LoadFabricConfig(path, base);
    (void)c.TotalSramBytes();
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
