#include "cli/config_command.h"

#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command_files.h"
#include "cli/noc_report.h"
#include "fabric_config.h"
#include "runtime/fabric_file.h"

namespace wafersim::cli {

namespace {
struct ConfigFlags {
  std::string preset = "small";
  std::string file;
  std::string json;
  bool keys = false;
};
}  // namespace

void AddConfigCommand(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<ConfigFlags>();
  std::string presets;
  for (const auto& p : fabric::FabricPresets()) presets += fmt::format("{}{}", presets.empty() ? "" : ", ", p);
  CLI::App* cmd = app.add_subcommand("config", "Show a fabric configuration (preset and/or TOML file)");
  cmd->add_option("--preset", flags->preset, "preset: " + presets)->capture_default_str();
  cmd->add_option("--config", flags->file, "TOML file whose keys override the preset")->check(FileName());
  cmd->add_flag("--keys", flags->keys, "list the documented keys");
  cmd->add_option("--json", flags->json, "write the configuration as JSON")->check(FileName());
  cmd->callback([flags, &run] {
    run = [flags]() -> int {
      if (flags->keys) {
        fmt::print("{:<26} {:>8} {:<15} {}\n", "key", "default", "unit", "meaning");
        for (const auto& k : fabric::FabricKeys()) {
          fmt::print("{:<26} {:>8} {:<15} {}\n", k.key, k.fallback, k.unit, k.meaning);
        }
        return 0;
      }
      CommandFiles files;  // checked before the work
      files.Input("--config", flags->file);
      files.Output("--json", flags->json);
      files.Check();
      const fabric::FabricConfig c = fabric::ResolveFabricConfig(flags->preset, flags->file);
      fmt::print("fabric '{}': {} x {} tiles ({} tiles), {} colors x {}-deep router buffers\n", c.name, c.width,
                 c.height, c.Tiles(), c.colors, c.buffer_depth);
      fmt::print("  per tile: {} bytes of SRAM in {} banks of {} bytes ({} port(s) each; read latency {}, a write "
                 "holds its port {} cycle(s)), {} binary16 lanes, {}-word instruction memory\n",
                 c.sram_bytes, c.sram_banks, c.bank_width_bytes, c.bank_ports, c.read_latency, c.write_latency,
                 c.simd_width, c.imem_words);
      fmt::print("  clock {:.0f} MHz; edge links carry {} wavelet per cycle\n", c.clock_hz / 1e6, c.edge_wavelets_per_cycle);
      fmt::print("  totals: {:.2f} GB of SRAM; {:.1f} TFLOP/s binary32 and {:.1f} TFLOP/s binary16 "
                 "(2 flops per multiply-accumulate)\n",
                 c.TotalSramBytes() / 1e9, 2.0 * c.Tiles() * c.clock_hz / 1e12,
                 2.0 * c.Tiles() * c.simd_width * c.clock_hz / 1e12);
      if (!flags->json.empty()) {
        WriteJson(flags->json, {{"name", c.name}, {"width", c.width}, {"height", c.height}, {"colors", c.colors},
                                {"buffer_depth", c.buffer_depth}, {"sram_bytes", c.sram_bytes},
                                {"sram_banks", c.sram_banks}, {"bank_width_bytes", c.bank_width_bytes},
                                {"read_latency", c.read_latency}, {"write_latency", c.write_latency},
                                {"bank_ports", c.bank_ports}, {"simd_width", c.simd_width},
                                {"imem_words", c.imem_words}, {"clock_hz", c.clock_hz},
                                {"edge_wavelets_per_cycle", c.edge_wavelets_per_cycle},
                                {"tiles", c.Tiles()}, {"total_sram_bytes", c.TotalSramBytes()}});
      }
      return 0;
    };
  });
}

}  // namespace wafersim::cli
