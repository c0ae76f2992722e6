#include "run_interrupt.h"

#include <atomic>
#include <csignal>
#include <cstdlib>

namespace wafersim::fabric {

namespace {
std::atomic<bool> g_requested{false};

extern "C" void OnInterrupt(int) {
  if (g_requested.exchange(true)) std::_Exit(130);
}
}  // namespace

void InstallInterruptHandler() {
  static const bool installed = [] {
    std::signal(SIGINT, OnInterrupt);
    return true;
  }();
  (void)installed;
}

void RequestInterrupt() { g_requested = true; }
bool InterruptRequested() { return g_requested.load(std::memory_order_relaxed); }
void ClearInterrupt() { g_requested = false; }

}  // namespace wafersim::fabric
