// Simulation speed of the RTL router mesh: simulated cycles per second and router-cycles
// per second for 8x8 and 32x32 meshes at light, moderate and past-saturation load.
// Usage: noc_bench [--quick]
#include <cstring>

#include <fmt/format.h>

#include "noc/noc_sim.h"

using namespace wafersim::noc;

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  fmt::print("RTL router mesh simulation speed (uniform traffic, 4-flit packets, 2 colors x 8 deep)\n");
  fmt::print("{:>6} {:>6} {:>9} {:>9} {:>10} {:>14} {:>10}\n", "mesh", "rate", "accepted", "cycles",
             "cycles/s", "router-cyc/s", "idle-skip");
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
      const NocResult r = RunNoc(c);
      const double cps = r.cycles_simulated / r.wall_seconds;
      fmt::print("{:>6} {:>6.2f} {:>9.3f} {:>9} {:>10.0f} {:>14.0f} {:>9.0f}%\n",
                 fmt::format("{}x{}", k, k), rate, r.accepted_rate, r.cycles_simulated, cps,
                 cps * k * k, 100 * r.skipped_eval_fraction);
    }
  }
  return 0;
}
