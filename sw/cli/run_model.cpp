#include "cli/run_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "cli/cli_util.h"
#include "cli/run_command.h"
#include "fabric_config.h"
#include "runtime/fabric_file.h"
#include "run_interrupt.h"
#include "runtime/block_run.h"
#include "runtime/mapper_registry.h"
#include "runtime/run_setup.h"
#include "runtime/run_progress.h"
#include "tile_grid.h"
#include "workload/phase.h"
#include "workload/workload_keys.h"
#include "workload/model_shape.h"

namespace wafersim::cli {

namespace {

workload::Workload ModelWorkload(const RunJob& job) {
  const runtime::KernelRequest& r = job.request;
  std::vector<workload::Setting> flags = {workload::FlagSetting("model.preset", job.model),
                                          workload::FlagSetting("run.phase", r.phase),
                                          workload::FlagSetting("run.batch", std::to_string(r.batch)),
                                          workload::FlagSetting("run.layers", std::to_string(job.layers))};
  if (r.context != 0) flags.push_back(workload::FlagSetting("run.context", std::to_string(r.context)));
  if (r.prompt != 0) flags.push_back(workload::FlagSetting("run.prompt", std::to_string(r.prompt)));
  return workload::ResolveWorkload({}, flags);
}

std::string Seconds(double s) {
  return s >= 1      ? fmt::format("{:.2f} s", s)
         : s >= 1e-3 ? fmt::format("{:.3f} ms", s * 1e3)
                     : fmt::format("{:.3f} us", s * 1e6);
}

// A finished kernel's efficiency against its bound; a kernel stopped early has none.
std::string Efficiency(const runtime::BlockKernelResult& r) {
  if (r.result.status != fabric::RunStatus::Done || r.result.cycles == 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * r.bound_cycles / double(r.result.cycles));
}

}  // namespace

runtime::KernelRequest ResidentLayerRequest(const workload::Workload& w, int layers, const std::string& flag) {
  const workload::ModelShape& m = w.model;
  std::string why;
  if (m.experts > 0) why = "its MoE layers";
  if (m.kv_lora_rank > 0) why = "its multi-head latent attention";
  if (m.learned_positions) why = "its learned positions";
  if (m.bias) why = "its biases";
  if (!why.empty()) {
    throw std::invalid_argument(fmt::format("{}: the resident layer runs dense RoPE models; not {} yet", flag, why));
  }
  if (layers < 1 || layers > m.layers) {
    throw std::invalid_argument(fmt::format("--layers {}: {} has {}", layers, m.name, m.layers));
  }
  runtime::KernelRequest r;
  r.kernel = "layer";
  r.d_model = m.hidden;
  r.d_ff = static_cast<int>(m.ffn);
  r.heads = static_cast<int>(m.heads);
  r.kv_heads = static_cast<int>(m.kv_heads);
  r.head_dim = static_cast<int>(m.head_dim);
  r.rope_base = static_cast<double>(m.rope_theta);
  r.context = static_cast<int>(w.context);
  r.layers = layers;
  return r;
}

RunJob ResidentLayerJob(const RunJob& job) {
  static const std::vector<std::string> kTaken = {"--kernel", "--model", "--layers", "--context", "--rope-base",
                                                  "--dtype", "--seed", "--phase", "--batch"};
  for (const auto& flag : job.kernel_flags) {
    if (std::find(kTaken.begin(), kTaken.end(), flag) == kTaken.end()) {
      throw std::invalid_argument(fmt::format(
          "{}: --kernel layer --model takes the shapes from the model (its flags: --layers --context --rope-base --dtype)",
          flag));
    }
  }
  if (job.request.phase != "decode") {
    throw std::invalid_argument(fmt::format("--phase {}: the resident layer runs decode", job.request.phase));
  }
  if (job.request.batch != 1) {
    throw std::invalid_argument(fmt::format("--batch {}: the resident layer runs one sequence", job.request.batch));
  }
  const workload::Workload w = workload::ResolveWorkload({}, {workload::FlagSetting("model.preset", job.model)});
  RunJob out = job;
  out.model.clear();
  // Without --layers the whole model: every layer, then its head (final norm, output head, argmax).
  const bool given = std::find(job.kernel_flags.begin(), job.kernel_flags.end(), "--layers") != job.kernel_flags.end();
  const int layers = given ? job.layers : static_cast<int>(w.model.layers);
  const runtime::KernelRequest shapes = ResidentLayerRequest(w, layers, "--model " + job.model);
  runtime::KernelRequest& r = out.request;
  r.d_model = shapes.d_model;
  r.d_ff = shapes.d_ff;
  r.heads = shapes.heads;
  r.kv_heads = shapes.kv_heads;
  r.head_dim = shapes.head_dim;
  if (r.rope_base == 0) r.rope_base = shapes.rope_base;
  r.layers = layers;
  r.vocab = layers == w.model.layers ? w.model.vocab : 0;
  out.layers = layers;
  if (!job.fabric_chosen) {
    out.preset = "wse3";
    out.tiles = "fast";
  }
  out.kernel_flags = {"--kernel", "--layers", "--vocab", "--dtype"};
  return out;
}

int RunModelJob(const RunJob& job) {
  fabric::InstallInterruptHandler();  // (again: RunKernelJob did) Ctrl-C during setup ends the command
  if (job.layers < 1) throw std::invalid_argument(fmt::format("--layers: {} must be at least 1", job.layers));
  if (job.tiles == "mixed") {
    throw std::invalid_argument(fmt::format("--tiles: '{}': a --model block runs on rtl or fast tiles", job.tiles));
  }
  if (job.scheduler != "auto" && job.scheduler != "plain") {
    throw std::invalid_argument(fmt::format("--scheduler {}: a --model block runs on the plain loop", job.scheduler));
  }
  if (!job.region.empty()) throw std::invalid_argument("--region: each kernel of a --model block picks its own region");
  // The block's kernels and shapes come from the model: the flags of one kernel do not apply.
  static const std::vector<std::string> kModelFlags = {"--layers", "--phase", "--batch", "--context", "--prompt",
                                                       "--dtype", "--fit", "--rope-base", "--dispatch"};
  for (const auto& flag : job.kernel_flags) {
    const auto& all = runtime::AllKernelFlags();
    const bool kernel_flag = flag == "--kernel" || std::find(all.begin(), all.end(), flag) != all.end();
    if (kernel_flag && std::find(kModelFlags.begin(), kModelFlags.end(), flag) == kModelFlags.end()) {
      throw std::invalid_argument(fmt::format(
          "{}: a --model block takes its kernels and shapes from the model (its flags:{})", flag,
          [] {
            std::string s;
            for (const auto& f : kModelFlags) s += " " + f;
            return s;
          }()));
    }
  }
  if (!job.json.empty() || !job.heatmaps.empty() || !job.trace.empty()) {
    throw std::invalid_argument(
        "--json, --heatmaps, --trace: not for a --model block yet (run its kernels one by one)");
  }
  runtime::BlockOptions o;
  o.workload = ModelWorkload(job);
  // Without a fabric named, a model block runs at wafer scale: the wse3 preset, whose 24
  // colors only the fast tile model has.
  const MeshSize mesh = job.mesh.empty() ? MeshSize{} : ParseMesh("--mesh", job.mesh);
  o.fabric = fabric::ResolveFabricConfig(job.fabric_chosen ? job.preset : "wse3", job.config_file, mesh.width,
                                         mesh.height);
  runtime::SimulationChoice choice = SimulationChoiceOf(job);
  choice.scheduler = runtime::SchedulerChoice::Plain;
  if (!job.fabric_chosen) choice.tiles = runtime::TileChoice::Fast;
  const runtime::RunSetup setup = runtime::PrepareRun(choice, o.fabric);
  const bool fast = choice.tiles == runtime::TileChoice::Fast;
  o.tiles = setup.models.model;
  o.threads = setup.options.threads;
  o.run_ahead = setup.options.run_ahead;
  o.max_cycles = setup.options.max_cycles;
  o.watchdog = setup.options.watchdog_cycles;
  o.seed = job.request.seed;
  o.dtype = job.request.dtype;
  o.fit = job.request.fit;
  o.rope_base = job.request.rope_base;
  o.dispatch = job.request.dispatch;

  const workload::Workload& w = o.workload;
  const std::vector<runtime::BlockKernel> plan = runtime::PlanBlock(o);
  fmt::print(
      "block: {} layers {}..{} of {}, {}, batch {}, {}; {}x{} mesh, {} tiles, plain loop\n", w.model.name,
      w.first_layer, w.first_layer + w.LayerCount() - 1, w.model.layers, workload::PhaseName(w.phase), w.batch,
      w.phase == workload::Phase::kPrefill ? fmt::format("prompt {}", w.prompt) : fmt::format("context {}", w.context),
      o.fabric.width, o.fabric.height, fast ? "fast" : "RTL");
  fmt::print(
      "  each kernel runs on a fresh grid the size of its region; its activations are the outputs of the kernels "
      "before it, moved by the host (not simulated); weights and older KV-cache rows are seeded\n");
  for (const auto& k : plan) {
    if (!k.skipped.empty()) fmt::print("  layer {} {}: skipped, {}\n", k.layer, k.name, k.skipped);
  }
  std::fflush(stdout);  // mapping a wafer's worth of kernels takes a while before the estimate

  size_t simulated = 0, index = 0;
  for (const auto& k : plan) simulated += k.skipped.empty();
  std::shared_ptr<runtime::RunProgress> progress;
  runtime::BlockHooks hooks;
  hooks.estimate = [&](const runtime::BlockEstimate& e) {
    fmt::print(
        "estimate: {} kernels; lower bound {:.0f} cycles ({} at {:.0f} MHz), expected {:.0f} (the mappers' "
        "estimates where they have one); {:.3g} tile-cycles at about {:.3g} tile-cycles/s ({} tiles): at least about "
        "{} of simulation\n",
        e.kernels, e.bound_cycles, Seconds(e.bound_cycles / o.fabric.clock_hz), o.fabric.clock_hz / 1e6,
        e.expected_cycles, e.expected_tile_cycles, e.tile_cycles_per_s, fast ? "fast" : "RTL", Seconds(e.wall_s));
    std::fflush(stdout);
  };
  hooks.start = [&](const runtime::BlockKernel& k, const runtime::KernelMapping& m) {
    fmt::print("[{}/{}] layer {} {} ({}): {}\n", ++index, simulated, k.layer, k.name, k.mapper, m.description);
    std::fflush(stdout);
    progress = std::make_shared<runtime::RunProgress>(std::max(m.compute_bound_cycles, m.io_bound_cycles),
                                                       m.estimated_cycles);
  };
  hooks.progress = [&](const fabric::TileGrid& g) { (*progress)(g); };
  hooks.done = [&](const runtime::BlockKernelResult& r, const fabric::TileGrid&) {
    progress->Finish();
    const runtime::KernelResult& k = r.result;
    fmt::print("      {} cycles, bound {:.0f} ({}-bound), efficiency {}, {}: {}; simulated in {:.2f} s\n",
               k.cycles, r.bound_cycles, r.compute_bound ? "compute" : "I/O", Efficiency(r),
               k.status != fabric::RunStatus::Done ? fabric::RunStatusName(k.status)
               : k.correct                         ? "correct"
                                                   : "WRONG",
               k.check, k.wall_s);
    std::fflush(stdout);
  };
  // From here a Ctrl-C stops the kernel running at the end of its cycle (or the block between
  // two kernels), with the figures so far; before, it ended the command at once.
  fabric::DeferInterrupts();
  const runtime::BlockResult b = runtime::RunBlock(o, hooks);

  fmt::print("\n  {:<4} {:<22} {:<10} {:>11} {:>10} {:>10} {:>10}  {}\n", "lay", "kernel", "mapper", "region", "cycles",
             "bound", "efficiency", "result");
  for (const auto& r : b.kernels) {
    fmt::print("  {:<4} {:<22} {:<10} {:>11} {:>10} {:>10.0f} {:>10}  {}\n", r.kernel.layer, r.kernel.name,
               r.kernel.mapper, fmt::format("{}x{}", r.region_width, r.region_height), r.result.cycles, r.bound_cycles,
               Efficiency(r),
               r.result.status != fabric::RunStatus::Done ? fabric::RunStatusName(r.result.status)
               : r.result.correct                          ? "correct"
                                                           : "WRONG");
  }
  const bool interrupted =
      b.interrupted || (!b.kernels.empty() && b.kernels.back().result.status == fabric::RunStatus::Interrupted);
  if (interrupted) {
    // The kernels that ran are above; a block cut short has no time per token.
    fmt::print("block: interrupted (Ctrl-C) after {} of {} kernels; {} cycles so far; simulated in {:.1f} s\n",
               b.kernels.size() - (b.interrupted ? 0 : 1), simulated, b.cycles, b.wall_s);
    fmt::print(stderr, "wafersim: error: interrupted (Ctrl-C){}; the figures are those so far\n",
               b.kernels.empty() ? " before the first kernel ran"
               : b.interrupted   ? fmt::format(" after layer {} {}", b.kernels.back().kernel.layer,
                                               b.kernels.back().kernel.name)
                                 : fmt::format(" in layer {} {}", b.kernels.back().kernel.layer,
                                               b.kernels.back().kernel.name));
    return 130;
  }
  const double per_token = b.time_s / double(w.Tokens());
  fmt::print(
      "block: {} cycles, {} at {:.0f} MHz; {} per token for these {} layer(s) ({} tokens), so about {} per "
      "token for all {} layers' kernels alike; simulated in {:.1f} s\n",
      b.cycles, Seconds(b.time_s), o.fabric.clock_hz / 1e6, Seconds(per_token), w.LayerCount(), w.Tokens(),
      Seconds(per_token * w.model.layers / w.LayerCount()), w.model.layers, b.wall_s);
  if (!b.output.empty()) {
    auto rms = [](const std::vector<float>& v) {
      double s = 0;
      for (const float x : v) s += double(x) * x;
      return std::sqrt(s / double(v.size()));
    };
    fmt::print("block output: {} token(s) x {}, rms {:.4g} (the seeded input's {:.4g})\n", w.Tokens(),
               w.model.hidden, rms(b.output), rms(b.input));
  }
  if (!b.correct) {
    const auto& last = b.kernels.back();
    fmt::print(stderr, "wafersim: error: layer {} {}: {}\n", last.kernel.layer, last.kernel.name,
               runtime::RunFailure(last.result));
    return runtime::RunExitCode(last.result);
  }
  return 0;
}

}  // namespace wafersim::cli
