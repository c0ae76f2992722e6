#include "runtime/run_progress.h"

#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

namespace wafersim::runtime {

namespace {
// Kernels measured so far run at 65-90% of their bound (docs/mapping.md): the estimate
// assumes the middle of that.
constexpr double kAssumedEfficiency = 0.8;
constexpr double kQuietSeconds = 2.0;
}  // namespace

RunProgress::RunProgress(double bound_cycles, double estimated_cycles)
    : bound_cycles_(bound_cycles), estimated_cycles_(estimated_cycles), start_(Clock::now()), last_print_(start_), tty_(isatty(fileno(stderr)) != 0) {}

void RunProgress::operator()(const fabric::TileGrid& grid) {
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  // On a terminal the line is redrawn every half second; in a log, one line every 10 s.
  const double every = tty_ ? 0.5 : 10.0;
  if (elapsed < kQuietSeconds || std::chrono::duration<double>(now - last_print_).count() < every) return;
  last_print_ = now;
  const double cycles = static_cast<double>(grid.Cycle());
  const double rate = cycles / elapsed;
  std::string left = "time left unknown";
  if (estimated_cycles_ > 0) {
    // A latency-bound run (a wafer's chains of hops) can take many times its compute bound:
    // the mapper's estimate knows the hops.
    left = cycles < estimated_cycles_
               ? fmt::format("~{:.0f} s left if it takes the mapper's estimate ({:.0f} cycles)",
                             (estimated_cycles_ - cycles) / rate, estimated_cycles_)
               : fmt::format("past the mapper's estimate ({:.0f} cycles)", estimated_cycles_);
  } else if (bound_cycles_ > 0) {
    const double expected = bound_cycles_ / kAssumedEfficiency;
    left = cycles < expected ? fmt::format("~{:.0f} s left if it ends at {:.0f}% of its bound ({:.0f} cycles)",
                                           (expected - cycles) / rate, 100 * kAssumedEfficiency, expected)
                             : fmt::format("past {:.0f}% of its bound ({:.0f} cycles)", 100 * kAssumedEfficiency,
                                           expected);
  }
  const std::string line =
      fmt::format("  running    cycle {:.0f} ({:.2f} us simulated), {:.1f} s, {:.0f} cycles/s; {}; Ctrl-C stops",
                  cycles, cycles / grid.Config().clock_hz * 1e6, elapsed, rate, left);
  if (tty_) {
    fmt::print(stderr, "\r{}\033[K", line);
  } else {
    fmt::print(stderr, "{}\n", line);
  }
  std::fflush(stderr);
  printed_ = true;
}

void RunProgress::Finish() {
  if (printed_ && tty_) fmt::print(stderr, "\n");
  printed_ = false;
}

}  // namespace wafersim::runtime
