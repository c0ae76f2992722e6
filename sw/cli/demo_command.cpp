#include "cli/demo_command.h"

#include <memory>

#include "cli/command_files.h"
#include "cli/run_command.h"

namespace wafersim::cli {

// The main job on its embedded default: y = W x with W 512 x 512 (binary32) on an 8 x 8
// mesh of RTL tiles in the SystemC fabric, checked against double precision.
void AddDemoCommand(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand("demo", "Run the main job on its embedded default (gemv 512x512 on 8x8 RTL tiles)");
  auto job = std::make_shared<RunJob>();
  job->request.kernel = "gemv";
  job->request.m = 512;
  job->request.n = 512;
  job->mesh = "8x8";
  cmd->add_option("--json", job->json, "write the results as JSON")->check(FileName());
  cmd->add_option("--heatmaps", job->heatmaps, "write PREFIX-activity.png and PREFIX-links.png")->check(FileName());
  cmd->callback([job, &run] { run = [job]() -> int { return RunKernelJob(*job); }; });
}

}  // namespace wafersim::cli
