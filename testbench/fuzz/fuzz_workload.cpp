// The workload TOML (sw/workload): any file either gives a checked workload, whose derived
// figures (`wafersim workload --json`) are then computed, or is refused with
// std::invalid_argument ("file:line: key ...").
#include <cstdint>

#include "fuzz_input.h"
#include "io/file_io.h"
#include "workload/summary.h"
#include "workload/workload_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace wl = wafersim::workload;
  const std::string path = wafersim::fuzz::WriteInput("workload.toml", data, size);
  try {
    const wl::Workload w = wl::LoadWorkload(path);
    (void)wl::WorkloadJson(w).dump();
  } catch (const std::invalid_argument&) {
  } catch (const wafersim::io::FileError&) {
  }
  return 0;
}
