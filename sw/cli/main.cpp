// wafersim: one binary, one subcommand per job. Errors are one line (control bytes in them
// escaped) and a non-zero exit: 1 for a wrong or failed run, 2 for bad input (README).
#include <exception>
#include <new>
#include <stdexcept>
#include <functional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "asm/assembler.h"
#include "cli/asm_command.h"
#include "cli/compare_command.h"
#include "cli/place_command.h"
#include "cli/config_command.h"
#include "cli/demo_command.h"
#include "cli/gpu_command.h"
#include "cli/noc_command.h"
#include "cli/run_command.h"
#include "cli/tile_command.h"
#include "cli/workload_command.h"
#include "huge_pages.h"
#include "io/file_io.h"
#include "run_interrupt.h"

using wafersim::io::Printable;  // user text in a message: control bytes shown as \xNN, one line

int main(int argc, char** argv) {
  wafersim::fabric::UseHugePages(argv);
  CLI::App app{"wafersim: a cycle-accurate co-simulator of a wafer-scale SRAM fabric and an HBM GPU"};
  app.require_subcommand(1);
  std::function<int()> run;
  wafersim::cli::AddNocCommand(app, run);
  wafersim::cli::AddRunCommand(app, run);
  wafersim::cli::AddDemoCommand(app, run);
  wafersim::cli::AddAsmCommands(app, run);
  wafersim::cli::AddTileCommand(app, run);
  wafersim::cli::AddConfigCommand(app, run);
  wafersim::cli::AddGpuCommand(app, run);
  wafersim::cli::AddWorkloadCommand(app, run);
  wafersim::cli::AddCompareCommand(app, run);
  wafersim::cli::AddPlaceCommand(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "wafersim: error: {}\n", Printable(e.what()));
    return 2;
  }
  // Exit codes (README, "Exit codes"): 0 done and correct; 1 a wrong answer or a failed check
  // (the commands return it, with their one line); 2 bad input: flags, files, configuration,
  // or a job too large for this machine; 130 interrupted.
  try {
    return run ? run() : 0;
  } catch (const wafersim::fabric::Interrupted& e) {
    fmt::print(stderr, "wafersim: error: {}\n", Printable(e.what()));
    return 130;
  } catch (const wafersim::assembler::AsmError& e) {
    fmt::print(stderr, "{}\n", Printable(e.what()));  // already file:line:column: error: ...
    return 2;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "wafersim: error: {}\n", Printable(e.what()));
    return 2;
  } catch (const wafersim::io::FileError& e) {
    fmt::print(stderr, "wafersim: error: {}\n", Printable(e.what()));
    return 2;
  } catch (const std::bad_alloc&) {
    // The commands estimate their memory before they allocate; this is the last resort.
    fmt::print(stderr, "wafersim: error: out of host memory: the job is too large for this machine; use a smaller "
                       "--mesh or shape\n");
    return 2;
  } catch (const std::length_error& e) {
    fmt::print(stderr, "wafersim: error: out of host memory ({}): the job is too large; use a smaller --mesh or "
                       "shape\n", Printable(e.what()));
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "wafersim: error: {}\n", Printable(e.what()));
    return 1;
  }
}
