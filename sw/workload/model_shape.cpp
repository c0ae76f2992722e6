#include "workload/model_shape.h"

#include <fmt/format.h>

#include "workload/key_error.h"

namespace wafersim::workload {

std::string FamilyName(Family f) { return f == Family::kMoe ? "moe" : "dense"; }
std::string AttentionName(AttentionKind a) { return a == AttentionKind::kMla ? "mla" : "gqa"; }
std::string FfnActivationName(FfnActivation a) { return a == FfnActivation::kGelu ? "gelu" : "swiglu"; }
std::string NormName(NormKind n) { return n == NormKind::kLayerNorm ? "layernorm" : "rmsnorm"; }

Family ParseFamily(const std::string& text) {
  if (text == "dense") return Family::kDense;
  if (text == "moe") return Family::kMoe;
  throw KeyError("model.family", text, "must be dense or moe");
}

AttentionKind ParseAttention(const std::string& text) {
  if (text == "gqa" || text == "mha") return AttentionKind::kGqa;
  if (text == "mla") return AttentionKind::kMla;
  throw KeyError("model.attention", text, "must be gqa (mha) or mla");
}

FfnActivation ParseFfnActivation(const std::string& text) {
  if (text == "swiglu") return FfnActivation::kSwiGlu;
  if (text == "gelu") return FfnActivation::kGelu;
  throw KeyError("model.ffn_activation", text, "must be swiglu or gelu");
}

NormKind ParseNorm(const std::string& text) {
  if (text == "rmsnorm") return NormKind::kRmsNorm;
  if (text == "layernorm") return NormKind::kLayerNorm;
  throw KeyError("model.norm", text, "must be rmsnorm or layernorm");
}

void ValidateModelShape(const ModelShape& m) {
  // Dimensions stay below 2^24 so that no product of three of them overflows 64 bits.
  constexpr int64_t kMaxDim = int64_t{1} << 24;
  auto range = [](const char* key, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) throw KeyError(key, std::to_string(v), fmt::format("must be in {}..{}", lo, hi));
  };
  auto zero_unless = [](const char* key, int64_t v, bool allowed, const char* when) {
    if (!allowed && v != 0) throw KeyError(key, std::to_string(v), fmt::format("must be 0 {}", when));
  };
  const bool mla = m.attention == AttentionKind::kMla;
  const bool moe = m.family == Family::kMoe;

  range("model.hidden", m.hidden, 1, kMaxDim);
  range("model.layers", m.layers, 1, 10000);
  range("model.heads", m.heads, 1, 65536);
  range("model.kv_heads", m.kv_heads, 1, m.heads);
  if (m.heads % m.kv_heads != 0) {
    throw KeyError("model.kv_heads", std::to_string(m.kv_heads),
                   fmt::format("must divide the heads ({}): grouped-query attention", m.heads));
  }
  range("model.vocab", m.vocab, 1, kMaxDim);
  range("model.max_context", m.max_context, 1, int64_t{1} << 30);
  range("model.rope_theta", m.rope_theta, 2, int64_t{1} << 40);

  if (mla) {
    range("model.kv_lora_rank", m.kv_lora_rank, 1, kMaxDim);
    range("model.q_lora_rank", m.q_lora_rank, 0, kMaxDim);
    range("model.qk_nope_head_dim", m.qk_nope_head_dim, 1, 4096);
    range("model.qk_rope_head_dim", m.qk_rope_head_dim, 0, 4096);
    range("model.v_head_dim", m.v_head_dim, 1, 4096);
    zero_unless("model.head_dim", m.head_dim, false, "with attention = mla (qk_nope_head_dim, qk_rope_head_dim and v_head_dim say it)");
  } else {
    range("model.head_dim", m.head_dim, 1, 4096);
    const char* when = "unless attention = mla";
    zero_unless("model.kv_lora_rank", m.kv_lora_rank, false, when);
    zero_unless("model.q_lora_rank", m.q_lora_rank, false, when);
    zero_unless("model.qk_nope_head_dim", m.qk_nope_head_dim, false, when);
    zero_unless("model.qk_rope_head_dim", m.qk_rope_head_dim, false, when);
    zero_unless("model.v_head_dim", m.v_head_dim, false, when);
  }

  if (moe) {
    range("model.experts", m.experts, 1, 65536);
    range("model.top_k", m.top_k, 1, m.experts);
    range("model.shared_experts", m.shared_experts, 0, 256);
    range("model.expert_ffn", m.expert_ffn, 1, kMaxDim);
    range("model.dense_layers", m.dense_layers, 0, m.layers - 1);
  } else {
    const char* when = "for a dense model (family = dense)";
    zero_unless("model.experts", m.experts, false, when);
    zero_unless("model.top_k", m.top_k, false, when);
    zero_unless("model.shared_experts", m.shared_experts, false, when);
    zero_unless("model.expert_ffn", m.expert_ffn, false, when);
    zero_unless("model.dense_layers", m.dense_layers, false, when);
  }
  const bool has_dense_ffn = !moe || m.dense_layers > 0;
  if (has_dense_ffn) {
    range("model.ffn", m.ffn, 1, kMaxDim);
  } else {
    zero_unless("model.ffn", m.ffn, false, "when no layer is dense (dense_layers = 0)");
  }
}

}  // namespace wafersim::workload
