#include "run_interrupt.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

#include <unistd.h>

namespace wafersim::fabric {

namespace {
std::atomic<bool> g_requested{false};
std::atomic<bool> g_setup{true};

extern "C" void OnInterrupt(int) {
  if (g_setup.load()) {
    // Only async-signal-safe calls here: write and _Exit.
    static const char kLine[] =
        "wafersim: error: interrupted (Ctrl-C) during setup, before anything ran or was written\n";
    const ssize_t ignored = write(STDERR_FILENO, kLine, sizeof kLine - 1);
    (void)ignored;
    std::_Exit(130);
  }
  if (g_requested.exchange(true)) std::_Exit(130);
}
}  // namespace

void InstallInterruptHandler() {
  g_setup = true;
  static const bool installed = [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = OnInterrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    return true;
  }();
  (void)installed;
}

void DeferInterrupts() { g_setup = false; }
void RequestInterrupt() { g_requested = true; }
bool InterruptRequested() { return g_requested.load(std::memory_order_relaxed); }
void ClearInterrupt() { g_requested = false; }

void ThrowIfInterrupted(const char* where) {
  if (InterruptRequested()) throw Interrupted(std::string("interrupted (Ctrl-C) ") + where);
}

}  // namespace wafersim::fabric
