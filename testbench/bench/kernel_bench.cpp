// Cycle counts of the first firmware on one RTL tile (in lockstep with the reference model),
// against each kernel's lower bound on the tile: one binary32 element per cycle through the
// tensor path (four binary16 lanes), one wavelet per cycle from the fabric.
// Usage: kernel_bench
#include <fmt/format.h>

#include "tile/kernel_cases.h"

using namespace wafersim::tb;

int main() {
  fmt::print("{:<16} {:>10} {:>9} {:>9} {:>8} {:>9} {:>10}  {}\n", "kernel", "size", "cycles", "bound",
             "eff", "instrs", "max err", "error measure");
  auto row = [](const KernelOutcome& o, const char* measure) {
    fmt::print("{:<16} {:>10} {:>9} {:>9.0f} {:>7.1f}% {:>9} {:>10.2e}  {}\n", o.kernel, o.size,
               o.stats.cycles, o.bound, 100.0 * o.bound / o.stats.cycles, o.stats.retired, o.max_error,
               measure);
  };
  row(RunDot(1024), "of the sum of |x*y|");
  row(RunAxpy(1024), "relative");
  row(RunGemvRows(32, 256, false), "of the sum of |w*x|, per row");
  row(RunGemvRows(32, 256, true), "of the sum of |w*x|, per row");
  row(RunRecvMac(1024), "relative");
  row(RunReduce(1024), "sum, of the sum of |x|");
  row(RunExp(RandomFloats(256, 10, -20, 20)), "ulps");
  row(RunSoftmax(256), "relative");
  fmt::print("bound: elements through the tensor path at one per cycle (binary16: four per cycle);\n"
             "exp and softmax are bounded by their tensor passes only (their exp is scalar).\n");
  return 0;
}
