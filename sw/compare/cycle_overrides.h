// The seam where simulated per-layer cycles replace the wafer model's estimates. The wafer model
// estimates each kernel's cycles from the GEMV mapping's simulated small runs (gemv_cost.h); once
// the fast tile model simulates whole layers, its cycles go into a file
//
//   {"kernels": {"attn.qkv_proj": {"fixed_cycles": 412, "token_cycles": 5120}, ...}}
//
// (`wafersim compare --layer-cycles FILE`), and every kernel named there takes the simulated
// figures instead of the estimate, labelled "simulated" in the output.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "compare/gemv_cost.h"

namespace wafersim::compare {

class CycleOverrides {
 public:
  /// Reads the file; throws std::invalid_argument naming the file and what is wrong.
  static CycleOverrides Load(const std::string& path);
  void Set(const std::string& kernel, StageCost cost) { by_kernel_[kernel] = cost; }
  std::optional<StageCost> Find(const std::string& kernel) const;
  bool Empty() const { return by_kernel_.empty(); }

 private:
  std::map<std::string, StageCost> by_kernel_;
};

}  // namespace wafersim::compare
