// `wafersim run`: map a kernel onto the fabric, simulate it cycle by cycle, check the answer
// and report where the time went. `wafersim demo` runs the same job on its defaults.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "runtime/kernel_request.h"
#include "runtime/run_setup.h"

namespace wafersim::cli {

struct RunJob {
  runtime::KernelRequest request{.kernel = "gemv", .m = 512, .n = 512};
  std::string mesh;           ///< "WxH" over the preset's size
  std::string region;         ///< "WxH" (default: the whole mesh)
  std::string rtl_region;     ///< tiles that stay RTL with --tiles mixed, x0,y0:x1,y1
  std::string preset = "small";
  std::string config_file;
  std::string tiles = "rtl";
  std::string scheduler = "auto";  ///< systemc, plain, or auto: SystemC for RTL tiles, plain otherwise
  int threads = 1;
  bool step_tensor_ops = false;  ///< fast tiles step every tensor operation (RunOptions::run_ahead off)
  uint64_t max_cycles = 10'000'000;
  uint64_t watchdog = 1000;
  std::string json;
  std::string heatmaps;       ///< PNG prefix
  std::string trace;
  std::string trace_region;
  std::string trace_window = "0:100000";
  std::string model;          ///< a model preset: run its block (cli/run_model.h) instead of one kernel
  int layers = 1;             ///< with --model: layers run
  bool fabric_chosen = false; ///< --preset, --mesh, --config or --tiles given (else --model takes wse3, fast tiles)
  std::string plan_file;      ///< run a plan file (docs/plans.md) instead of a built-in kernel
  std::string emit_plan;      ///< write the kernel's Plan into this folder instead of running it
  std::string plan_png;       ///< draw the kernel's Plan (placement and routes) into this PNG instead of running it
  std::vector<std::string> kernel_flags;  ///< the kernel and shape flags given (refused with --plan)
};

/// The simulation flags (--tiles, --scheduler, --rtl-region, --threads, limits) as the choice
/// the runtime checks (runtime/run_setup.h); throws std::invalid_argument naming a bad flag.
runtime::SimulationChoice SimulationChoiceOf(const RunJob& job);

/// Runs the job and prints its report; returns the exit code (README, "Exit codes": 0 done
/// and correct; 1 stopped or wrong, with a one-line reason on stderr; 130 interrupted). Bad
/// input throws std::invalid_argument.
int RunKernelJob(const RunJob& job);

void AddRunCommand(CLI::App& app, std::function<int()>& run);

}  // namespace wafersim::cli
