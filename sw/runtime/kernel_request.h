// What the user asked to run: the kernel's shape and where on the fabric. Mappers read the
// fields their kernel needs and say which are wrong.
#pragma once

#include <cstdint>
#include <string>

namespace wafersim::runtime {

struct KernelRequest {
  std::string kernel = "gemv";
  int64_t m = 0, n = 0, k = 0;  ///< shape: y (m) = W (m x n) x (n); GEMM adds k
  int region_width = 0;         ///< tiles the mapping may use (0: the whole mesh)
  int region_height = 0;
  uint64_t seed = 1;            ///< for the random inputs
  std::string dtype = "f32";    ///< storage of the operands: f32, or f16 (binary32 accumulation)
};

}  // namespace wafersim::runtime
