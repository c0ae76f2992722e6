// Progress of a long run on the terminal: cycles done, simulated time, speed, and the time
// left if the run takes the mapper's estimate, or else ends near its lower bound, or else at
// most to its cycle limit. By wall time: quiet for the first second, so short runs print
// nothing; then a line redrawn twice a second on a terminal, or a line every 5 s or more in a log.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "tile_grid.h"

namespace wafersim::runtime {

class RunProgress {
 public:
  /// `bound_cycles`: the kernel's lower bound on this fabric (0: unknown); `estimated_cycles`:
  /// the mapper's estimate of the run (0: none; then the bound at an assumed efficiency).
  explicit RunProgress(double bound_cycles, double estimated_cycles = 0);
  /// Called by the fabric every few milliseconds (RunOptions::progress).
  void operator()(const fabric::TileGrid& grid);
  /// The same for any cycle loop: `cycles` done so far at `clock_hz`; prints when a line is due.
  void Report(double cycles, double clock_hz);
  /// With neither a bound nor an estimate: the time left is at most to `cycles`, described as
  /// `text` ("--cycles 1000000").
  void SetLimit(double cycles, std::string text) {
    limit_cycles_ = cycles;
    limit_ = std::move(text);
  }
  /// Ends the progress line, if one was printed.
  void Finish();

 private:
  using Clock = std::chrono::steady_clock;
  double bound_cycles_, estimated_cycles_;
  double limit_cycles_ = 0;
  std::string limit_;
  Clock::time_point start_, last_print_;
  // The rate is measured from the first report on (when the grid is built and stepping), not
  // from start_: a wafer's set-up takes seconds before its first cycle.
  Clock::time_point rate_from_;
  double rate_from_cycles_ = -1;
  bool printed_ = false;
  bool tty_;
};

}  // namespace wafersim::runtime
