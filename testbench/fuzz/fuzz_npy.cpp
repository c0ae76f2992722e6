// The .npy reader (sw/plan/npy.h): any file either reads or is refused with
// std::invalid_argument ("PATH: reason"); an array read holds as many values as its shape says.
#include <cstdint>

#include "fuzz_input.h"
#include "plan/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = wafersim::fuzz::WriteInput("x.npy", data, size);
  try {
    const auto a = wafersim::plan::ReadNpy(path);
    uint64_t count = 1;
    for (const int64_t d : a.shape) {
      if (d < 0 || __builtin_mul_overflow(count, static_cast<uint64_t>(d), &count)) __builtin_trap();
    }
    if (a.shape.empty() || count != a.values.size()) __builtin_trap();
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
