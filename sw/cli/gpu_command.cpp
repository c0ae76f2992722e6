#include "cli/gpu_command.h"

#include <cmath>
#include <memory>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "cli/cli_util.h"
#include <nlohmann/json.hpp>

#include "cli/command_files.h"
#include "cli/noc_report.h"
#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"
#include "gpu/moe_routing.h"
#include "gpu/preset_registry.h"

namespace wafersim::cli {

namespace {

struct GpuFlags {
  bool list = false;
  std::string preset = "h100-sxm";
  std::string kernel;
  std::string dtype = "bf16";
  std::string tile;
  std::string expert_tokens;
  std::string bytes;
  std::string json;
  bool ungated = false;
  gpu::KernelParams p;
};

/// "1073741824", "1GiB", "4G", "512MiB", "2.5e9" -> bytes; throws naming the flag.
int64_t ParseBytes(const std::string& flag, const std::string& text) {
  static const std::pair<const char*, double> kSuffixes[] = {
      {"KiB", 1024.0}, {"MiB", 1024.0 * 1024}, {"GiB", 1024.0 * 1024 * 1024}, {"TiB", 1024.0 * 1024 * 1024 * 1024},
      {"KB", 1e3},     {"MB", 1e6},            {"GB", 1e9},                   {"TB", 1e12},
      {"K", 1e3},      {"M", 1e6},             {"G", 1e9},                    {"T", 1e12},
      {"B", 1},
  };
  std::string number = text;
  double scale = 1;
  for (const auto& [suffix, factor] : kSuffixes) {
    const std::string s = suffix;
    if (number.size() > s.size() && number.compare(number.size() - s.size(), s.size(), s) == 0) {
      number = number.substr(0, number.size() - s.size());
      scale = factor;
      break;
    }
  }
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (number.empty() || used != number.size() || !std::isfinite(v)) {
    throw std::invalid_argument(fmt::format("{} {}: expected a byte count, e.g. 1073741824, 1GiB or 512MB", flag, text));
  }
  const double bytes = std::round(v * scale);
  if (bytes < 1 || bytes > 1e15) {
    throw std::invalid_argument(fmt::format("{} {}: must be 1 byte .. 1 PB", flag, text));
  }
  return static_cast<int64_t>(bytes);
}

std::string Time(double s) {
  if (s >= 1) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  if (s >= 1e-6) return fmt::format("{:.2f} us", s * 1e6);
  return fmt::format("{:.0f} ns", s * 1e9);
}

void PrintList() {
  const auto& presets = gpu::PresetRegistry::Get();
  fmt::print("presets:\n");
  for (const auto& name : presets.Names()) fmt::print("  {:<14} {}\n", name, presets.Description(name));
  fmt::print("kernels:\n");
  const auto& kernels = gpu::KernelRegistry::Get();
  for (const auto& name : kernels.Names()) {
    const auto& k = kernels.Find(name);
    fmt::print("  {:<12} {}\n  {:<12}   flags: {}\n", name, k.description, "", k.flags);
  }
  fmt::print("dtypes: fp32, tf32, bf16, fp16, fp8 (what each preset supports: its matrix units)\n");
}

void PrintResult(const gpu::KernelResult& r) {
  fmt::print("wafersim gpu: {} on {} ({} GPU{}), {}\n", r.kernel, r.preset, r.gpus, r.gpus > 1 ? "s" : "",
             DTypeName(r.dtype));
  auto row = [](const std::string& k, const std::string& v) { fmt::print("  {:<18} {}\n", k, v); };
  row("time", fmt::format("{} ({:.0f} cycles at {:.0f} MHz)", Time(r.time_s), r.cycles, r.clock_hz / 1e6));
  if (r.flops > 0) {
    row("throughput", r.peak_flops > 0 ? fmt::format("{:.1f} TFLOP/s ({:.1f}% of {:.1f} peak)", r.Tflops(),
                                                     100 * r.flops / r.time_s / r.peak_flops, r.peak_flops / 1e12)
                                       : fmt::format("{:.1f} TFLOP/s", r.Tflops()));
  }
  row("HBM traffic", fmt::format("{} read + written, achieved {:.3f} TB/s ({:.1f}% of {:.2f} peak)",
                                 gpu::Bytes(r.hbm_bytes), r.AchievedBytesPerS() / 1e12,
                                 100 * r.AchievedBytesPerS() / r.peak_hbm_bytes_per_s, r.peak_hbm_bytes_per_s / 1e12));
  if (r.hbm_held_bytes > 0) {
    row("HBM held", fmt::format("{} of {} on {} (operands and results)", gpu::Bytes(r.hbm_held_bytes),
                                gpu::Bytes(r.hbm_capacity_bytes), r.gpus > 1 ? "the busiest GPU" : "the GPU"));
  }
  if (r.link_bytes > 0) row("link traffic", fmt::format("{} sent by the busiest GPU", gpu::Bytes(r.link_bytes)));
  row("bound", fmt::format("{} ({})", r.bound, r.limiter));
  for (const auto& [k, v] : r.details) row(k, v);
  if (!r.phases.empty()) {
    fmt::print("  phases:\n    {:<28} {:>12} {:>10} {:>12} {:>14}\n", "phase", "time", "TFLOP/s", "HBM", "bound");
    for (const auto& ph : r.phases) {
      const double t = ph.cycles / r.clock_hz;
      fmt::print("    {:<28} {:>12} {:>10.1f} {:>12} {:>14}\n", ph.name, Time(t), t > 0 ? ph.flops / t / 1e12 : 0.0,
                 gpu::Bytes(ph.hbm_bytes), ph.bound);
    }
  }
}

// Flags that do not apply to the kernel are refused, not ignored: a kernel takes the flags its
// --list line names (KernelInfo::flags), and every kernel the command's own.
void CheckKernelFlags(const CLI::App& cmd, const gpu::KernelInfo& k) {
  static const std::regex kFlag("--[a-z][a-z0-9-]*");
  std::set<std::string> takes = {"--list", "--preset", "--kernel", "--json"};
  for (std::sregex_iterator it(k.flags.begin(), k.flags.end(), kFlag), end; it != end; ++it) takes.insert(it->str());
  for (const CLI::Option* o : cmd.get_options()) {
    if (o->count() == 0 || takes.count(o->get_name()) > 0) continue;
    throw std::invalid_argument(fmt::format("{}: {} does not take it (its flags: {})", o->get_name(), k.name, k.flags));
  }
}

}  // namespace

void AddGpuCommand(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<GpuFlags>();
  gpu::KernelParams& p = flags->p;
  CLI::App* cmd = app.add_subcommand("gpu", "A kernel on the HBM GPU model (cycles, TFLOP/s, HBM traffic, bound)");
  std::string presets, kernels;
  for (const auto& n : gpu::PresetRegistry::Get().Names()) presets += (presets.empty() ? "" : ", ") + n;
  for (const auto& n : gpu::KernelRegistry::Get().Names()) kernels += (kernels.empty() ? "" : ", ") + n;
  cmd->add_flag("--list", flags->list, "list the presets and kernels");
  cmd->add_option("--preset", flags->preset, "GPU: " + presets)->capture_default_str();
  cmd->add_option("--kernel", flags->kernel, "kernel: " + kernels);
  cmd->add_option("--dtype", flags->dtype, "element type: fp32, tf32, bf16, fp16, fp8")->capture_default_str();
  cmd->add_option("--gpus", p.gpus, "GPUs of the node to use (default: the preset's; -x8 presets use 8)");
  cmd->add_option("--m", p.m, "gemm/gemv: rows of A and C");
  cmd->add_option("--n", p.n, "gemm/gemv: columns of B and C");
  cmd->add_option("--k", p.k, "gemm/gemv: the reduced dimension");
  cmd->add_option("--tile", flags->tile, "gemm: force the CTA tile BMxBN[xBK] instead of choosing one");
  cmd->add_option("--split-k", p.gemm.split_k, "gemm: force the split-K factor (0: choose)");
  cmd->add_option("--phase", p.phase, "attention: prefill or decode")->capture_default_str();
  cmd->add_option("--batch", p.batch, "attention: sequences")->capture_default_str();
  cmd->add_option("--seq", p.seq, "attention: prefill tokens per sequence (decode: new tokens, default 1)");
  cmd->add_option("--context", p.context, "attention: tokens already in the KV cache");
  cmd->add_option("--heads", p.heads, "attention: query heads");
  cmd->add_option("--kv-heads", p.kv_heads, "attention: key/value heads (default: --heads)");
  cmd->add_option("--head-dim", p.head_dim, "attention: head dimension")->capture_default_str();
  cmd->add_flag("--causal", p.causal, "attention: causal mask");
  cmd->add_option("--tokens", p.tokens, "moe, rmsnorm: tokens");
  cmd->add_option("--experts", p.experts, "moe: routed experts");
  cmd->add_option("--top-k", p.top_k, "moe: experts per token");
  cmd->add_option("--d-model", p.d_model, "moe, rmsnorm: hidden size");
  cmd->add_option("--d-ff", p.d_ff, "moe: expert FFN size");
  cmd->add_option("--expert-tokens", flags->expert_tokens, "moe: tokens per expert, e.g. 900,80,40,4 (instead of "
                                                           "--routing)");
  cmd->add_option("--routing", p.routing.kind, "moe: balanced, uniform or zipf")->capture_default_str();
  cmd->add_option("--skew", p.routing.skew, "moe: zipf exponent")->capture_default_str();
  cmd->add_option("--seed", p.routing.seed, "moe: routing seed")->capture_default_str()->check(Unsigned());
  cmd->add_flag("--ungated", flags->ungated, "moe: plain (not SwiGLU) experts: the up projection is d_ff wide");
  cmd->add_option("--bytes", flags->bytes, "copy: bytes copied; allreduce/alltoall: bytes per GPU (1GiB, 512MB, ...)");
  cmd->add_option("--elements", p.elements, "elementwise: elements");
  cmd->add_option("--inputs", p.inputs, "elementwise: operands read per output")->capture_default_str();
  cmd->add_option("--json", flags->json, "write the result as JSON")->check(FileName());

  cmd->callback([flags, cmd, &run] {
    run = [flags, cmd]() -> int {
      if (flags->list) {
        PrintList();
        return 0;
      }
      CommandFiles files;  // checked before the work
      files.Output("--json", flags->json);
      files.Check();
      if (flags->kernel.empty()) throw std::invalid_argument("--kernel: required (see wafersim gpu --list)");
      CheckKernelFlags(*cmd, gpu::KernelRegistry::Get().Find(flags->kernel));
      gpu::KernelParams p = flags->p;
      // Sizes given on the command line must be positive (0 means "not given" to the models).
      const std::pair<const char*, int64_t> sizes[] = {
          {"--m", p.m},           {"--n", p.n},           {"--k", p.k},         {"--batch", p.batch},
          {"--seq", p.seq},       {"--heads", p.heads},   {"--kv-heads", p.kv_heads}, {"--head-dim", p.head_dim},
          {"--tokens", p.tokens}, {"--experts", p.experts}, {"--top-k", p.top_k}, {"--d-model", p.d_model},
          {"--d-ff", p.d_ff},     {"--elements", p.elements}, {"--gpus", p.gpus},
      };
      for (const auto& [flag, v] : sizes) {
        if (cmd->count(flag) > 0 && v <= 0) {
          throw std::invalid_argument(fmt::format("{} {}: must be a positive integer", flag, v));
        }
      }
      if (cmd->count("--context") > 0 && p.context < 0) {
        throw std::invalid_argument(fmt::format("--context {}: must be a positive integer", p.context));
      }
      if (cmd->count("--context") > 0 && p.context == 0 && p.phase == "decode") {
        throw std::invalid_argument("--context 0: must be a positive integer");
      }
      if (p.gemm.split_k < 0) throw std::invalid_argument(fmt::format("--split-k {}: must be >= 0", p.gemm.split_k));
      p.dtype = ParseDType(flags->dtype, "--dtype");
      if (!flags->tile.empty()) p.gemm.force = gpu::ParseTile(flags->tile);
      if (!flags->expert_tokens.empty()) p.expert_tokens = gpu::ParseExpertTokens(flags->expert_tokens);
      if (!flags->bytes.empty()) p.bytes = ParseBytes("--bytes", flags->bytes);
      p.gated = !flags->ungated;
      const gpu::GpuSpec spec = gpu::PresetRegistry::Get().Create(flags->preset);
      gpu::KernelRegistry::Get().CheckFits(flags->kernel, spec, p);  // HBM holds the operands, or refused
      const gpu::KernelResult r = gpu::KernelRegistry::Get().Run(flags->kernel, spec, p);
      PrintResult(r);
      if (!flags->json.empty()) WriteJson(flags->json, gpu::ResultJson(r));
      return 0;
    };
  });
}

}  // namespace wafersim::cli
