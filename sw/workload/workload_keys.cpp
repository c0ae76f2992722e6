#include "workload/workload_keys.h"

#include <charconv>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "io/file_io.h"

#include "workload/key_error.h"
#include "workload/model_registry.h"
#include "workload/summary.h"

namespace wafersim::workload {

namespace {

enum class Type { kInt, kBool, kString };

// How a key reads into the workload. Rules on values are checked afterwards, all together, by
// ValidateWorkload (some rules involve several keys); setters only parse names.
struct Binding {
  WorkloadKey doc;
  Type type;
  std::function<void(Workload&, const KeyValue&)> set;
};

using Setter = std::function<void(Workload&, const KeyValue&)>;

Setter ModelInt(int64_t ModelShape::*field) {
  return [=](Workload& w, const KeyValue& v) { w.model.*field = std::get<int64_t>(v); };
}

Setter SmallInt(const char* key, int& (*field)(Workload&)) {
  return [=](Workload& w, const KeyValue& v) {
    const int64_t x = std::get<int64_t>(v);
    if (x < 0 || x > std::numeric_limits<int>::max()) {
      throw KeyError(key, std::to_string(x), fmt::format("must be in 0..{}", std::numeric_limits<int>::max()));
    }
    field(w) = static_cast<int>(x);
  };
}

Setter ModelBool(bool ModelShape::*field) {
  return [=](Workload& w, const KeyValue& v) { w.model.*field = std::get<bool>(v); };
}

Setter RunInt(int64_t Workload::*field) {
  return [=](Workload& w, const KeyValue& v) { w.*field = std::get<int64_t>(v); };
}

std::string PresetList() { return fmt::format("{}", fmt::join(ModelRegistry::Get().Names(), ", ")); }

const std::vector<Binding>& Bindings() {
  const std::string p = "preset";
  static const std::vector<Binding> bindings = {
      {{"model.preset", "--model", "llama3-8b", "name", "the model to start from: " + PresetList()},
       Type::kString, nullptr},  // applied first, by ResolveWorkload
      {{"model.name", "--model-name", p, "name", "the model's name in reports"}, Type::kString,
       [](Workload& w, const KeyValue& v) { w.model.name = std::get<std::string>(v); }},
      {{"model.family", "--family", p, "dense|moe", "dense FFN in every layer, or a mixture of experts"},
       Type::kString, [](Workload& w, const KeyValue& v) { w.model.family = ParseFamily(std::get<std::string>(v)); }},
      {{"model.hidden", "--hidden", p, "elements", "d_model: the residual stream's width"}, Type::kInt,
       ModelInt(&ModelShape::hidden)},
      {{"model.layers", "--model-layers", p, "layers", "transformer blocks in the model"}, Type::kInt,
       SmallInt("model.layers", [](Workload& w) -> int& { return w.model.layers; })},
      {{"model.heads", "--heads", p, "heads", "query heads"}, Type::kInt, ModelInt(&ModelShape::heads)},
      {{"model.kv_heads", "--kv-heads", p, "heads", "key/value heads; divides heads (= heads: multi-head attention)"},
       Type::kInt, ModelInt(&ModelShape::kv_heads)},
      {{"model.head_dim", "--head-dim", p, "elements", "per head (gqa; 0 with mla)"}, Type::kInt,
       ModelInt(&ModelShape::head_dim)},
      {{"model.ffn", "--ffn", p, "elements", "dense FFN's intermediate width (0 if no layer is dense)"}, Type::kInt,
       ModelInt(&ModelShape::ffn)},
      {{"model.vocab", "--vocab", p, "tokens", "vocabulary size"}, Type::kInt, ModelInt(&ModelShape::vocab)},
      {{"model.max_context", "--max-context", p, "tokens", "the longest sequence the model takes"}, Type::kInt,
       ModelInt(&ModelShape::max_context)},
      {{"model.ffn_activation", "--ffn-activation", p, "swiglu|gelu",
        "swiglu: down(SiLU(gate x) * up x), 3 matrices; gelu: down(GELU(up x)), 2"},
       Type::kString,
       [](Workload& w, const KeyValue& v) { w.model.ffn_activation = ParseFfnActivation(std::get<std::string>(v)); }},
      {{"model.norm", "--norm", p, "rmsnorm|layernorm", "the norm before attention, before the FFN and at the end"},
       Type::kString, [](Workload& w, const KeyValue& v) { w.model.norm = ParseNorm(std::get<std::string>(v)); }},
      {{"model.bias", "--bias", p, "true|false", "linear layers carry biases"}, Type::kBool,
       ModelBool(&ModelShape::bias)},
      {{"model.tied_embeddings", "--tied-embeddings", p, "true|false", "the output head is the input embedding"},
       Type::kBool, ModelBool(&ModelShape::tied_embeddings)},
      {{"model.learned_positions", "--learned-positions", p, "true|false",
        "a learned max_context x hidden position table (else rotary embeddings)"},
       Type::kBool, ModelBool(&ModelShape::learned_positions)},
      {{"model.rope_theta", "--rope-theta", p, "base", "rotary embeddings: pair i of a head turns by position x base^(-2i/head_dim)"},
       Type::kInt, ModelInt(&ModelShape::rope_theta)},
      {{"model.attention", "--attention", p, "gqa|mla",
        "grouped-query attention, or DeepSeek's multi-head latent attention"},
       Type::kString,
       [](Workload& w, const KeyValue& v) { w.model.attention = ParseAttention(std::get<std::string>(v)); }},
      {{"model.experts", "--experts", p, "experts", "routed experts per MoE layer"}, Type::kInt,
       ModelInt(&ModelShape::experts)},
      {{"model.top_k", "--top-k", p, "experts", "routed experts each token goes to"}, Type::kInt,
       ModelInt(&ModelShape::top_k)},
      {{"model.shared_experts", "--shared-experts", p, "experts", "experts every token goes to"}, Type::kInt,
       ModelInt(&ModelShape::shared_experts)},
      {{"model.expert_ffn", "--expert-ffn", p, "elements", "each expert's intermediate width"}, Type::kInt,
       ModelInt(&ModelShape::expert_ffn)},
      {{"model.dense_layers", "--dense-layers", p, "layers", "the first layers of an MoE model keep a dense FFN"},
       Type::kInt, SmallInt("model.dense_layers", [](Workload& w) -> int& { return w.model.dense_layers; })},
      {{"model.kv_lora_rank", "--kv-lora-rank", p, "elements", "mla: the compressed key/value latent d_c"},
       Type::kInt, ModelInt(&ModelShape::kv_lora_rank)},
      {{"model.q_lora_rank", "--q-lora-rank", p, "elements", "mla: the compressed query latent (0: none)"},
       Type::kInt, ModelInt(&ModelShape::q_lora_rank)},
      {{"model.qk_nope_head_dim", "--qk-nope-head-dim", p, "elements", "mla: per-head query/key part without RoPE"},
       Type::kInt, ModelInt(&ModelShape::qk_nope_head_dim)},
      {{"model.qk_rope_head_dim", "--qk-rope-head-dim", p, "elements", "mla: the rotary key part, shared by heads"},
       Type::kInt, ModelInt(&ModelShape::qk_rope_head_dim)},
      {{"model.v_head_dim", "--v-head-dim", p, "elements", "mla: per-head value width"}, Type::kInt,
       ModelInt(&ModelShape::v_head_dim)},
      {{"run.phase", "--phase", "decode", "prefill|decode", "read a prompt, or make one token against the KV cache"},
       Type::kString, [](Workload& w, const KeyValue& v) { w.phase = ParsePhase(std::get<std::string>(v)); }},
      {{"run.batch", "--batch", "1", "sequences", "sequences processed together"}, Type::kInt,
       RunInt(&Workload::batch)},
      {{"run.prompt", "--prompt", "1024", "tokens", "prefill: tokens per sequence"}, Type::kInt,
       RunInt(&Workload::prompt)},
      {{"run.context", "--context", "1024", "tokens", "decode: tokens already in each sequence's KV cache"},
       Type::kInt, RunInt(&Workload::context)},
      {{"run.dtype", "--dtype", "fp16", "fp16|bf16|fp8|fp32",
        "storage of weights, activations and KV cache; products accumulate in binary32"},
       Type::kString, [](Workload& w, const KeyValue& v) { w.dtype = ParseDType(std::get<std::string>(v)); }},
      {{"run.first_layer", "--first-layer", "0", "layer", "the first layer run (0-based)"}, Type::kInt,
       SmallInt("run.first_layer", [](Workload& w) -> int& { return w.first_layer; })},
      {{"run.layers", "--layers", "0", "layers", "layers run from first_layer on (0: all the rest)"}, Type::kInt,
       SmallInt("run.layers", [](Workload& w) -> int& { return w.layers; })},
  };
  return bindings;
}

const Binding* Find(const std::string& key) {
  for (const auto& b : Bindings()) {
    if (b.doc.key == key) return &b;
  }
  return nullptr;
}

/// A KeyError's message said where its value came from.
std::invalid_argument Located(const KeyError& e, const std::string& origin, const std::string& hint = "") {
  if (origin.rfind("--", 0) == 0) return std::invalid_argument(fmt::format("{} {}: {}", origin, e.value(), e.rule()));
  if (!origin.empty()) {
    return std::invalid_argument(fmt::format("{}: {} {}: {}", origin, e.key(), e.value(), e.rule()));
  }
  return std::invalid_argument(fmt::format("{} {}: {}{}", e.key(), e.value(), e.rule(), hint));
}

/// A preset whose shape a file or a flag changed is no longer the published model: its name
/// says so (unless model.name gave one) and its published totals are dropped, so reports do not
/// compare a different shape with them.
void MarkChangedPreset(const ModelShape& preset, bool named, ModelShape& m) {
  nlohmann::json a = ModelShapeJson(preset), b = ModelShapeJson(m);
  for (const char* k : {"name", "source"}) {
    a.erase(k);
    b.erase(k);
  }
  if (a == b) return;
  std::string changes;
  for (const auto& [key, value] : b.items()) {
    if (a.contains(key) && a[key] == value) continue;
    changes += fmt::format("{}{} {}", changes.empty() ? "" : ", ", key,
                           value.is_string() ? value.get<std::string>() : value.dump());
  }
  if (!named) m.name = preset.name + " (modified)";
  m.description = fmt::format("the {} preset with {}", preset.name, changes);
  m.source = preset.source.empty() ? "" : "the preset's: " + preset.source;
  m.published_params = 0;
  m.published_active_params = 0;
}

}  // namespace

const std::vector<WorkloadKey>& WorkloadKeys() {
  static const std::vector<WorkloadKey> keys = [] {
    std::vector<WorkloadKey> k;
    for (const auto& b : Bindings()) k.push_back(b.doc);
    return k;
  }();
  return keys;
}

std::string KeyValueText(const KeyValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return std::get<std::string>(v);
}

std::vector<Setting> ReadWorkloadFile(const std::string& path) {
  std::string text;
  try {
    text = io::ReadFile(path);
  } catch (const io::FileError& e) {
    throw std::invalid_argument(e.what());
  }
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw std::invalid_argument(
        fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description()));
  }
  std::vector<Setting> settings;
  for (const auto& [section, node] : root) {
    const std::string s(section.str());
    const auto* tbl = node.as_table();
    if (tbl == nullptr || (s != "model" && s != "run")) {
      throw std::invalid_argument(
          fmt::format("{}:{}: {}: unknown key (sections: model, run)", path, node.source().begin.line, s));
    }
    for (const auto& [key, value] : *tbl) {
      const std::string full = s + "." + std::string(key.str());
      const auto line = value.source().begin.line;
      const Binding* b = Find(full);
      if (b == nullptr) {
        throw std::invalid_argument(
            fmt::format("{}:{}: {}: unknown key (wafersim workload --keys lists them)", path, line, full));
      }
      const std::string origin = fmt::format("{}:{}", path, line);
      KeyValue v;
      if (b->type == Type::kInt) {
        if (!value.is_integer()) throw std::invalid_argument(fmt::format("{}: {}: must be an integer", origin, full));
        v = *value.value<int64_t>();
      } else if (b->type == Type::kBool) {
        if (!value.is_boolean()) {
          throw std::invalid_argument(fmt::format("{}: {}: must be true or false", origin, full));
        }
        v = *value.value<bool>();
      } else {
        if (!value.is_string()) throw std::invalid_argument(fmt::format("{}: {}: must be a string", origin, full));
        v = *value.value<std::string>();
      }
      settings.push_back({full, v, origin});
    }
  }
  return settings;
}

Setting FlagSetting(const std::string& key, const std::string& text) {
  const Binding* b = Find(key);
  if (b == nullptr) throw std::logic_error("FlagSetting: no key " + key);
  Setting s{key, text, b->doc.flag};
  if (b->type == Type::kInt) {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      throw std::invalid_argument(fmt::format("{} {}: must be an integer", b->doc.flag, text));
    }
    s.value = v;
  } else if (b->type == Type::kBool) {
    if (text == "true" || text == "1" || text == "yes" || text == "on") {
      s.value = true;
    } else if (text == "false" || text == "0" || text == "no" || text == "off") {
      s.value = false;
    } else {
      throw std::invalid_argument(fmt::format("{} {}: must be true or false", b->doc.flag, text));
    }
  }
  return s;
}

Workload ResolveWorkload(const std::vector<Setting>& file, const std::vector<Setting>& flags) {
  // The preset first: a flag's, else the file's. A file that gives model dimensions without a
  // preset describes a new model; flags alone change the default preset's.
  const Setting* preset = nullptr;
  bool model_keys = false, named = false;
  for (const auto* list : {&file, &flags}) {
    for (const auto& s : *list) {
      if (s.key == "model.preset") {
        preset = &s;
      } else if (s.key == "model.name") {
        named = true;
      } else if (s.key.rfind("model.", 0) == 0 && list == &file) {
        model_keys = true;
      }
    }
  }
  Workload w;
  const bool custom = preset == nullptr && model_keys;
  try {
    if (preset != nullptr) {
      w.model = ModelRegistry::Get().Create(std::get<std::string>(preset->value));
    } else if (custom) {
      w.model = ModelShape{};
      w.model.name = "custom";
    } else {
      w.model = ModelRegistry::Get().Create("llama3-8b");
    }
  } catch (const KeyError& e) {
    throw Located(e, preset != nullptr ? preset->origin : "");
  }
  const ModelShape base = w.model;
  // Then the file's keys, then the flags'.
  std::map<std::string, std::string> origin;
  for (const auto* list : {&file, &flags}) {
    for (const auto& s : *list) {
      if (s.key == "model.preset") continue;
      const Binding* b = Find(s.key);
      if (b == nullptr) throw std::logic_error("ResolveWorkload: no key " + s.key);
      try {
        b->set(w, s.value);
      } catch (const KeyError& e) {
        throw Located(e, s.origin);
      }
      origin[s.key] = s.origin;
    }
  }
  try {
    ValidateWorkload(w);
  } catch (const KeyError& e) {
    const auto it = origin.find(e.key());
    const bool model_key = e.key().rfind("model.", 0) == 0;
    throw Located(e, it == origin.end() ? "" : it->second,
                  custom && model_key ? " (a model without a preset must give it)" : "");
  }
  if (!custom) MarkChangedPreset(base, named, w.model);
  return w;
}

Workload LoadWorkload(const std::string& path) { return ResolveWorkload(ReadWorkloadFile(path), {}); }

}  // namespace wafersim::workload
