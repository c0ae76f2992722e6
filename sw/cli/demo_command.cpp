#include "cli/demo_command.h"

#include <thread>

#include <fmt/format.h>

#include "cli/noc_report.h"
#include "noc/noc_sim.h"

namespace wafersim::cli {

// Until the fabric exists the demo is the router's latency-throughput curve: an 8x8 mesh
// of RTL routers, uniform traffic, 2 dynamic colors with 8-deep buffers, 4-flit packets.
void AddDemoCommand(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand("demo", "Run the main job on its embedded default");
  auto json = std::make_shared<std::string>();
  cmd->add_option("--json", *json, "write results as JSON");
  cmd->callback([json, &run] {
    run = [json]() -> int {
      noc::NocConfig base;
      base.width = 8;
      base.height = 8;
      base.traffic = "uniform";
      base.packet_flits = 4;
      base.vcs = 2;
      base.buffer_depth = 8;
      base.cycles = 3000;
      base.warmup = 500;
      std::vector<noc::NocConfig> points;
      for (double rate : {0.02, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45}) {
        points.push_back(base);
        points.back().rate = rate;
      }
      const int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      const auto results = noc::RunNocSweep(points, jobs);
      PrintNocSweep(base, results);
      // References from theory (docs/router.md): mean distance between distinct nodes of a
      // k x k mesh, 2 cycles per hop + 1 + (flits - 1), and the bisection bound.
      const double k = 8, n = k * k;
      const double hops = 2 * (k * k - 1) / (3 * k) * n / (n - 1);
      fmt::print("  zero-load latency from theory: 2 x {:.3f} hops + 1 + {} = {:.2f} cycles\n", hops,
                 base.packet_flits - 1, 2 * hops + base.packet_flits);
      fmt::print("  uniform-traffic bound of the 8x8 mesh (bisection): {:.3f} flits/node/cycle\n",
                 4 * (n - 1) / (k * n));
      if (!json->empty()) {
        nlohmann::json j;
        j["config"] = NocConfigJson(base);
        j["sweep"] = nlohmann::json::array();
        for (const auto& r : results) j["sweep"].push_back(NocResultJson(r));
        WriteJson(*json, j);
      }
      return 0;
    };
  });
}

}  // namespace wafersim::cli
