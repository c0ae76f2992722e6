#include "cli/noc_command.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/command_files.h"
#include "cli/noc_report.h"
#include "noc/noc_sim.h"
#include "noc/traffic_pattern.h"
#include "fabric_config.h"
#include "gtkw.h"
#include "run_interrupt.h"
#include "runtime/run_progress.h"

namespace wafersim::cli {

namespace {
struct NocFlags {
  std::string routers = "fast";
  std::string mesh = "8x8";
  std::string sweep;
  std::string hotspot;
  std::string trace_region;
  std::string trace_window = "0:1000";
  std::string json;
  int jobs = 0;
  noc::NocConfig config;
};

// A run that would take longer than this (by EstimateNocSeconds) is refused; one longer than
// kWarnSeconds starts with a warning that gives the estimate.
constexpr double kMaxSeconds = 7 * 86400.0;
constexpr double kWarnSeconds = 3600.0;

std::string Duration(double s) {
  if (s < 120) return fmt::format("{:.0f} s", s);
  if (s < 7200) return fmt::format("{:.0f} minutes", s / 60);
  if (s < 2 * 86400) return fmt::format("{:.1f} hours", s / 3600);
  if (s < 2 * 365 * 86400.0) return fmt::format("{:.0f} days", s / 86400);
  return fmt::format("{:.0f} years", s / (365 * 86400.0));
}

// Refuses a run that would take weeks, and warns of one that takes hours. `points` runs of
// `c` (a sweep's, with its rates) shared by `jobs` threads.
void CheckDuration(const std::vector<noc::NocConfig>& points, int jobs) {
  double total = 0;
  for (const auto& p : points) total += noc::EstimateNocSeconds(p);
  const noc::NocConfig& c = points.front();
  const int threads = std::max(1, std::min<int>(jobs, static_cast<int>(points.size())));
  const double seconds = total / threads;
  const std::string what = fmt::format(
      "--cycles {}: {}{} cycles on a {}x{} mesh of {} routers would take about {}{}", c.cycles,
      points.size() > 1 ? fmt::format("{} runs of ", points.size()) : "", c.cycles, c.width, c.height,
      c.routers == noc::RouterModel::Rtl ? "RTL" : "fast", Duration(seconds),
      threads > 1 ? fmt::format(" on {} threads", threads) : "");
  const char* faster = c.routers == noc::RouterModel::Rtl ? ", or --routers fast" : "";
  if (seconds > kMaxSeconds) {
    throw std::invalid_argument(fmt::format("{} (estimated from the speed noc_bench measures); more than {} is "
                                            "refused: fewer --cycles or a smaller --mesh{}",
                                            what, Duration(kMaxSeconds), faster));
  }
  if (seconds > kWarnSeconds) {
    std::fprintf(stderr, "wafersim: warning: %s (estimated from the speed noc_bench measures)\n", what.c_str());
  }
}
// Progress lines for a run or a sweep (runtime::RunProgress, as `run` prints them): the cycles
// stepped, summed over a sweep's points and threads, against the most its runs can take.
class NocProgress {
 public:
  explicit NocProgress(const std::vector<noc::NocConfig>& points) {
    uint64_t most = 0;
    for (const auto& p : points) most += noc::NocMaxCycles(p);
    const noc::NocConfig& c = points.front();
    progress_.SetLimit(double(most), points.size() > 1
                                         ? fmt::format("{} runs of --cycles {} and their drain", points.size(), c.cycles)
                                         : fmt::format("--cycles {} and the drain", c.cycles));
  }
  void Add(uint64_t cycles) {
    const std::lock_guard<std::mutex> lock(mutex_);
    done_ += cycles;
    progress_.Report(double(done_), clock_hz_);
  }
  void Finish() { progress_.Finish(); }
  /// What a run or a sweep watches: Ctrl-C (run_interrupt.h) and these lines.
  noc::NocWatch Watch() {
    return {fabric::InterruptRequested, [this](uint64_t cycles) { Add(cycles); }};
  }

 private:
  std::mutex mutex_;
  uint64_t done_ = 0;
  runtime::RunProgress progress_{0};
  const double clock_hz_ = fabric::FabricConfig{}.clock_hz;
};
}  // namespace

void AddNocCommand(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<NocFlags>();
  noc::NocConfig& c = flags->config;
  CLI::App* cmd = app.add_subcommand(
      "noc", "Synthetic traffic on a mesh of routers (dynamic X-then-Y routing): the C++ FastRouter, "
             "cycle-exact against the RTL, or the Verilated RTL");
  std::string patterns;
  for (const auto& n : noc::TrafficRegistry::Get().Names()) {
    patterns += fmt::format("{}{} ({})", patterns.empty() ? "" : ", ", n,
                            noc::TrafficRegistry::Get().Description(n));
  }
  cmd->add_option("--routers", flags->routers,
                  "router model: fast (C++ FastRouter, cycle-exact against the RTL) or rtl (Verilated; "
                  "needed for --trace); both give the same statistics")
      ->capture_default_str();
  cmd->add_option("--mesh", flags->mesh, "mesh size WxH")->capture_default_str();
  cmd->add_option("--traffic", c.traffic, "pattern: " + patterns)->capture_default_str();
  CLI::Option* rate = cmd->add_option("--rate", c.rate, "offered load, flits/node/cycle in [0,1]")->capture_default_str();
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
  CLI::Option* hotspot = cmd->add_option("--hotspot", flags->hotspot, "hotspot node X,Y (default: the centre)");
  CLI::Option* hotspot_fraction = cmd->add_option("--hotspot-fraction", c.hotspot_fraction, "share of packets sent to the hotspot")
      ->capture_default_str();
  cmd->add_option("--sweep", flags->sweep,
                  "run a list of rates (r1,r2,... or start:stop:step) and print the table");
  CLI::Option* jobs = cmd->add_option("--jobs", flags->jobs, "sweep points simulated in parallel (0: one per core)")
      ->check(Unsigned());
  cmd->add_option("--trace", c.trace_path, "write FST waves (and a .gtkw save file beside them)")->check(FileName());
  CLI::Option* trace_region = cmd->add_option("--trace-region", flags->trace_region, "routers to trace, x0,y0:x1,y1 (default all)");
  CLI::Option* trace_window = cmd->add_option("--trace-window", flags->trace_window, "traffic cycles to trace, c0:c1")
      ->capture_default_str();
  cmd->add_option("--json", flags->json, "write results as JSON")->check(FileName());

  cmd->callback([=, &run] {
    run = [=]() -> int {
      // First thing: a Ctrl-C while the command sets up ends it at once (exit 130, nothing
      // written); once the run starts it stops the run (a sweep: every point under way, and no
      // more start), which reports its figures so far.
      fabric::InstallInterruptHandler();
      // Flags that do not apply to this run are refused, not ignored.
      const bool sweeping = !flags->sweep.empty(), tracing = !flags->config.trace_path.empty();
      if (sweeping && rate->count() > 0) {
        throw std::invalid_argument(fmt::format("--rate {}: --sweep {} sets the rates; give one or the other",
                                                rate->results().front(), flags->sweep));
      }
      if (!sweeping && jobs->count() > 0) throw std::invalid_argument("--jobs: applies to --sweep only");
      for (const CLI::Option* o : {trace_region, trace_window}) {
        if (!tracing && o->count() > 0) {
          throw std::invalid_argument(fmt::format("{}: applies with --trace only", o->get_name()));
        }
      }
      for (const CLI::Option* o : {hotspot, hotspot_fraction}) {
        if (flags->config.traffic != "hotspot" && o->count() > 0) {
          throw std::invalid_argument(fmt::format("{}: applies to --traffic hotspot only", o->get_name()));
        }
      }
      noc::NocConfig c = flags->config;
      if (flags->routers == "fast") {
        c.routers = noc::RouterModel::Fast;
      } else if (flags->routers == "rtl") {
        c.routers = noc::RouterModel::Rtl;
      } else {
        throw std::invalid_argument(fmt::format("--routers {}: must be fast or rtl", flags->routers));
      }
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
        CheckDuration({c}, 1);
        NocProgress progress({c});
        fabric::DeferInterrupts();  // outputs are written from here on
        if (!c.trace_path.empty()) {
          files.Writing(c.trace_path);
          files.Writing(waves::SaveFilePathFor(c.trace_path));
        }
        const noc::NocResult r = noc::RunNoc(c, progress.Watch());
        progress.Finish();
        // Interrupted, the report, the JSON and the waves are whole and give the figures so far.
        PrintNocResult(c, r);
        if (!flags->json.empty()) {
          nlohmann::json j = NocResultJson(r);
          j["config"] = NocConfigJson(c);
          WriteJson(flags->json, j);
        }
        if (r.interrupted) {
          fmt::print(stderr, "wafersim: error: interrupted (Ctrl-C) after {} of at most {} cycles; the figures are "
                             "those so far\n", r.cycles_simulated, noc::NocMaxCycles(c));
          return 130;
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
      for (const auto& p : points) noc::ValidateNocConfig(p);
      CheckDuration(points, jobs);
      NocProgress progress(points);
      fabric::DeferInterrupts();  // outputs are written from here on
      const auto results = noc::RunNocSweep(points, jobs, progress.Watch());
      progress.Finish();
      const bool interrupted =
          results.size() < points.size() ||
          std::any_of(results.begin(), results.end(), [](const noc::NocResult& r) { return r.interrupted; });
      PrintNocSweep(c, results);
      if (interrupted) {
        fmt::print("  interrupted (Ctrl-C): {} of {} rates begun; those cut short are marked\n", results.size(),
                   points.size());
      }
      if (!flags->json.empty()) {
        nlohmann::json j;
        j["config"] = NocConfigJson(c);
        j["interrupted"] = interrupted;
        j["sweep"] = nlohmann::json::array();
        for (const auto& r : results) j["sweep"].push_back(NocResultJson(r));
        WriteJson(flags->json, j);
      }
      if (interrupted) {
        const size_t whole = static_cast<size_t>(
            std::count_if(results.begin(), results.end(), [](const noc::NocResult& r) { return !r.interrupted; }));
        fmt::print(stderr, "wafersim: error: interrupted (Ctrl-C) during the sweep: {} of {} rates simulated whole; "
                           "the figures are those so far\n", whole, points.size());
        return 130;
      }
      return 0;
    };
  });
}

}  // namespace wafersim::cli
