// Ctrl-C in a command: while it sets up (reads, maps, builds the grid) the first SIGINT ends the
// process at once with exit 130 and one line, since there are no figures yet to report; once
// its outputs may be written or its run is under way (DeferInterrupts), the first SIGINT asks
// the run to stop at the end of the cycle, so it ends cleanly with its statistics so far, and a
// second one ends the process at once. Commands install the handler first thing.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace wafersim::fabric {

/// Routes SIGINT here, in setup mode (a SIGINT ends the process: exit 130, "interrupted during
/// setup"). Call it first thing in a command; a later call sets setup mode again.
void InstallInterruptHandler();
/// From here on a SIGINT only asks to stop (InterruptRequested); a request made during setup is
/// kept. Call it before writing any output or starting a run.
void DeferInterrupts();
void RequestInterrupt();
bool InterruptRequested();
/// Forgets a request (tests; a command keeps a request made during its setup).
void ClearInterrupt();

/// Thrown between the steps of a command once it has seen a request (ThrowIfInterrupted); main
/// reports it in one line and exits 130.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Throws Interrupted ("interrupted (Ctrl-C) <where>") if a stop was requested.
void ThrowIfInterrupted(const char* where);

/// When a cycle loop should look at the wall clock (progress lines): every `stride` cycles,
/// the stride doubled while the reads come less than a millisecond apart and halved while they
/// come more than 50 ms apart, so a slow cycle (a big mesh of RTL tiles) is looked at every
/// cycle and a fast one costs a clock read per thousand or so.
class ClockStride {
 public:
  /// True when the loop should read the clock at this cycle.
  bool Due(uint64_t cycle) {
    if (cycle < next_) return false;
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - last_).count();
    if (dt < 1e-3 && stride_ < kMaxStride) stride_ *= 2;
    if (dt > 5e-2 && stride_ > 1) stride_ /= 2;
    last_ = now;
    next_ = cycle + stride_;
    return true;
  }

 private:
  static constexpr uint64_t kMaxStride = 4096;
  uint64_t stride_ = 1, next_ = 0;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace wafersim::fabric
