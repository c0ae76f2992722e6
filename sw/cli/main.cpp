// wafersim: one binary, one subcommand per job. Errors are one line (control bytes in them
// escaped) and a non-zero exit: 1 for a wrong or failed run, 2 for bad input (README).
#include <cerrno>
#include <cstdlib>
#include <exception>
#include <functional>
#include <new>
#include <regex>
#include <stdexcept>
#include <string>

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

namespace {

// CLI11's "Could not convert: --m = 1.5" said as "--m 1.5: not a whole number", from the type
// of the option in the subcommand that was given.
std::string ConversionMessage(const CLI::App& app, const std::string& what) {
  static const std::regex kCould("Could not convert: (\\S+) = (.*)");
  std::smatch m;
  if (!std::regex_match(what, m, kCould)) return what;
  for (const CLI::App* sub : app.get_subcommands()) {
    const CLI::Option* o = sub->get_option_no_throw(m[1].str());
    if (o == nullptr) continue;
    const std::string type = o->get_type_name().substr(0, o->get_type_name().find(':'));  // "INT:UINT": a check's
    const bool whole = std::regex_match(m[2].str(), std::regex("-?[0-9]+"));
    const std::string want = type == "INT" && whole ? "in the range this flag takes"
                             : type == "INT"        ? "a whole number"
                             : type == "UINT"       ? "a whole number of 0 or more"
                             : type == "FLOAT"      ? "a number"
                                                    : "a value of type " + type;
    return fmt::format("{} {}: not {}", m[1].str(), m[2].str(), want);
  }
  return what;
}

// A whole number beyond 64 bits is read by CLI11 as the largest one (strtoll and strtoull
// saturate: --seed 99999999999999999999 became 18446744073709551615); refused instead.
std::string OutOfRange(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) {
    for (const CLI::Option* o : sub->get_options()) {
      const std::string type = o->get_type_name().substr(0, o->get_type_name().find(':'));
      if (o->count() == 0 || (type != "INT" && type != "UINT")) continue;
      for (const std::string& v : o->results()) {
        errno = 0;
        if (type == "INT") {
          (void)std::strtoll(v.c_str(), nullptr, 10);
        } else {
          (void)std::strtoull(v.c_str(), nullptr, 10);
        }
        if (errno == ERANGE) return fmt::format("{} {}: outside the 64-bit range", o->get_name(), v);
      }
    }
  }
  return "";
}

}  // namespace

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
    if (const std::string bad = OutOfRange(app); !bad.empty()) {
      fmt::print(stderr, "wafersim: error: {}\n", Printable(bad));
      return 2;
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ConversionError& e) {
    fmt::print(stderr, "wafersim: error: {}\n", Printable(ConversionMessage(app, e.what())));
    return 2;
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
