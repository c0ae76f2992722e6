#include "cli/tile_command.h"

#include <filesystem>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "asm/assembler.h"
#include "cli/cli_util.h"
#include "cli/command_files.h"
#include "cli/noc_report.h"
#include "gtkw.h"
#include "io/file_io.h"
#include "isa/fp.h"
#include "isa/isa.h"
#include "isa/program.h"
#include "fabric_config.h"
#include "run_interrupt.h"
#include "runtime/run_progress.h"
#include "tile/tile_bench.h"
#include "tile/tile_waves.h"

namespace wafersim::cli {

namespace {

struct TileFlags {
  std::string program;
  uint64_t cycles = 1'000'000;
  std::vector<std::string> feeds;
  std::vector<std::string> include_dirs;
  std::string trace;
  std::string trace_window = "0:100000";
  std::string json;
};

// "COLOR:v1,v2,..." where a value with a '.' or an exponent is a binary32 float.
std::vector<noc::Wavelet> ParseFeed(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument(fmt::format("--feed {}: expected COLOR:v1,v2,...", text));
  }
  int color = -1;
  try {
    color = std::stoi(text.substr(0, colon));
  } catch (const std::exception&) {
  }
  if (color < 0 || color >= noc::CompiledColors()) {
    throw std::invalid_argument(fmt::format("--feed {}: color must be 0..{}", text, noc::CompiledColors() - 1));
  }
  std::vector<noc::Wavelet> out;
  std::stringstream in(text.substr(colon + 1));
  for (std::string v; std::getline(in, v, ',');) {
    noc::Wavelet w;
    w.color = static_cast<uint8_t>(color);
    try {
      size_t used = 0;
      if (v.find_first_of(".eE") != std::string::npos && v.rfind("0x", 0) != 0) {
        w.data = isa::AsBits(std::stof(v, &used));
      } else {
        w.data = static_cast<uint32_t>(std::stoll(v, &used, 0));
      }
      if (used != v.size()) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      throw std::invalid_argument(fmt::format("--feed {}: '{}' is not a number", text, v));
    }
    out.push_back(w);
  }
  return out;
}

}  // namespace

void AddTileCommand(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<TileFlags>();
  CLI::App* cmd = app.add_subcommand("tile", "Run a PE program on one Verilated RTL tile (core and router)");
  cmd->add_option("program", flags->program, "assembly (.s) or program file (.bin)")->required()->check(FileName());
  cmd->add_option("--cycles", flags->cycles, "stop after this many cycles")->capture_default_str()->check(Unsigned());
  cmd->add_option("--feed", flags->feeds,
                  "wavelets into the West link, COLOR:v1,v2,... (repeatable; the program routes them)");
  cmd->add_option("-I,--include", flags->include_dirs, "folders searched by .include");
  cmd->add_option("--trace", flags->trace, "write FST waves, with FILE.gtkw and FILE.pc.txt beside them")
      ->check(FileName());
  cmd->add_option("--trace-window", flags->trace_window, "cycles to trace, c0:c1")->capture_default_str();
  cmd->add_option("--json", flags->json, "write results as JSON")->check(FileName());
  cmd->callback([flags, &run] {
    run = [flags]() -> int {
      // First thing: a Ctrl-C while the program is read ends the command at once (exit 130);
      // once the run starts it stops the run, which reports its figures so far.
      fabric::InstallInterruptHandler();
      // Every output is checked before the run (after reading the program and what it
      // includes), and removed again if a later step fails.
      if (flags->cycles < 1) throw std::invalid_argument("--cycles: 0 must be at least 1");
      CommandFiles files;
      isa::Program prog;
      const std::string& path = flags->program;
      std::vector<std::string> read;
      if (path.size() > 2 && path.substr(path.size() - 2) == ".s") {
        assembler::AsmOptions opt;
        opt.include_dirs = flags->include_dirs;
        opt.files_read = &read;
        prog = assembler::AssembleFile(path, opt);
      } else {
        prog = isa::LoadProgram(path);
      }
      files.Input("", path);
      for (const auto& f : read) files.Input("", f);
      const std::string save_file = flags->trace.empty() ? "" : waves::SaveFilePathFor(flags->trace);
      const std::string pc_file = flags->trace.empty() ? "" : tile::PcFilterPathFor(flags->trace);
      files.Output("--trace", flags->trace);
      files.Output("--trace", flags->trace, save_file);
      files.Output("--trace", flags->trace, pc_file);
      files.Output("--json", flags->json);
      files.Check();
      std::vector<noc::Wavelet> feed;
      for (const auto& f : flags->feeds) {
        const auto part = ParseFeed(f);
        feed.insert(feed.end(), part.begin(), part.end());
      }
      const Window w = ParseWindow("--trace-window", flags->trace_window);
      tile::TileBench bench(tile::TileBenchConfig{});
      fabric::DeferInterrupts();  // outputs are written from here on
      if (!flags->trace.empty()) {
        bench.OpenTrace(flags->trace, w.c0, w.c1);
        files.Writing(flags->trace);
        files.Writing(save_file);
        files.Writing(pc_file);
        tile::WriteTileWaves(flags->trace, prog);
      }
      bench.Load(prog);
      uint64_t retired = 0, stalls = 0, dispatches = 0, quiet = 0;
      constexpr uint64_t kQuietLimit = 10000;  // cycles without a retire that mean "stuck"
      std::vector<std::vector<noc::Wavelet>> sent(4);
      size_t next = 0;
      runtime::RunProgress progress(0);
      progress.SetLimit(double(flags->cycles), fmt::format("--cycles {}", flags->cycles));
      fabric::ClockStride progress_clock;
      const double clock_hz = fabric::FabricConfig{}.clock_hz;
      bool interrupted = false;
      while (bench.Cycle() < flags->cycles && !bench.Halted()) {
        // Ctrl-C is seen within the cycle it came in; progress lines by wall time.
        if (fabric::InterruptRequested()) {
          interrupted = true;
          break;
        }
        if (progress_clock.Due(bench.Cycle())) progress.Report(double(bench.Cycle()), clock_hz);
        auto& west = bench.Link(noc::Dir::West);
        if (next < feed.size() && west.CanSend(feed[next].color)) west.Send(feed[next++]);
        bench.Step();
        retired += bench.Last().retired;
        stalls += bench.Last().stalled;
        dispatches += bench.Last().dispatched;
        for (int d = 0; d < 4; ++d) {
          if (const auto& r = bench.Link(static_cast<noc::Dir>(d)).Received()) sent[d].push_back(*r);
        }
        // Waiting for wavelets nobody will send: a task that never comes, or a recv or a
        // fabric stream starved for kQuietLimit cycles.
        quiet = (bench.Last().retired || bench.Last().dispatched) ? 0 : quiet + 1;
        if (next == feed.size() && (bench.Idle() || quiet >= kQuietLimit)) break;
      }
      progress.Finish();
      // How the program ended; every end but halted and idle is a failure (exit 1), and Ctrl-C
      // is exit 130.
      const bool illegal = bench.Halted() && bench.Error() != 0;
      const bool stuck = !interrupted && !bench.Halted() && !bench.Idle() && quiet >= kQuietLimit;
      const bool limit = !interrupted && !bench.Halted() && !bench.Idle() && !stuck;
      const std::string state = interrupted
          ? fmt::format("interrupted (Ctrl-C) at pc {}, still running", bench.Pc())
          : bench.Halted()
          ? (illegal ? fmt::format("halted with error {} ({}) at pc {}", bench.Error(),
                                   isa::ErrorName(bench.Error()), bench.Pc())
                     : "halted")
          : bench.Idle() ? "idle, waiting for a task"
          : stuck ? fmt::format("stuck at pc {}: nothing retired for {} cycles and "
                                "no wavelets left to feed", bench.Pc(), kQuietLimit)
                  : fmt::format("stopped at the cycle limit (--cycles {}) at pc {}, still running", flags->cycles,
                                bench.Pc());
      fmt::print("wafersim tile: {} on one RTL tile: {} after {} cycles\n", io::Printable(path), state, bench.Cycle());
      fmt::print("  instructions {}  task dispatches {}  bank-stall cycles {}  wavelets fed {}/{}\n",
                 retired, dispatches, stalls, next, feed.size());
      for (int r = 1; r < isa::kNumRegs; r += 5) {
        std::string line = " ";
        for (int k = r; k < r + 5 && k < isa::kNumRegs; ++k) {
          line += fmt::format(" r{:<2}={:08x}", k, bench.Reg(k));
        }
        fmt::print("{}\n", line);
      }
      static const char* const kDir[] = {"North", "East", "South", "West"};
      for (int d = 0; d < 4; ++d) {
        if (sent[d].empty()) continue;
        std::string vals;
        for (size_t i = 0; i < sent[d].size() && i < 8; ++i) {
          vals += fmt::format("{}c{}:{:08x}", i ? " " : "", sent[d][i].color, sent[d][i].data);
        }
        fmt::print("  sent {} {} wavelets: {}{}\n", kDir[d], sent[d].size(), vals, sent[d].size() > 8 ? " ..." : "");
      }
      if (!flags->json.empty()) {
        nlohmann::json j = {{"program", path}, {"cycles", bench.Cycle()}, {"halted", bench.Halted()},
                            {"interrupted", interrupted},
                            {"error", bench.Error()}, {"instructions", retired}, {"dispatches", dispatches},
                            {"stall_cycles", stalls}};
        for (int r = 0; r < isa::kNumRegs; ++r) j["regs"].push_back(bench.Reg(r));
        for (int d = 0; d < 4; ++d) {
          for (const auto& v : sent[d]) j["sent"][kDir[d]].push_back({{"color", v.color}, {"data", v.data}});
        }
        WriteJson(flags->json, j);
      }
      if (!flags->trace.empty()) {
        fmt::print("  waves: {} (open with gtkwave {} {})\n", io::Printable(flags->trace), io::Printable(flags->trace),
                   io::Printable(save_file));
      }
      if (interrupted) {
        fmt::print(stderr, "wafersim: error: {}: interrupted (Ctrl-C) after {} cycles at pc {}\n", io::Printable(path),
                   bench.Cycle(), bench.Pc());
        return 130;
      }
      if (illegal || stuck || limit) {
        fmt::print(stderr, "wafersim: error: {}: {}\n", io::Printable(path), state);
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace wafersim::cli
