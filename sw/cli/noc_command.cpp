#include "cli/noc_command.h"

#include <memory>
#include <thread>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/command_files.h"
#include "cli/noc_report.h"
#include "noc/noc_sim.h"
#include "noc/traffic_pattern.h"
#include "gtkw.h"

namespace wafersim::cli {

namespace {
struct NocFlags {
  std::string mesh = "8x8";
  std::string sweep;
  std::string hotspot;
  std::string trace_region;
  std::string trace_window = "0:1000";
  std::string json;
  int jobs = 0;
  noc::NocConfig config;
};
}  // namespace

void AddNocCommand(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<NocFlags>();
  noc::NocConfig& c = flags->config;
  CLI::App* cmd = app.add_subcommand(
      "noc", "Synthetic traffic on a mesh of Verilated RTL routers (dynamic X-then-Y routing)");
  std::string patterns;
  for (const auto& n : noc::TrafficRegistry::Get().Names()) {
    patterns += fmt::format("{}{} ({})", patterns.empty() ? "" : ", ", n,
                            noc::TrafficRegistry::Get().Description(n));
  }
  cmd->add_option("--mesh", flags->mesh, "mesh size WxH")->capture_default_str();
  cmd->add_option("--traffic", c.traffic, "pattern: " + patterns)->capture_default_str();
  cmd->add_option("--rate", c.rate, "offered load, flits/node/cycle in [0,1]")->capture_default_str();
  cmd->add_option("--packet-flits", c.packet_flits, "wavelets per packet")->capture_default_str();
  cmd->add_option("--vcs", c.vcs, "dynamic colors (virtual channels) packets use")->capture_default_str();
  cmd->add_option("--buf", c.buffer_depth, "input buffer depth per color, wavelets")->capture_default_str();
  cmd->add_option("--cycles", c.cycles, "cycles of injection, warmup included")
      ->capture_default_str()->check(Unsigned());
  cmd->add_option("--warmup", c.warmup, "cycles before packets are measured")->capture_default_str()->check(Unsigned());
  cmd->add_option("--drain", c.drain, "cycles allowed to deliver measured packets (0: cycles-warmup, at least 1000)")
      ->capture_default_str()->check(Unsigned());
  cmd->add_option("--watchdog", c.watchdog, "cycles with nothing moving that count as a deadlock")
      ->capture_default_str()->check(Unsigned());
  cmd->add_option("--seed", c.seed, "random seed")->capture_default_str()->check(Unsigned());
  cmd->add_option("--hotspot", flags->hotspot, "hotspot node X,Y (default: the centre)");
  cmd->add_option("--hotspot-fraction", c.hotspot_fraction, "share of packets sent to the hotspot")
      ->capture_default_str();
  cmd->add_option("--sweep", flags->sweep,
                  "run a list of rates (r1,r2,... or start:stop:step) and print the table");
  cmd->add_option("--jobs", flags->jobs, "sweep points simulated in parallel (0: one per core)");
  cmd->add_option("--trace", c.trace_path, "write FST waves (and a .gtkw save file beside them)")->check(FileName());
  cmd->add_option("--trace-region", flags->trace_region, "routers to trace, x0,y0:x1,y1 (default all)");
  cmd->add_option("--trace-window", flags->trace_window, "traffic cycles to trace, c0:c1")
      ->capture_default_str();
  cmd->add_option("--json", flags->json, "write results as JSON")->check(FileName());

  cmd->callback([flags, &run] {
    run = [flags]() -> int {
      noc::NocConfig c = flags->config;
      // Every output is checked before the work, and removed again if a later step fails.
      CommandFiles files;
      files.Output("--json", flags->json);
      if (!c.trace_path.empty()) {
        files.Output("--trace", c.trace_path);
        files.Output("--trace", c.trace_path, waves::SaveFilePathFor(c.trace_path));
      }
      files.Check();
      const MeshSize mesh = ParseMesh("--mesh", flags->mesh);
      c.width = mesh.width;
      c.height = mesh.height;
      if (!flags->hotspot.empty()) ParseCoord("--hotspot", flags->hotspot, c.hotspot_x, c.hotspot_y);
      if (!flags->trace_region.empty()) {
        const Region r = ParseRegion("--trace-region", flags->trace_region);
        c.trace_x0 = r.x0;
        c.trace_y0 = r.y0;
        c.trace_x1 = r.x1;
        c.trace_y1 = r.y1;
      }
      const Window w = ParseWindow("--trace-window", flags->trace_window);
      c.trace_c0 = w.c0;
      c.trace_c1 = w.c1;
      if (flags->sweep.empty()) {
        noc::ValidateNocConfig(c);
        if (!c.trace_path.empty()) {
          files.Writing(c.trace_path);
          files.Writing(waves::SaveFilePathFor(c.trace_path));
        }
        const noc::NocResult r = noc::RunNoc(c);
        PrintNocResult(c, r);
        if (!flags->json.empty()) {
          nlohmann::json j = NocResultJson(r);
          j["config"] = NocConfigJson(c);
          WriteJson(flags->json, j);
        }
        return 0;
      }
      if (!c.trace_path.empty()) {
        throw std::invalid_argument("--trace cannot be combined with --sweep (one run, one trace)");
      }
      std::vector<noc::NocConfig> points;
      for (double rate : ParseRateList("--sweep", flags->sweep)) {
        points.push_back(c);
        points.back().rate = rate;
      }
      const int jobs = flags->jobs > 0 ? flags->jobs
                                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      const auto results = noc::RunNocSweep(points, jobs);
      PrintNocSweep(c, results);
      if (!flags->json.empty()) {
        nlohmann::json j;
        j["config"] = NocConfigJson(c);
        j["sweep"] = nlohmann::json::array();
        for (const auto& r : results) j["sweep"].push_back(NocResultJson(r));
        WriteJson(flags->json, j);
      }
      return 0;
    };
  });
}

}  // namespace wafersim::cli
