// Ctrl-C during a run: the first SIGINT asks the fabric to stop at the end of the cycle, so
// the run ends cleanly with its statistics so far; a second one ends the process at once.
#pragma once

namespace wafersim::fabric {

/// Routes SIGINT to RequestInterrupt (once per process; later calls do nothing).
void InstallInterruptHandler();
void RequestInterrupt();
bool InterruptRequested();
/// Forgets a request (before the next run).
void ClearInterrupt();

}  // namespace wafersim::fabric
