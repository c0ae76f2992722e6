#include "runtime/run_progress.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

namespace wafersim::runtime {

namespace {
// Kernels measured so far run at 65-90% of their bound (docs/mapping.md): the estimate
// assumes the middle of that.
constexpr double kAssumedEfficiency = 0.8;
constexpr double kFirstLine = 1.0;  // seconds before the first line: short runs print nothing
}  // namespace

RunProgress::RunProgress(double bound_cycles, double estimated_cycles)
    : bound_cycles_(bound_cycles), estimated_cycles_(estimated_cycles), start_(Clock::now()), last_print_(start_), tty_(isatty(fileno(stderr)) != 0) {}

void RunProgress::operator()(const fabric::TileGrid& grid) {
  Report(static_cast<double>(grid.Cycle()), grid.Config().clock_hz);
}

void RunProgress::Report(double cycles, double clock_hz) {
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (rate_from_cycles_ < 0) {
    rate_from_ = now;
    rate_from_cycles_ = cycles;
  }
  // The first line after a second; then on a terminal the line is redrawn every half second,
  // and in a log a line every 5 s, spaced out to a tenth of the time so far (at most 5 min
  // apart), so a week-long run's log stays short.
  const double every = tty_ ? 0.5 : std::min(300.0, std::max(5.0, elapsed / 10));
  if (elapsed < kFirstLine || (printed_ && std::chrono::duration<double>(now - last_print_).count() < every)) return;
  last_print_ = now;
  const double stepping = std::chrono::duration<double>(now - rate_from_).count();
  const double rate = stepping > 0 ? (cycles - rate_from_cycles_) / stepping : 0;
  std::string left = "time left unknown";
  if (rate <= 0) {
    left = "time left unknown until it steps a while";
  } else if (limit_cycles_ > 0 && estimated_cycles_ <= 0 && bound_cycles_ <= 0) {
    left = fmt::format("at most ~{:.0f} s left, to {}", std::max(0.0, limit_cycles_ - cycles) / rate, limit_);
  } else if (estimated_cycles_ > 0) {
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
                  cycles, cycles / clock_hz * 1e6, elapsed, rate, left);
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
