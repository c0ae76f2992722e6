// The first firmware's kernels, each run once on the RTL tile (in lockstep with the
// reference model) on random inputs and measured against a double-precision reference.
// The tests assert on the outcomes; kernel_bench prints them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tile/lockstep.h"

namespace wafersim::tb {

struct KernelOutcome {
  std::string kernel;
  std::string size;
  LockstepStats stats;
  double bound = 0;       ///< lower bound on cycles: elements through the tensor path per cycle
  double max_error = 0;   ///< worst error against double precision (see each kernel)
  bool exact = true;      ///< every element equals the binary32 reference bit for bit (fma kernels)
};

KernelOutcome RunDot(size_t n);                 ///< error relative to the sum of |x*y|
KernelOutcome RunAxpy(size_t n);                ///< relative error; exact against fmaf
KernelOutcome RunGemvRows(int rows, int cols, bool f16);  ///< per row, relative to sum |w*x|
KernelOutcome RunRecvMac(size_t n);             ///< relative error; exact against fmaf
KernelOutcome RunReduce(size_t n);              ///< sum relative to sum |x|; exact = max exact
KernelOutcome RunExp(const std::vector<float>& x);  ///< relative error in ulps of the result
KernelOutcome RunSoftmax(size_t n);             ///< relative error; bound: its tensor passes

std::vector<float> RandomFloats(size_t n, uint64_t seed, float lo, float hi);

}  // namespace wafersim::tb
