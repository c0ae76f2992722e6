// Simulation speed of `wafersim noc` on both router models: simulated cycles per second of
// the Verilated RTL routers and of the FastRouters, and their ratio, for 8x8 and 32x32 meshes
// at light, moderate and past-saturation load, measured in one run (the models take turns;
// the fastest of three runs of each, in CPU time). Both models must give identical statistics (every field but the wall time),
// or the program fails.
// Usage: noc_bench [--quick]      (--quick: a quarter of the cycles, one run each)
#include <algorithm>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "noc/noc_sim.h"

using namespace wafersim::noc;

namespace {
double ThreadSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

bool SameStatistics(const NocResult& a, const NocResult& b) {
  return a.offered_rate == b.offered_rate && a.accepted_rate == b.accepted_rate &&
         a.avg_latency_cycles == b.avg_latency_cycles && a.p99_latency_cycles == b.p99_latency_cycles &&
         a.max_latency_cycles == b.max_latency_cycles &&
         a.avg_network_latency_cycles == b.avg_network_latency_cycles && a.avg_hops == b.avg_hops &&
         a.packets == b.packets && a.packets_measured == b.packets_measured && a.stable == b.stable &&
         a.cycles_simulated == b.cycles_simulated && a.skipped_eval_fraction == b.skipped_eval_fraction &&
         a.tag_waits == b.tag_waits;
}
}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int repeats = quick ? 1 : 3;
  fmt::print("wafersim noc simulation speed, RTL and fast routers (uniform traffic, 4-flit packets, "
             "2 colors x 8 deep; one thread, fastest of {} in CPU time)\n", repeats);
  fmt::print("{:>6} {:>6} {:>9} {:>7} {:>10} {:>11} {:>14} {:>10} {:>6}\n", "mesh", "rate", "accepted",
             "cycles", "idle-skip", "rtl cyc/s", "fast cyc/s", "fast/rtl", "same");
  bool all_same = true;
  for (int k : {8, 32}) {
    for (double rate : {0.01, 0.2, 0.8}) {
      NocConfig c;
      c.width = c.height = k;
      c.rate = rate;
      c.packet_flits = 4;
      c.buffer_depth = 8;
      c.cycles = (k == 8 ? 4000 : 400) / (quick ? 4 : 1);
      c.warmup = c.cycles / 4;
      c.drain = 1;  // measure the fixed window only
      // The models take turns, `repeats` runs each of the same configuration; each model's
      // fastest run counts. Time is the thread's CPU time, so that other work on the machine
      // does not count (it still shares the caches).
      NocResult rtl, fast;
      double rtl_cps = 0, fast_cps = 0;
      for (int i = 0; i < repeats; ++i) {
        for (RouterModel m : {RouterModel::Rtl, RouterModel::Fast}) {
          c.routers = m;
          const double t0 = ThreadSeconds();
          const NocResult r = RunNoc(c);
          const double cps = r.cycles_simulated / (ThreadSeconds() - t0);
          (m == RouterModel::Rtl ? rtl : fast) = r;
          double& best = m == RouterModel::Rtl ? rtl_cps : fast_cps;
          best = std::max(best, cps);
        }
      }
      const bool same = SameStatistics(rtl, fast);
      all_same = all_same && same;
      fmt::print("{:>6} {:>6.2f} {:>9.3f} {:>7} {:>9.0f}% {:>11.0f} {:>14.0f} {:>9.1f}x {:>6}\n",
                 fmt::format("{}x{}", k, k), rate, rtl.accepted_rate, rtl.cycles_simulated,
                 100 * rtl.skipped_eval_fraction, rtl_cps, fast_cps, fast_cps / rtl_cps, same ? "yes" : "NO");
    }
  }
  fmt::print("cycles/s: simulated cycles per second of the thread's CPU time (router-cycles/s: x routers)\n");
  if (!all_same) {
    fmt::print(stderr, "noc_bench: the fast routers' statistics differ from the RTL's\n");
    return 1;
  }
  return 0;
}
