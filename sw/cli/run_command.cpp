#include "cli/run_command.h"

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include "cli/command_files.h"
#include "cli/helper_program.h"
#include "cli/noc_report.h"
#include "cli/run_model.h"
#include "fabric_config.h"
#include "runtime/fabric_file.h"
#include "fabric_stats.h"
#include "fabric_waves.h"
#include "gtkw.h"
#include "io/file_io.h"
#include "plan/plan_file.h"
#include "plan/plan_lowering.h"
#include "plan/plan_map.h"
#include "runtime/kernel_run.h"
#include "runtime/mapper_registry.h"
#include "runtime/run_progress.h"
#include "runtime/run_setup.h"
#include "run_interrupt.h"
#include "tile_grid.h"

namespace wafersim::cli {

namespace {

std::string Percent(double part, double whole) { return fmt::format("{:.1f}%", whole > 0 ? 100.0 * part / whole : 0.0); }

// A chain's time line: each plan's share of the token's cycles (from the plan before's finish
// to its own); with many plans, the shares by kind and by layer instead.
void PrintStages(const runtime::KernelResult& r) {
  const std::vector<runtime::StageShare> shares = runtime::StageShares(r);
  const double total = shares.empty() ? 0.0 : double(shares.back().end_cycle);
  auto pct = [&](uint64_t c) { return total > 0 ? 100.0 * double(c) / total : 0.0; };
  if (shares.size() <= 16) {
    std::string s;
    for (const auto& x : shares) s += fmt::format("{}{} {} ({:.0f}%)", s.empty() ? "" : "; ", x.label, x.cycles, pct(x.cycles));
    fmt::print("  stages     cycles from the plan before's finish to each plan's (the token's path): {}\n", s);
    return;
  }
  std::vector<std::pair<std::string, uint64_t>> kinds, layers;
  auto add = [](std::vector<std::pair<std::string, uint64_t>>& v, const std::string& k, uint64_t c) {
    for (auto& [name, sum] : v) {
      if (name == k) {
        sum += c;
        return;
      }
    }
    v.emplace_back(k, c);
  };
  for (const auto& x : shares) {
    add(kinds, x.kind, x.cycles);
    if (!x.layer.empty()) add(layers, x.layer, x.cycles);
  }
  auto line = [&](const std::vector<std::pair<std::string, uint64_t>>& v) {
    std::string s;
    for (const auto& [name, c] : v) s += fmt::format("{}{} {} ({:.0f}%)", s.empty() ? "" : "; ", name, c, pct(c));
    return s;
  };
  fmt::print("  stages     cycles by kind (from the plan before's finish to each plan's, summed): {}\n", line(kinds));
  if (!layers.empty()) fmt::print("             by layer: {}\n", line(layers));
}

void PrintReport(const runtime::KernelMapping& m, const runtime::KernelResult& r, const fabric::TileGrid& grid,
                 bool systemc) {
  const fabric::FabricTotals t = fabric::Totals(grid);
  const double bound = std::max(m.compute_bound_cycles, m.io_bound_cycles);
  const std::string tiles = grid.RtlTiles() == grid.Tiles() ? "RTL tiles"
                            : grid.RtlTiles() == 0 ? "fast tiles"
                                                   : fmt::format("{} RTL tiles, the rest fast", grid.RtlTiles());
  fmt::print("{}: {} ({}, {})\n", m.kernel, m.description, tiles, systemc ? "SystemC fabric" : "plain loop");
  fmt::print("  status     {}: {}\n", fabric::RunStatusName(r.status), r.stop_reason);
  if (r.status == fabric::RunStatus::Done) {
    fmt::print("  result     {}: {} (max abs err {:.3g}, max rel err {:.3g}; the closest element used {:.2g}% of "
               "its tolerance)\n",
               r.correct ? "correct" : "WRONG", r.check, r.max_abs_err, r.max_rel_err, 100.0 * r.worst_share);
  } else {
    fmt::print("  result     not checked: the run {}\n", r.status == fabric::RunStatus::CycleLimit
                                                            ? "stopped at the cycle limit"
                                                            : fmt::format("stopped early ({})",
                                                                          fabric::RunStatusName(r.status)));
  }
  const double tile_cycles = double(r.cycles) * grid.Tiles();
  fmt::print("  cycles     {} ({:.3f} us at {:.0f} MHz); simulated in {:.2f} s ({:.0f} cycles/s, {:.0f} tile-cycles/s)\n",
             r.cycles, r.time_s * 1e6, grid.Config().clock_hz / 1e6, r.wall_s, r.cycles / std::max(r.wall_s, 1e-9),
             tile_cycles / std::max(r.wall_s, 1e-9));
  // Efficiency and the estimate's error are figures of a finished run, not of one stopped early.
  const bool done = r.status == fabric::RunStatus::Done;
  fmt::print("  bound      {:.0f} cycles, {}-bound (multiply-adds at {:g} per tile per cycle: {:.0f}; edge I/O "
             "at the edge bandwidth: {:.0f}); efficiency {}\n",
             bound, m.compute_bound_cycles >= m.io_bound_cycles ? "compute" : "I/O", m.macs_per_tile_cycle,
             m.compute_bound_cycles, m.io_bound_cycles,
             done ? Percent(bound, double(r.cycles))
                  : fmt::format("not measured: the run stopped early ({})", fabric::RunStatusName(r.status)));
  if (m.estimated_cycles > 0 && r.cycles > 0 && done) {
    fmt::print("  estimate   {:.0f} cycles, the plan's cost ({:+.1f}% against the simulation; docs/validation.md)\n",
               m.estimated_cycles, 100.0 * (m.estimated_cycles - double(r.cycles)) / double(r.cycles));
  }
  if (!r.phases.empty()) {
    std::string s;
    for (const auto& p : r.phases) {
      s += fmt::format("{}{} {:.0f} (max {:.0f})", s.empty() ? "" : "; ", p.name, p.mean_cycles, p.max_cycles);
    }
    fmt::print("  phases     mean cycles per region tile: {}\n", s);
  }
  if (!r.stages.empty()) PrintStages(r);
  if (!m.report_line.empty()) fmt::print("  {}\n", m.report_line);
  const double all = tile_cycles;
  using fabric::Activity;
  auto part = [&](Activity a) { return Percent(double(t.tile_cycles[static_cast<int>(a)]), all); };
  fmt::print("  tiles      busy {}, waiting for fabric input {}, output backpressure {}, SRAM bank conflicts {}, "
             "idle {}, halted {} (of {} tile-cycles)\n",
             part(Activity::Busy), part(Activity::WaitFabricIn), part(Activity::WaitFabricOut),
             part(Activity::WaitSram), part(Activity::Idle), part(Activity::Halted), static_cast<uint64_t>(all));
  fmt::print("  links      {} wavelets over mesh links; busiest link {} of cycles\n", t.link_wavelets,
             Percent(t.max_link_utilization, 1.0));
  fmt::print("  SRAM       peak {} of {} bytes in a tile (planned {}); {} reads, {} writes\n", t.max_sram_peak_bytes,
             grid.Config().sram_bytes, m.sram_bytes_per_tile, t.sram_reads, t.sram_writes);
}

std::string HeatmapPath(const std::string& prefix, const char* what) { return fmt::format("{}-{}.png", prefix, what); }

// The plan file's kernel mapping (--plan), or the built-in kernel's; with --emit-plan the
// kernel's Plan written out, with --plan-png its picture (nothing to run: returns false).
bool Map(const RunJob& job, const runtime::KernelRequest& req, const fabric::FabricConfig& config,
         runtime::KernelMapping& mapping, const std::string& plot_script, CommandFiles& files) {
  plan::Plan p;
  plan::LowerOptions options;
  if (!job.plan_file.empty()) {
    p = plan::ReadPlanFile(job.plan_file);
    options.program_dir = std::filesystem::path(job.plan_file).parent_path().string();
    if (options.program_dir.empty()) options.program_dir = ".";
  } else {
    const runtime::MapperInfo& mapper = runtime::FindMapper(req.kernel);
    if (job.emit_plan.empty() && job.plan_png.empty()) {
      mapping = mapper.map(req, config);
      return true;
    }
    if (!mapper.build_plan) {
      throw std::invalid_argument(fmt::format("{}: kernel '{}' is not built as a Plan yet (kernels that are: {})",
                                              job.emit_plan.empty() ? "--plan-png" : "--emit-plan", req.kernel,
                                              runtime::PlanBuilderNames()));
    }
    p = mapper.build_plan(req, config);
  }
  mapping = plan::Lower(p, config, options);  // it loads on this fabric before it is written or drawn
  if (job.emit_plan.empty() && job.plan_png.empty()) return true;
  fabric::DeferInterrupts();  // a Ctrl-C while writing removes what was written (CommandFiles)
  if (!job.emit_plan.empty()) {
    plan::WritePlanDir(p, job.emit_plan);
    fmt::print("{}: {}\n  plan       {}/plan.toml: {} tiles, {} tensors, {} inputs, {} outputs (run it with: "
               "wafersim run --plan {}/plan.toml{})\n",
               p.kernel, p.description, job.emit_plan, p.tiles.size(), p.tensors.size(), p.inputs.size(),
               p.outputs.size(), job.emit_plan, job.mesh.empty() ? "" : " --mesh " + job.mesh);
  }
  if (!job.plan_png.empty()) {
    const std::string map_path = job.plan_png + ".json";
    files.Writing(map_path);
    WriteJson(map_path, plan::PlanMap(p, config), "--plan-png");
    files.Writing(job.plan_png);
    RunHelper("--plan-png", {"/usr/bin/python3", plot_script, map_path, job.plan_png},
              "the picture needs /usr/bin/python3 with matplotlib");
    fmt::print("{}: {}\n  picture    {} (its map: {})\n", p.kernel, p.description, io::Printable(job.plan_png),
               io::Printable(map_path));
  }
  fabric::ThrowIfInterrupted("while the plan was written; its files are removed");
  return false;
}

}  // namespace

runtime::SimulationChoice SimulationChoiceOf(const RunJob& job) {
  runtime::SimulationChoice c;
  c.tiles = runtime::ParseTileChoice(job.tiles);
  c.scheduler = runtime::ParseSchedulerChoice(job.scheduler);
  if (!job.rtl_region.empty()) {
    const Region r = ParseRegion("--rtl-region", job.rtl_region);
    c.rtl_region = true;
    c.rtl_x0 = r.x0, c.rtl_y0 = r.y0, c.rtl_x1 = r.x1, c.rtl_y1 = r.y1;
  }
  c.threads = job.threads;
  c.run_ahead = !job.step_tensor_ops;
  c.max_cycles = job.max_cycles;
  c.watchdog = job.watchdog;
  return c;
}

int RunKernelJob(const RunJob& job) {
  // First thing: a Ctrl-C during the setup (mapping a big kernel takes seconds) ends the command
  // with exit 130 and one line; once the run starts it stops the run with its figures so far.
  fabric::InstallInterruptHandler();
  if (!job.plan_file.empty()) {
    for (const auto& flag : job.kernel_flags) {
      throw std::invalid_argument(fmt::format("{}: not with --plan (the plan file gives the kernel and its shape)", flag));
    }
  }
  // A --model block is several kernels run one after another; its resident layers are one plan.
  const bool model_block = !job.model.empty() && job.request.kernel != "layer";
  if (!job.emit_plan.empty() && model_block) {
    throw std::invalid_argument("--emit-plan: one kernel's plan, not a --model block's");
  }
  if (!job.plan_png.empty() && model_block) {
    throw std::invalid_argument("--plan-png: one kernel's plan, not a --model block's");
  }
  if (!job.emit_plan.empty() || !job.plan_png.empty()) {
    for (const auto& [flag, value] : {std::pair<const char*, const std::string&>{"--json", job.json},
                                      {"--trace", job.trace}, {"--heatmaps", job.heatmaps}}) {
      if (!value.empty()) {
        throw std::invalid_argument(fmt::format("{}: not with {} (nothing runs)", flag,
                                                job.emit_plan.empty() ? "--plan-png" : "--emit-plan"));
      }
    }
  }
  if (!job.model.empty()) return job.request.kernel == "layer" ? RunKernelJob(ResidentLayerJob(job)) : RunModelJob(job);
  // Every output is checked before the work, and removed again if a later step fails.
  CommandFiles files;
  files.Input("--config", job.config_file);
  files.Input("--plan", job.plan_file);
  files.Output("--json", job.json);
  if (!job.trace.empty()) {
    files.Output("--trace", job.trace);
    files.Output("--trace", job.trace, waves::SaveFilePathFor(job.trace));
  }
  const std::string json_path = !job.json.empty() || job.heatmaps.empty() ? job.json : job.heatmaps + "-run.json";
  std::string plot_script;
  if (!job.heatmaps.empty()) {
    if (job.json.empty()) files.Output("--heatmaps", job.heatmaps, json_path);
    files.Output("--heatmaps", job.heatmaps, HeatmapPath(job.heatmaps, "activity"));
    files.Output("--heatmaps", job.heatmaps, HeatmapPath(job.heatmaps, "links"));
    plot_script = FindHelperScript("--heatmaps", "plot_fabric");
  }
  if (!job.plan_png.empty()) {
    files.Output("--plan-png", job.plan_png);
    files.Output("--plan-png", job.plan_png, job.plan_png + ".json");
    plot_script = FindHelperScript("--plan-png", "plot_plan");
  }
  files.Check();
  const runtime::SimulationChoice choice = SimulationChoiceOf(job);
  const MeshSize mesh = job.mesh.empty() ? MeshSize{} : ParseMesh("--mesh", job.mesh);
  const fabric::FabricConfig config =
      fabric::ResolveFabricConfig(job.preset, job.config_file, mesh.width, mesh.height);
  const runtime::RunSetup setup = runtime::PrepareRun(choice, config);
  if (!job.heatmaps.empty() && config.Tiles() > fabric::kMaxListedTiles) {
    throw std::invalid_argument(fmt::format("--heatmaps: {} tiles; per-tile figures are kept for at most {}",
                                            config.Tiles(), fabric::kMaxListedTiles));
  }
  runtime::KernelRequest req = job.request;
  if (!job.region.empty()) {
    const MeshSize region = ParseMesh("--region", job.region);
    req.region_width = region.width;
    req.region_height = region.height;
  }
  double data_elements = 0;
  std::string what = fmt::format("a {}x{} mesh", config.width, config.height);
  if (job.plan_file.empty()) {
    const runtime::MapperInfo& mapper = runtime::FindMapper(req.kernel);
    runtime::CheckKernelFlags(mapper, req, job.kernel_flags);
    if (mapper.data_elements) data_elements = mapper.data_elements(req);
    what = fmt::format("{} on {}", req.kernel, what);
  }
  // Before mapping, which draws the data: the grid and the data the fabric can hold (a kernel
  // larger than the mesh's SRAM is refused by its mapper, before it draws anything).
  const double storable = double(config.TotalSramBytes()) / 2;  // binary16, the smallest element
  runtime::CheckHostMemory(setup, data_elements <= storable ? data_elements : 0, what);
  runtime::KernelMapping mapping;
  if (!Map(job, req, config, mapping, plot_script, files)) return 0;
  runtime::CheckCycleEstimate(mapping, setup.options.max_cycles);

  auto progress = std::make_shared<runtime::RunProgress>(std::max(mapping.compute_bound_cycles, mapping.io_bound_cycles),
                                                        mapping.estimated_cycles);
  const std::unique_ptr<fabric::TileGrid> grid_ptr =
      runtime::BuildGrid(setup, [progress](const fabric::TileGrid& g) { (*progress)(g); });
  fabric::TileGrid& grid = *grid_ptr;
  // From here a Ctrl-C stops the run at the end of its cycle, with the figures so far.
  fabric::DeferInterrupts();
  if (!job.trace.empty()) {
    Region reg{0, 0, std::min(config.width, 2) - 1, std::min(config.height, 2) - 1};
    if (!job.trace_region.empty()) reg = ParseRegion("--trace-region", job.trace_region);
    const Window win = ParseWindow("--trace-window", job.trace_window);
    grid.OpenTrace(job.trace, reg.x0, reg.y0, reg.x1, reg.y1, win.c0, win.c1);  // checks the region first
    files.Writing(job.trace);
    fabric::WriteFabricGtkw(job.trace, reg.x0, reg.y0, reg.x1, reg.y1);
    files.Writing(waves::SaveFilePathFor(job.trace));
  }
  const runtime::KernelResult result = runtime::RunKernel(mapping, grid, setup.scheduler);
  progress->Finish();
  PrintReport(mapping, result, grid, setup.scheduler == runtime::Scheduler::SystemC);
  if (!json_path.empty()) {
    WriteJson(json_path, runtime::ResultJson(mapping, result, grid), job.json.empty() ? "--heatmaps" : "--json");
    files.Writing(json_path);
  }
  if (!job.heatmaps.empty()) {
    files.Writing(HeatmapPath(job.heatmaps, "activity"));
    files.Writing(HeatmapPath(job.heatmaps, "links"));
    RunHelper("--heatmaps", {"/usr/bin/python3", plot_script, json_path, job.heatmaps},
              "the heatmaps need /usr/bin/python3 with matplotlib");
    fmt::print("  heatmaps   {}, {}\n", io::Printable(HeatmapPath(job.heatmaps, "activity")),
               io::Printable(HeatmapPath(job.heatmaps, "links")));
  }
  // Told only once every output is written.
  if (!job.trace.empty()) fmt::print("  trace      {} (open with: gtkwave {} {})\n", io::Printable(job.trace),
                                     io::Printable(job.trace), io::Printable(waves::SaveFilePathFor(job.trace)));
  if (const std::string failure = runtime::RunFailure(result); !failure.empty()) {
    fmt::print(stderr, "wafersim: error: {}\n", failure);
  }
  return runtime::RunExitCode(result);
}

void AddRunCommand(CLI::App& app, std::function<int()>& run) {
  auto job = std::make_shared<RunJob>();
  std::string kernels;
  for (const auto& m : runtime::Mappers()) kernels += fmt::format("{}{}", kernels.empty() ? "" : ", ", m.name);
  CLI::App* cmd = app.add_subcommand("run", "Map a kernel onto the fabric, simulate it and check the answer");
  runtime::KernelRequest& r = job->request;
  cmd->add_option("--kernel", r.kernel, "kernel: " + kernels)->capture_default_str();
  cmd->add_option("--m", r.m, "GEMV: rows of W (y's length); GEMM: rows of A and C")->capture_default_str();
  cmd->add_option("--n", r.n, "GEMV: columns of W (x's length); GEMM: columns of B and C")->capture_default_str();
  cmd->add_option("--k", r.k, "GEMM: columns of A, rows of B");
  // Parsed once the command line is read (its error names the flag, as every run error does).
  auto dtype = std::make_shared<std::string>(DTypeName(r.dtype));
  cmd->add_option("--dtype", *dtype, "operand storage: fp32, or fp16 with binary32 sums (f32, f16 also read)")
      ->capture_default_str();
  cmd->add_option("--phase", r.phase, "attention: decode (one new token per sequence) or prefill")
      ->capture_default_str();
  cmd->add_option("--batch", r.batch, "attention, rope: sequences")->capture_default_str();
  cmd->add_option("--heads", r.heads, "attention, rope: query heads");
  cmd->add_option("--kv-heads", r.kv_heads, "attention, rope: key/value heads (default: as many as --heads)");
  cmd->add_option("--head-dim", r.head_dim, "attention, rope: elements per head");
  cmd->add_option("--context", r.context,
                  "attention decode: tokens already in the KV cache; rope: each sequence's first position");
  cmd->add_option("--rope-base", r.rope_base,
                  "rope: theta_i = base^(-2i/head-dim) (default 10000; a --model block takes the model's rope_theta)");
  cmd->add_option("--prompt", r.prompt, "attention prefill: prompt tokens");
  cmd->add_option("--d-model", r.d_model, "MoE/FFN: model width");
  cmd->add_option("--d-ff", r.d_ff, "MoE/FFN: hidden width of each expert");
  cmd->add_option("--experts", r.experts, "MoE: experts");
  cmd->add_option("--top-k", r.top_k, "MoE: experts each token goes to");
  cmd->add_option("--tokens", r.tokens, "MoE/FFN, vector kernels, rope: tokens in the batch");
  cmd->add_option("--dispatch", r.dispatch, "MoE token dispatch: static (every token broadcast to every tile) or dynamic (routed packets to the chosen experts)")
      ->capture_default_str();
  cmd->add_option("--plan", job->plan_file,
                  "run a plan file (docs/plans.md): a mapping written by hand or by --emit-plan, its programs and .npy "
                  "files beside it")
      ->check(CLI::ExistingFile);
  cmd->add_option("--emit-plan", job->emit_plan,
                  "write the kernel's mapping as a plan folder (plan.toml, .npy files, programs) and exit without "
                  "running it (kernels: " + runtime::PlanBuilderNames() + ")")
      ->check(FileName());
  cmd->add_option("--plan-png", job->plan_png,
                  "draw the kernel's plan (or --plan's): its tiles by role, their routes by color and its ports, into "
                  "this PNG (and its map as PNG.json), and exit without running it")
      ->check(FileName());
  cmd->add_option("--model", job->model,
                  "run a model's transformer block kernel by kernel, the host between kernels (see wafersim workload); "
                  "with --kernel layer: the model resident on the wafer, every layer and its head unless --layers");
  cmd->add_option("--layers", job->layers,
                  "with --model: layers to run; --kernel layer: layers chained one into the next (with --model: all "
                  "of the model's, and its head, when not given)")
      ->capture_default_str();
  cmd->add_option("--vocab", r.vocab,
                  "--kernel layer: after the last layer, the model's head on the fabric: final norm, the output head "
                  "(VOCAB x d_model) and the argmax of its logits (with --model: the whole model gets it)")
      ->check(Unsigned());
  cmd->add_flag("--fit", r.fit,
                "take a larger region when the kernel does not fit the one asked for (gemm, moe, attention, rmsnorm, "
                "silu_mul, residual, rope)");
  cmd->add_option("--mesh", job->mesh, "mesh WxH (overrides the preset's size)");
  cmd->add_option("--region", job->region,
                  "tiles the mapping may use, WxH from the mesh's north-west corner (default: the kernel chooses "
                  "within the whole mesh; gemv may take a faster slice at its east edge, rmsnorm as many columns as "
                  "balance its rows; chain places its regions itself)");
  cmd->add_option("--preset", job->preset, "fabric preset (see wafersim config)")->capture_default_str();
  cmd->add_option("--config", job->config_file, "fabric TOML file over the preset")->check(FileName());
  cmd->add_option("--tiles", job->tiles,
                  "tile model: rtl (Verilated), fast (the C++ model, cycle-exact against it), or mixed (fast "
                  "around an --rtl-region)")
      ->capture_default_str();
  cmd->add_option("--rtl-region", job->rtl_region, "with --tiles mixed: the RTL tiles, x0,y0:x1,y1 (default 0,0:1,1)");
  cmd->add_option("--threads", job->threads, "threads stepping fast tiles on the plain loop (not with --tiles rtl)")
      ->capture_default_str();
  cmd->add_flag("--step-tensor-ops", job->step_tensor_ops,
                "fast tiles step every tensor operation cycle by cycle rather than run the ones on SRAM "
                "operands ahead and sleep through them: the same results, slower (a cross-check)");
  cmd->add_option("--scheduler", job->scheduler,
                  "systemc (a SystemC process per tile), plain (the same cycles as a loop without SystemC), or auto: "
                  "systemc for RTL tiles, plain for fast and mixed")
      ->capture_default_str();
  cmd->add_option("--seed", r.seed, "seed of the random inputs")->capture_default_str()->check(Unsigned());
  cmd->add_option("--max-cycles", job->max_cycles, "stop and fail after this many cycles")
      ->capture_default_str()->check(Unsigned());
  cmd->add_option("--watchdog", job->watchdog, "cycles without any movement that count as a deadlock")
      ->capture_default_str()->check(Unsigned());
  cmd->add_option("--json", job->json, "write the results as JSON")->check(FileName());
  cmd->add_option("--heatmaps", job->heatmaps, "write PREFIX-activity.png and PREFIX-links.png")->check(FileName());
  cmd->add_option("--trace", job->trace, "write FST waves (and FILE.gtkw beside them)")->check(FileName());
  cmd->add_option("--trace-region", job->trace_region, "tiles to trace, x0,y0:x1,y1 (default 0,0:1,1)");
  cmd->add_option("--trace-window", job->trace_window, "cycles to trace, c0:c1")->capture_default_str();
  cmd->callback([job, cmd, dtype, &run] {
    job->fabric_chosen = cmd->count("--preset") + cmd->count("--mesh") + cmd->count("--config") + cmd->count("--tiles") > 0;
    job->kernel_flags.clear();
    for (const char* flag : {"--kernel", "--m", "--n", "--k", "--dtype", "--phase", "--batch", "--heads", "--kv-heads",
                             "--head-dim", "--context", "--rope-base", "--prompt", "--d-model", "--d-ff", "--experts",
                             "--top-k", "--tokens", "--dispatch", "--model", "--layers", "--vocab", "--fit", "--region",
                             "--seed", "--emit-plan"}) {
      if (cmd->count(flag) > 0) job->kernel_flags.push_back(flag);
    }
    run = [job, dtype]() -> int {
      job->request.dtype = ParseDType(*dtype, "--dtype", plan::kPlanDTypes);
      job->request.layers = job->layers;
      return RunKernelJob(*job);
    };
  });
}

}  // namespace wafersim::cli
