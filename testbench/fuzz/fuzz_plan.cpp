// The plan file reader (sw/plan/plan_file.h), on the TOML text: the input is plan.toml in a
// folder that holds the example plan's .npy files and program (firmware/plans/scaled_dot), so
// the fuzzer reaches past the tensors it names. The .npy reader has its own harness
// (fuzz_npy.cpp). Any file either reads or is refused with std::invalid_argument
// ("FILE:LINE: KEY: reason").
#include <cstdint>
#include <filesystem>

#include "fuzz_input.h"
#include "plan/plan_file.h"

#ifndef WAFERSIM_FUZZ_PLAN_DIR
#error "WAFERSIM_FUZZ_PLAN_DIR: the example plan's folder"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const bool copied = [] {
    for (const auto& e : fs::directory_iterator(WAFERSIM_FUZZ_PLAN_DIR)) {
      if (e.path().extension() == ".npy" || e.path().extension() == ".s") {
        fs::copy_file(e.path(), wafersim::fuzz::ScratchDir() / e.path().filename(),
                      fs::copy_options::overwrite_existing);
      }
    }
    return true;
  }();
  (void)copied;
  const std::string path = wafersim::fuzz::WriteInput("plan.toml", data, size);
  try {
    (void)wafersim::plan::ReadPlanFile(path);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
