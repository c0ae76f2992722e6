#include "cli/workload_command.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command_files.h"
#include "cli/noc_report.h"
#include "workload/flops.h"
#include "workload/layer_kernels.h"
#include "workload/memory_footprint.h"
#include "workload/model_registry.h"
#include "workload/param_count.h"
#include "workload/summary.h"
#include "workload/workload_keys.h"

namespace wafersim::cli {

namespace {

namespace wl = wafersim::workload;

struct WorkloadFlags {
  bool list = false;
  bool keys = false;
  std::string file;
  std::string json;
  /// Every documented key's flag, as typed; read only when given.
  std::map<std::string, std::string> text;
  std::map<std::string, CLI::Option*> given;
};

/// 8030261248 -> "8.030 B"; smaller counts with M or k.
std::string Count(double v) {
  if (v >= 1e9) return fmt::format("{:.3f} B", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.3f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.3f} k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

/// Bytes in decimal units.
std::string Bytes(double v) {
  if (v >= 1e12) return fmt::format("{:.2f} TB", v / 1e12);
  if (v >= 1e9) return fmt::format("{:.2f} GB", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} MB", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.2f} kB", v / 1e3);
  return fmt::format("{:.0f} B", v);
}

std::string Flops(double v) {
  if (v >= 1e12) return fmt::format("{:.3f} TFLOP", v / 1e12);
  if (v >= 1e9) return fmt::format("{:.3f} GFLOP", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.3f} MFLOP", v / 1e6);
  return fmt::format("{:.0f} FLOP", v);
}

std::string VersusPublished(double computed, double published) {
  if (published <= 0) return "";
  return fmt::format(" (published {}, {:+.2f}%)", Count(published), 100.0 * (computed / published - 1.0));
}

void PrintList() {
  fmt::print("{:<14} {:<6} {:>7} {:>7} {:>6} {:>10} {:>7} {:>11} {:>13} {:>12}\n", "model", "family", "hidden",
             "layers", "heads", "experts", "vocab", "params", "active/token", "KV B/token");
  for (const auto& name : wl::ModelRegistry::Get().Names()) {
    const wl::ModelShape m = wl::ModelRegistry::Get().Create(name);
    const wl::ModelParams p = wl::CountModelParams(m);
    const std::string heads =
        m.attention == wl::AttentionKind::kMla ? fmt::format("{} mla", m.heads) : fmt::format("{}/{}", m.heads, m.kv_heads);
    const std::string experts =
        m.family == wl::Family::kMoe
            ? fmt::format("{}x{}{}", m.experts, m.top_k,
                          m.shared_experts > 0 ? fmt::format("+{}", m.shared_experts) : "")
            : "-";
    fmt::print("{:<14} {:<6} {:>7} {:>7} {:>6} {:>10} {:>7} {:>11} {:>13} {:>12}\n", name, wl::FamilyName(m.family),
               m.hidden, m.layers, heads, experts, m.vocab, Count(static_cast<double>(p.Total())),
               Count(static_cast<double>(p.Active())), wl::KvBytesPerToken(m, wl::DType::kFp16));
  }
  fmt::print("experts: routed x top-k + shared. KV bytes at fp16, all layers.\n");
  for (const auto& name : wl::ModelRegistry::Get().Names()) {
    const wl::ModelShape m = wl::ModelRegistry::Get().Create(name);
    fmt::print("  {:<14} {}; source: {}\n", name, m.description, m.source);
  }
}

void PrintKeys() {
  fmt::print("{:<24} {:<20} {:>9} {:<18} {}\n", "key", "flag", "default", "unit", "meaning");
  for (const auto& k : wl::WorkloadKeys()) {
    fmt::print("{:<24} {:<20} {:>9} {:<18} {}\n", k.key, k.flag, k.fallback, k.unit, k.meaning);
  }
}

std::string KernelShape(const wl::Kernel& k) {
  switch (k.kind) {
    case wl::KernelKind::kGemm:
    case wl::KernelKind::kGemv: {
      std::string s = fmt::format("m {} n {} k {}", k.m, k.n, k.k);
      if (k.batch > 1) s = fmt::format("{} x ({})", k.batch, s);
      if (k.experts > 0) s += fmt::format(", rows over {} experts (top-{})", k.experts, k.top_k);
      return s;
    }
    case wl::KernelKind::kAttention:
      return fmt::format("{} seq x {} heads ({} kv), qk {} v {}, {} q x {} keys{}", k.sequences, k.heads, k.kv_heads,
                         k.qk_dim, k.v_dim, k.q_len, k.kv_len, k.causal ? ", causal" : "");
    default:
      return fmt::format("{} x {}{}", k.rows, k.width, k.top_k > 0 ? fmt::format(", top-{}", k.top_k) : "");
  }
}

void PrintWorkload(const wl::Workload& w) {
  const wl::ModelShape& m = w.model;
  fmt::print("model {}{}\n", m.name, m.description.empty() ? "" : ": " + m.description);
  if (!m.source.empty()) fmt::print("  source: {}\n", m.source);
  if (m.attention == wl::AttentionKind::kMla) {
    fmt::print("  hidden {}, {} layers, {} heads of multi-head latent attention: kv_lora_rank {}, q_lora_rank {}, "
               "qk head {} + {} rope, v head {}\n",
               m.hidden, m.layers, m.heads, m.kv_lora_rank, m.q_lora_rank, m.qk_nope_head_dim, m.qk_rope_head_dim,
               m.v_head_dim);
  } else {
    fmt::print("  hidden {}, {} layers, {} query heads, {} kv heads, head dim {}\n", m.hidden, m.layers, m.heads,
               m.kv_heads, m.head_dim);
  }
  if (m.family == wl::Family::kMoe) {
    fmt::print("  MoE: {} routed experts, top-{}, {} shared, expert FFN {} ({}); ", m.experts, m.top_k,
               m.shared_experts, m.expert_ffn, wl::FfnActivationName(m.ffn_activation));
    if (m.dense_layers > 0) {
      fmt::print("layers 0..{} dense FFN {}\n", m.dense_layers - 1, m.ffn);
    } else {
      fmt::print("no dense layer\n");
    }
  } else {
    fmt::print("  dense FFN {} ({})\n", m.ffn, wl::FfnActivationName(m.ffn_activation));
  }
  fmt::print("  vocab {}, max context {}, {}{}{}{}\n", m.vocab, m.max_context, wl::NormName(m.norm),
             m.bias ? ", biases" : "", m.tied_embeddings ? ", tied embeddings" : "",
             m.learned_positions ? ", learned positions" : ", rotary positions");

  const wl::ModelParams p = wl::CountModelParams(m);
  fmt::print("parameters: {} total{}, {} active per token{}\n", Count(static_cast<double>(p.Total())),
             VersusPublished(static_cast<double>(p.Total()), m.published_params),
             Count(static_cast<double>(p.Active())),
             VersusPublished(static_cast<double>(p.Active()), m.published_active_params));
  fmt::print("  embedding {}, output head {}{}, layers and norms {}\n", Count(static_cast<double>(p.embedding)),
             Count(static_cast<double>(p.lm_head)), m.tied_embeddings ? " (tied)" : "",
             Count(static_cast<double>(p.NonEmbedding())));
  fmt::print("number format: {} ({} storage, binary32 accumulation)\n", DTypeName(w.dtype), DTypeMeaning(w.dtype));
  fmt::print("weights: {} for the model; {} for the layers run\n",
             Bytes(static_cast<double>(wl::ModelWeightBytes(m, w.dtype))),
             Bytes(static_cast<double>(wl::WorkloadWeightBytes(w))));
  fmt::print("KV cache: {} bytes per token per layer, {} bytes per token ({} layers); the run holds {} "
             "({} seq x {} tokens x {} layers)\n",
             wl::KvBytesPerTokenPerLayer(m, w.dtype), wl::KvBytesPerToken(m, w.dtype), m.layers,
             Bytes(static_cast<double>(wl::WorkloadKvBytes(w))), w.batch, w.KvLength(), w.LayerCount());
  const int last = w.first_layer + w.LayerCount() - 1;
  if (w.phase == wl::Phase::kPrefill) {
    fmt::print("run: prefill, batch {} x prompt {} = {} new tokens, layers {}..{} ({} of {})\n", w.batch, w.prompt,
               w.Tokens(), w.first_layer, last, w.LayerCount(), m.layers);
  } else {
    fmt::print("run: decode, batch {}, context {} (+1 new token each), layers {}..{} ({} of {})\n", w.batch,
               w.context, w.first_layer, last, w.LayerCount(), m.layers);
  }
  const int64_t seq = w.phase == wl::Phase::kPrefill ? w.prompt : w.context;
  fmt::print("FLOPs (matrix, 2 per multiply-accumulate): {} per token in the layers run, {} for the {} new token(s); "
             "{} per token for the whole model with its output head\n",
             Flops(wl::WorkloadFlopsPerToken(w)), Flops(wl::WorkloadFlops(w)), w.Tokens(),
             Flops(wl::ModelFlopsPerToken(m, w.phase, seq)));
  for (const wl::LayerGroup& g : wl::GroupLayers(w)) {
    const wl::LayerFlops f = wl::LayerFlopsPerToken(m, g.first, w.phase, seq);
    const wl::LayerParams lp = wl::CountLayerParams(m, g.first);
    fmt::print("\nlayers {}..{} ({} FFN): {} parameters{}, {} of weights; per token {} = projections {} + "
               "attention {} + FFN {}{}\n",
               g.first, g.last, g.moe ? "MoE" : "dense", Count(static_cast<double>(lp.Total())),
               g.moe ? fmt::format(" ({} active)", Count(static_cast<double>(lp.Active()))) : "",
               Bytes(static_cast<double>(wl::LayerWeightBytes(m, g.first, w.dtype))), Flops(f.Total()),
               Flops(f.projections), Flops(f.attention), Flops(f.ffn),
               g.moe ? fmt::format(" + router {}", Flops(f.router)) : "");
    fmt::print("  {:>2} {:<20} {:<12} {:<66} {:>14} {:>11} {:>11}\n", "#", "kernel", "kind", "shape", "FLOPs",
               "weights", "KV");
    int i = 0;
    for (const wl::Kernel& k : wl::LayerKernels(w, g.first)) {
      fmt::print("  {:>2} {:<20} {:<12} {:<66} {:>14} {:>11} {:>11}\n", ++i, k.name, wl::KernelKindName(k.kind),
                 KernelShape(k), k.flops > 0 ? Flops(k.flops) : "-",
                 k.weight_bytes > 0 ? Bytes(k.weight_bytes) : "-", k.kv_bytes > 0 ? Bytes(k.kv_bytes) : "-");
    }
  }
}

}  // namespace

void AddWorkloadCommand(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<WorkloadFlags>();
  CLI::App* cmd = app.add_subcommand(
      "workload", "Describe a workload (model preset or dimensions, phase, batch, lengths): parameters, bytes, "
                  "FLOPs, each layer's kernels");
  cmd->add_flag("--list", flags->list, "list the model presets with their headline numbers");
  cmd->add_flag("--keys", flags->keys, "list the documented keys (TOML key, flag, default, unit, meaning)");
  cmd->add_option("--config", flags->file, "TOML file of [model] and [run] keys (flags override it)")
      ->check(FileName());
  cmd->add_option("--json", flags->json, "write the workload and everything derived as JSON")->check(FileName());
  for (const auto& k : wl::WorkloadKeys()) {
    flags->given[k.key] =
        cmd->add_option(k.flag, flags->text[k.key], fmt::format("{} ({}; default {})", k.meaning, k.unit, k.fallback));
  }
  cmd->callback([flags, &run] {
    run = [flags]() -> int {
      if (flags->list) {
        PrintList();
        return 0;
      }
      if (flags->keys) {
        PrintKeys();
        return 0;
      }
      CommandFiles files;  // checked before the work
      files.Input("--config", flags->file);
      files.Output("--json", flags->json);
      files.Check();
      std::vector<wl::Setting> from_file;
      if (!flags->file.empty()) from_file = wl::ReadWorkloadFile(flags->file);
      std::vector<wl::Setting> from_flags;
      for (const auto& k : wl::WorkloadKeys()) {
        if (flags->given[k.key]->count() > 0) from_flags.push_back(wl::FlagSetting(k.key, flags->text[k.key]));
      }
      const wl::Workload w = wl::ResolveWorkload(from_file, from_flags);
      PrintWorkload(w);
      if (!flags->json.empty()) WriteJson(flags->json, wl::WorkloadJson(w));
      return 0;
    };
  });
}

}  // namespace wafersim::cli
