#include "cli/compare_command.h"

#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command_files.h"
#include "cli/helper_program.h"
#include "cli/noc_report.h"
#include "cli/run_model.h"
#include "cli/workload_flags.h"
#include "compare/comparison.h"
#include "fabric_config.h"
#include "runtime/decoder_layer_mapper.h"
#include "runtime/fabric_file.h"
#include "runtime/kernel_run.h"
#include "tile_grid.h"
#include "gpu/preset_registry.h"
#include "io/file_io.h"
#include "workload/dtype.h"
#include "workload/phase.h"
#include "workload/workload_keys.h"

namespace wafersim::cli {

namespace {

namespace wl = wafersim::workload;
namespace cmp = wafersim::compare;

struct CompareFlags {
  WorkloadFlags workload;
  std::string wafer = "wse3";
  std::string wafer_config;
  std::string gpu = "h100-sxm";
  int gpus = 0;
  int wafers = 0;
  std::string weights = "auto";
  double wafer_link_gbps = 0;
  double stream_gbps = 0;
  std::string layer_cycles;
  bool simulate = false;
  std::string json;
  std::string plots;
};

std::string Time(double s) {
  if (s >= 1) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  if (s >= 1e-6) return fmt::format("{:.2f} us", s * 1e6);
  return fmt::format("{:.0f} ns", s * 1e9);
}

std::string Bytes(double v) {
  if (v >= 1e12) return fmt::format("{:.2f} TB", v / 1e12);
  if (v >= 1e9) return fmt::format("{:.1f} GB", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f} MB", v / 1e6);
  return fmt::format("{:.0f} kB", v / 1e3);
}

std::string Energy(double j) {
  if (j >= 1) return fmt::format("{:.3f} J", j);
  if (j >= 1e-3) return fmt::format("{:.2f} mJ", j * 1e3);
  return fmt::format("{:.1f} uJ", j * 1e6);
}

std::string Rate(double v) {
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.0f}", v);
  return fmt::format("{:.1f}", v);
}

void Row(const std::string& what, const std::string& wafer, const std::string& gpu) {
  fmt::print("  {:<26} {:<40} {}\n", what, wafer, gpu);
}

/// How the workload sits on the wafer, in words.
std::string WaferFitText(const cmp::WaferResults& r) {
  const cmp::WaferCapacity& cap = r.capacity;
  if (r.fits_one) return "fits one wafer";
  if (cap.layer_too_big) {
    return fmt::format("does not fit: {} alone needs {}, more than a wafer's usable {} beside its activations, "
                       "and a layer pipeline does not split a stage over wafers",
                       cap.largest_stage, Bytes(cap.largest_stage_bytes), Bytes(cap.usable_per_wafer));
  }
  if (!r.resident.fits) {
    return r.resident.devices == 1
               ? "its bytes fit one wafer, but its kernels' blocks (whole rows and columns of tiles) do not all place "
                 "on it"
               : fmt::format("does not fit {} wafers: their kernels' blocks (whole rows and columns of tiles) do not "
                             "all place",
                             r.resident.devices);
  }
  return fmt::format("does not fit one wafer; a layer pipeline over {} wafers holds it", r.resident.devices);
}

void PrintSide(const cmp::Comparison& c) {
  const wl::Workload& w = c.workload;
  const bool decode = w.phase == wl::Phase::kDecode;
  const cmp::MachineResult& a = c.wafer.Chosen();
  const cmp::MachineResult& g = c.gpu;
  const int last = w.first_layer + w.LayerCount() - 1;
  fmt::print("wafersim compare: {} {}, batch {}, {} {}, {}; layers {}..{}{}\n", w.model.name, wl::PhaseName(w.phase),
             w.batch, decode ? "context" : "prompt", decode ? w.context : w.prompt, wl::DTypeName(w.dtype),
             w.first_layer, last, last == w.model.layers - 1 ? " and the output head" : "");
  // A side that does not hold the workload is marked where its figures start: its times are
  // what it would take if it did (the command then fails, exit 1).
  const auto head = [](const std::string& what, const cmp::MachineResult& r) {
    return what + r.machine + (r.fits ? "" : " (DOES NOT FIT)");
  };
  Row("", head("wafer: ", a), head("GPU node: ", g));
  Row("mode", a.mode, g.mode);
  if (decode) {
    Row("time per output token", Time(a.step_s), Time(g.step_s));
    Row("tokens/s", Rate(a.TokensPerS()), Rate(g.TokensPerS()));
  } else {
    Row("time to first token", Time(a.step_s), Time(g.step_s));
    Row("prompt tokens/s", Rate(a.TokensPerS()), Rate(g.TokensPerS()));
  }
  Row("utilization", fmt::format("{:.2f}% of {:.2f} PFLOP/s", 100 * a.Utilization(), a.peak_flops / 1e15),
      fmt::format("{:.2f}% of {:.2f} PFLOP/s", 100 * g.Utilization(), g.peak_flops / 1e15));
  Row("bound", a.bound, g.bound);
  const auto memory = [](const cmp::MachineResult& r, const std::string& kind) {
    return fmt::format("{} of {} {}{}", Bytes(r.memory_needed_bytes), Bytes(r.memory_capacity_bytes), kind,
                       r.fits ? "" : " (DOES NOT FIT)");
  };
  Row("memory", memory(a, "SRAM usable"), memory(g, "HBM"));
  Row("energy per token", Energy(a.EnergyPerTokenJ()) + " counted", Energy(g.EnergyPerTokenJ()) + " counted");
  const auto rated = [](const cmp::MachineResult& r) {
    return r.rated_power_w > 0 ? fmt::format("{} at {:.1f} kW rated", Energy(r.RatedEnergyPerTokenJ()),
                                             r.devices * r.rated_power_w / 1e3)
                               : std::string("(no rated power)");
  };
  Row("", rated(a), rated(g));
  for (size_t i = 0; i < a.breakdown_s.size(); ++i) {
    const auto& [group, ta] = a.breakdown_s[i];
    const double tg = g.breakdown_s[i].second;
    if (ta <= 0 && tg <= 0) continue;
    Row(i == 0 ? "time: " + group : "      " + group,
        fmt::format("{} ({:.0f}%)", Time(ta), 100 * ta / a.step_s), fmt::format("{} ({:.0f}%)", Time(tg), 100 * tg / g.step_s));
  }

  const cmp::WaferCapacity& cap = c.wafer.capacity;
  fmt::print("\nwafer capacity: {} of weights + {} of KV cache + {} of activations; {} usable per wafer ({:.0f}% "
             "of {} tiles x {} bytes): {}\n",
             Bytes(cap.weight_bytes), Bytes(cap.kv_bytes), Bytes(cap.activation_bytes),
             Bytes(cap.usable_per_wafer + cap.activation_bytes), 100 * cap.usable_fraction, cap.tiles,
             cap.sram_bytes_per_tile,
             WaferFitText(c.wafer));
  const auto other = [&](const cmp::MachineResult& r) {
    fmt::print("  {:<34} {} per pass, {} tokens/s, bound {}, energy per token {}{}\n", r.mode, Time(r.step_s),
               Rate(r.TokensPerS()), r.bound, Energy(r.EnergyPerTokenJ()), r.fits ? "" : " (DOES NOT FIT)");
  };
  if (!c.wafer.fits_one || c.wafer.chosen == "stream") {
    fmt::print("  both ways out (--weights picks the one above):\n");
    other(c.wafer.resident);
    other(c.wafer.streamed);
  }
}

void PrintKernels(const cmp::Comparison& c) {
  const cmp::MachineResult& a = c.wafer.Chosen();
  const cmp::MachineResult& g = c.gpu;
  fmt::print("\nper kernel (one run x runs per pass):\n  {:<36} {:>22} {:<14} {:>22} {:<13}\n", "kernel",
             "wafer", "  bound", "GPU", "  bound");
  std::vector<std::string> names;
  std::map<std::string, const cmp::KernelTiming*> wa, gp;
  for (const auto& k : a.kernels) {
    names.push_back(k.name);
    wa[k.name] = &k;
  }
  for (const auto& k : g.kernels) {
    if (!wa.count(k.name)) names.push_back(k.name);
    gp[k.name] = &k;
  }
  const auto cell = [](const cmp::KernelTiming* k) {
    return k ? fmt::format("{} x {}", Time(k->time_s), k->count) : std::string("-");
  };
  for (const auto& n : names) {
    const auto* x = wa.count(n) ? wa[n] : nullptr;
    const auto* y = gp.count(n) ? gp[n] : nullptr;
    fmt::print("  {:<36} {:>22}   {:<12} {:>22}   {:<13}\n", n, cell(x), x ? x->bound : "", cell(y),
               y ? y->bound : "");
  }
  fmt::print("\nnotes:\n");
  for (const auto& n : a.notes) fmt::print("  wafer: {}\n", n);
  for (const auto& n : g.notes) fmt::print("  GPU: {}\n", n);
  fmt::print("  energy: counted operations and bytes x the energy table (docs/energy.md); dynamic energy only\n");
}

// --simulate: the wafer side from the simulation. The first two of the model's layers (one if
// it has one) resident and chained on the wafer, laid out as the whole model is (a snake of
// strips, room for the head), fast tiles, checked; the pass is the first layer's cycles, the
// second's for each later layer (the same shapes and layout, so the same cycles), and the
// head by its plans' costs. JSON: the result's "wafer_simulated".
nlohmann::json SimulateWafer(const cmp::Comparison& c, const fabric::FabricConfig& wafer) {
  const wl::Workload& w = c.workload;
  if (w.phase != wl::Phase::kDecode || w.batch != 1) {
    throw std::invalid_argument("--simulate: the resident layers run decode of one sequence (--phase decode --batch 1)");
  }
  const int layers = w.LayerCount();
  runtime::KernelRequest req = ResidentLayerRequest(w, std::min(2, layers), "--simulate");
  if (w.dtype == DType::kFp16 || w.dtype == DType::kBf16) {
    req.dtype = DType::kFp16;
  } else if (w.dtype == DType::kFp32) {
    req.dtype = DType::kFp32;
  } else {
    throw std::invalid_argument(fmt::format("--simulate: --dtype {}: the resident layers hold binary16 or binary32 "
                                            "weights", DTypeName(w.dtype)));
  }
  req.vocab = w.model.vocab;
  // Laid out as the whole model (and its head) where it fits one wafer.
  const int fit = runtime::ResidentLayersThatFit(req, wafer, layers);
  if (fit == layers) {
    req.layout_layers = layers;
  } else {
    req.vocab = 0;
  }
  fmt::print("\nsimulating {} of {} layers resident on {} (fast tiles; a Llama 3.2 1B pair takes about a minute)\n",
             req.layers, layers, c.wafer.Chosen().machine);
  std::fflush(stdout);
  const runtime::KernelMapping m = runtime::MapDecoderLayer(req, wafer);
  fabric::RunOptions options;
  options.max_cycles = static_cast<uint64_t>(2 * m.estimated_cycles) + 100'000;
  fabric::TileGrid grid(wafer, options, fabric::TileModels::All(fabric::TileModel::Fast));
  const runtime::KernelResult r = runtime::RunKernel(m, grid, runtime::Scheduler::PlainLoop);
  if (r.status != fabric::RunStatus::Done || !r.correct) {
    throw std::runtime_error(fmt::format("--simulate: the simulated layers did not run right: {}", r.check));
  }
  std::map<std::string, uint64_t> by_layer, by_kind;
  for (const auto& sh : runtime::StageShares(r)) {
    by_layer[sh.layer] += sh.cycles;
    if (sh.layer == (req.layers > 1 ? "L1" : "")) by_kind[sh.kind] += sh.cycles;
  }
  const uint64_t first = req.layers > 1 ? by_layer["L0"] : r.cycles, each = req.layers > 1 ? by_layer["L1"] : r.cycles;
  const double clock = wafer.clock_hz;
  const double layers_s = (double(first) + double(layers - 1) * double(each)) / clock;
  // The head by its plans' costs where the whole model fits; else the wafer model's.
  const double head_s = fit == layers ? runtime::ResidentHeadCycles(req, wafer) / clock : [&] {
    double s = 0;
    for (const auto& k : c.wafer.Chosen().kernels) {
      if (k.name == "lm_head") s += k.time_s * k.count;
    }
    return s;
  }();
  const double step_s = layers_s + head_s, gpu_s = c.gpu.step_s;
  fmt::print("simulated: {} layers resident and chained over the fabric, {}, checked ({}); in {:.0f} s\n", req.layers,
             req.dtype == DType::kFp16 ? "binary16 weights, binary32 activations and KV cache" : "binary32",
             r.correct ? "correct" : "WRONG", r.wall_s);
  Row("a layer", fmt::format("{} cycles ({})", each, Time(double(each) / clock)),
      req.layers > 1 ? fmt::format("the first {} cycles (its input from the edge)", first) : "");
  Row("time per output token", Time(step_s),
      fmt::format("{} layers x their cycles + the head by its plans' costs ({})", layers, Time(head_s)));
  Row("tokens/s", Rate(1.0 / step_s), fmt::format("the GPU node {}; the wafer model above {}", Rate(c.gpu.TokensPerS()),
                                                  Rate(c.wafer.Chosen().TokensPerS())));
  Row("wafer / GPU", fmt::format("{:.2f}x the GPU node's tokens/s", gpu_s / step_s), "");
  std::string kinds;
  for (const auto& [kind, cycles] : by_kind) {
    kinds += fmt::format("{}{} {:.0f}%", kinds.empty() ? "" : ", ", kind, 100.0 * double(cycles) / double(each));
  }
  Row("a layer's time", kinds, "");
  fmt::print("  note: a pass of layers one after another at the simulated layer's cycles; {}\n",
             fit < layers ? fmt::format("only {} of the {} layers fit one wafer (the whole model does not yet), so "
                                        "this is the pass as if every layer ran as fast as in a layout of {}, not a "
                                        "whole-model run",
                                        fit, layers, req.layers)
                          : fmt::format("the whole model fits one wafer: the two layers ran in its layout (run --kernel "
                                        "layer --layers {} --vocab {} with its shapes, or --model for a preset, runs it "
                                        "all)",
                                        layers, w.model.vocab));
  nlohmann::json j = {{"layers_simulated", req.layers}, {"layers", layers},
                      {"cycles_first_layer", first}, {"cycles_per_layer", each},
                      {"head_s", head_s}, {"step_s", step_s}, {"tokens_per_s", 1.0 / step_s},
                      {"gpu_step_s", gpu_s}, {"wall_s", r.wall_s}, {"check", r.check},
                      {"dtype", DTypeName(req.dtype)}, {"layer_cycles_by_kind", by_kind},
                      {"layers_that_fit_one_wafer", fit}};
  return j;
}

std::string PlotPath(const std::string& prefix, const char* what) { return fmt::format("{}-{}.png", prefix, what); }

double PositiveGbps(const std::string& flag, double v) {
  if (!(v > 0) || !std::isfinite(v)) throw std::invalid_argument(fmt::format("{} {}: must be a positive GB/s", flag, v));
  return v * 1e9;
}

}  // namespace

void AddCompareCommand(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "A workload on the wafer and on an HBM GPU node, side by side (time, tokens/s, bound, memory, "
                 "energy per token)");
  AddWorkloadOptions(*cmd, flags->workload);
  cmd->add_option("--wafer", flags->wafer, "fabric preset (see wafersim config)")->capture_default_str();
  cmd->add_option("--wafer-config", flags->wafer_config, "fabric TOML file over the preset")->check(FileName());
  cmd->add_option("--gpu", flags->gpu, "GPU preset (see wafersim gpu --list)")->capture_default_str();
  cmd->add_option("--gpus", flags->gpus, "GPUs of the node for tensor parallelism (default: the whole node)");
  cmd->add_option("--wafers", flags->wafers, "wafers of the layer pipeline (default: as many as the model needs)");
  cmd->add_option("--weights", flags->weights,
                  "when the model does not fit one wafer, report: pipeline (several wafers), stream (weights streamed "
                  "in at the edge) or auto (pipeline); both are shown")
      ->capture_default_str();
  cmd->add_option("--wafer-link-bw", flags->wafer_link_gbps, "bandwidth between pipelined wafers, GB/s (default 150)");
  cmd->add_option("--stream-bw", flags->stream_gbps,
                  "bandwidth of streamed weights, GB/s (default: the fabric's edge links x 4 bytes x clock)");
  cmd->add_option("--layer-cycles", flags->layer_cycles,
                  "JSON of simulated cycles per kernel, replacing the wafer model's estimates")
      ->check(FileName());
  cmd->add_flag("--simulate", flags->simulate,
                "also simulate the wafer side: two of the model's layers resident and chained on the fabric, checked "
                "(dense RoPE models, decode, batch 1; minutes for a real model)");
  cmd->add_option("--json", flags->json, "write the comparison as JSON")->check(FileName());
  cmd->add_option("--plots", flags->plots, "write PREFIX-roofline.png and PREFIX-breakdown.png")->check(FileName());
  cmd->callback([flags, cmd, &run] {
    run = [flags, cmd]() -> int {
      // Every output is checked before the work, and removed again if a later step fails.
      CommandFiles files;
      files.Input("--config", flags->workload.file);
      files.Input("--wafer-config", flags->wafer_config);
      files.Input("--layer-cycles", flags->layer_cycles);
      files.Output("--json", flags->json);
      const std::string json_path = !flags->json.empty() || flags->plots.empty() ? flags->json
                                                                                  : flags->plots + "-compare.json";
      std::string plot_script;
      if (!flags->plots.empty()) {
        if (flags->json.empty()) files.Output("--plots", flags->plots, json_path);
        files.Output("--plots", flags->plots, PlotPath(flags->plots, "roofline"));
        files.Output("--plots", flags->plots, PlotPath(flags->plots, "breakdown"));
        plot_script = FindHelperScript("--plots", "plot_compare");
      }
      files.Check();
      cmp::CompareRequest req;
      req.workload = ResolveWorkloadFlags(flags->workload);
      try {
        fabric::Preset(flags->wafer);  // an unknown preset is named with its flag
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("--wafer {}: {}", flags->wafer, e.what()));
      }
      req.wafer.config = fabric::ResolveFabricConfig(flags->wafer, flags->wafer_config);
      if (cmd->count("--wafer-link-bw") > 0) {
        req.wafer.params.wafer_link_bytes_per_s = PositiveGbps("--wafer-link-bw", flags->wafer_link_gbps);
      }
      if (cmd->count("--stream-bw") > 0) req.wafer.params.stream_bytes_per_s = PositiveGbps("--stream-bw", flags->stream_gbps);
      if (cmd->count("--wafers") > 0 && flags->wafers <= 0) {
        throw std::invalid_argument(fmt::format("--wafers {}: must be a positive integer", flags->wafers));
      }
      if (cmd->count("--gpus") > 0 && flags->gpus <= 0) {
        throw std::invalid_argument(fmt::format("--gpus {}: must be a positive integer", flags->gpus));
      }
      req.wafer_options.wafers = flags->wafers;
      req.wafer_options.weights = flags->weights;
      if (!flags->layer_cycles.empty()) req.overrides = cmp::CycleOverrides::Load(flags->layer_cycles);
      try {
        req.gpu = gpu::PresetRegistry::Get().Create(flags->gpu);
      } catch (const std::invalid_argument& e) {
        std::string msg = e.what();
        if (msg.rfind("--preset", 0) == 0) msg = "--gpu" + msg.substr(8);
        throw std::invalid_argument(msg);
      }
      req.gpus = flags->gpus;
      const cmp::Comparison c = cmp::Compare(req);
      PrintSide(c);
      PrintKernels(c);
      nlohmann::json out = cmp::ComparisonJson(c, req.energy);
      if (flags->simulate) out["wafer_simulated"] = SimulateWafer(c, req.wafer.config);
      if (!json_path.empty()) {
        WriteJson(json_path, out, flags->json.empty() ? "--plots" : "--json");
        files.Writing(json_path);
      }
      if (!flags->plots.empty()) {
        files.Writing(PlotPath(flags->plots, "roofline"));
        files.Writing(PlotPath(flags->plots, "breakdown"));
        RunHelper("--plots", {"/usr/bin/python3", plot_script, json_path, flags->plots},
                  "the plots need /usr/bin/python3 with matplotlib");
        fmt::print("plots: {}, {}\n", io::Printable(PlotPath(flags->plots, "roofline")),
                   io::Printable(PlotPath(flags->plots, "breakdown")));
      }
      // A side that does not hold the workload did not run it: a failed check (README, "Exit
      // codes"), though its figures are reported, marked.
      const cmp::MachineResult& a = c.wafer.Chosen();
      std::vector<std::string> failed;
      if (!a.fits) {
        failed.push_back(fmt::format("the wafer side ({}, {}) does not hold it: {} needed, {}", a.machine, a.mode,
                                     Bytes(a.memory_needed_bytes),
                                     c.wafer.capacity.layer_too_big
                                         ? fmt::format("{} alone is {} against {} usable per wafer beside its "
                                                       "activations",
                                                       c.wafer.capacity.largest_stage,
                                                       Bytes(c.wafer.capacity.largest_stage_bytes),
                                                       Bytes(c.wafer.capacity.usable_per_wafer))
                                         : fmt::format("{} usable", Bytes(a.memory_capacity_bytes))));
      }
      if (!c.gpu.fits) {
        failed.push_back(fmt::format("the GPU node ({}, {}) does not hold it: {} needed, {} of HBM", c.gpu.machine,
                                     c.gpu.mode, Bytes(c.gpu.memory_needed_bytes), Bytes(c.gpu.memory_capacity_bytes)));
      }
      if (!failed.empty()) {
        std::string line;
        for (const auto& f : failed) line += (line.empty() ? "" : "; ") + f;
        fmt::print(stderr, "wafersim: error: {}; its times above assume it did\n", line);
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace wafersim::cli
