#include "cli/place_command.h"

#include <map>
#include <memory>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/command_files.h"
#include "cli/helper_program.h"
#include "cli/workload_flags.h"
#include "fabric_config.h"
#include "runtime/fabric_file.h"
#include "io/file_io.h"
#include "placement/model_placement.h"

namespace wafersim::cli {

namespace {

namespace wl = wafersim::workload;

struct PlaceFlags {
  WorkloadFlags workload;
  std::string preset = "wse3";
  std::string config_file;
  std::string json;
  std::string png;
};

void PrintPlacement(const placement::Placement& p, double clock_hz) {
  fmt::print("{} on a {}x{} wafer: {} regions in strips {} tiles high, {} of {} tiles ({:.1f}%)\n", p.model,
             p.wafer_width, p.wafer_height, p.regions.size(), p.strip_height, p.TilesUsed(),
             int64_t{p.wafer_width} * p.wafer_height,
             100.0 * static_cast<double>(p.TilesUsed()) / (double(p.wafer_width) * p.wafer_height));
  // Per kind: tiles, what they hold, and their share of the step.
  struct Sum {
    int64_t regions = 0, tiles = 0;
    double bytes = 0, cycles = 0;
    std::string source;
  };
  std::map<std::string, Sum> kinds;
  for (const auto& r : p.regions) {
    Sum& s = kinds[r.kind];
    ++s.regions;
    s.tiles += r.Tiles();
    s.bytes += r.weight_bytes + r.kv_bytes;
    s.cycles += r.cycles_per_step;
    s.source = r.cost_source;
  }
  const double step = p.CyclesPerStep();
  fmt::print("  {:<14} {:>8} {:>10} {:>12} {:>10} {:>14} {:>7}  {}\n", "kind", "regions", "tiles", "bytes", "SRAM use",
             "cycles/step", "share", "cost");
  for (const auto& [kind, s] : kinds) {
    fmt::print("  {:<14} {:>8} {:>10} {:>12} {:>9.1f}% {:>14.0f} {:>6.1f}%  {}\n", kind, s.regions, s.tiles,
               fmt::format("{:.3g}", s.bytes), 100.0 * s.bytes / (double(s.tiles) * p.usable_bytes_per_tile), s.cycles,
               step > 0 ? 100.0 * s.cycles / step : 0.0, s.source);
  }
  fmt::print("  step       {:.0f} cycles through every region in turn ({:.3f} ms at {:.0f} MHz): the plans' costs, "
             "not yet a simulation of the placed model\n",
             step, step / clock_hz * 1e3, clock_hz / 1e6);
}

}  // namespace

void AddPlaceCommand(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<PlaceFlags>();
  CLI::App* cmd = app.add_subcommand(
      "place", "Place a whole model on one wafer, every weight resident: its regions, their SRAM and their plans' costs");
  AddWorkloadOptions(*cmd, flags->workload);
  cmd->add_option("--wafer", flags->preset, "fabric preset (see wafersim config)")->capture_default_str();
  cmd->add_option("--wafer-config", flags->config_file, "fabric TOML file over the preset")->check(FileName());
  cmd->add_option("--json", flags->json, "write the placement as JSON")->check(FileName());
  cmd->add_option("--png", flags->png, "draw the wafer's map into this PNG (and the placement as PNG.json)")
      ->check(FileName());
  cmd->callback([flags, &run] {
    run = [flags]() -> int {
      CommandFiles files;
      files.Input("--config", flags->workload.file);
      files.Input("--wafer-config", flags->config_file);
      files.Output("--json", flags->json);
      const std::string json_path = !flags->json.empty() || flags->png.empty() ? flags->json : flags->png + ".json";
      std::string plot_script;
      if (!flags->png.empty()) {
        if (flags->json.empty()) files.Output("--png", flags->png, json_path);
        files.Output("--png", flags->png);
        plot_script = FindHelperScript("--png", "plot_placement");
      }
      files.Check();
      const wl::Workload w = ResolveWorkloadFlags(flags->workload);
      compare::WaferMachine machine;
      try {
        fabric::Preset(flags->preset);  // an unknown preset is named with its flag
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("--wafer {}: {}", flags->preset, e.what()));
      }
      machine.config = fabric::ResolveFabricConfig(flags->preset, flags->config_file);
      const placement::Placement p = placement::PlaceModel(w, machine);
      if (!p.fits) throw std::invalid_argument(p.overflow);
      PrintPlacement(p, machine.config.clock_hz);
      if (!json_path.empty()) {
        io::WriteFileAtomic(json_path, placement::PlacementJson(p), flags->json.empty() ? "--png" : "--json");
        files.Writing(json_path);
      }
      if (!flags->png.empty()) {
        files.Writing(flags->png);
        RunHelper("--png", {"/usr/bin/python3", plot_script, json_path, flags->png},
                  "the map needs /usr/bin/python3 with matplotlib");
        fmt::print("  map        {} (its placement: {})\n", io::Printable(flags->png), io::Printable(json_path));
      }
      return 0;
    };
  });
}

}  // namespace wafersim::cli
