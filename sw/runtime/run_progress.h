// Progress of a long run on the terminal: cycles done, simulated time, speed, and the time
// left if the run takes the mapper's estimate, or else ends near its lower bound. Quiet for the first two seconds, so short runs
// print nothing.
#pragma once

#include <chrono>
#include <cstdint>

#include "tile_grid.h"

namespace wafersim::runtime {

class RunProgress {
 public:
  /// `bound_cycles`: the kernel's lower bound on this fabric (0: unknown); `estimated_cycles`:
  /// the mapper's estimate of the run (0: none; then the bound at an assumed efficiency).
  explicit RunProgress(double bound_cycles, double estimated_cycles = 0);
  /// Called by the fabric every kProgressCycles cycles.
  void operator()(const fabric::TileGrid& grid);
  /// Ends the progress line, if one was printed.
  void Finish();

 private:
  using Clock = std::chrono::steady_clock;
  double bound_cycles_, estimated_cycles_;
  Clock::time_point start_, last_print_;
  bool printed_ = false;
  bool tty_;
};

}  // namespace wafersim::runtime
