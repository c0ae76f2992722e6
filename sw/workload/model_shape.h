// A transformer's shape: what a preset or a workload file says about the model, and nothing
// derived. Dense (Llama, GPT-3) and mixture-of-experts (Mixtral, DeepSeek) decoders; grouped-query
// attention (multi-head when kv_heads == heads) and DeepSeek's multi-head latent attention (MLA).
// The quantities computed from a shape live beside it: param_count.h, memory_footprint.h,
// flops.h, layer_kernels.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wafersim::workload {

enum class Family { kDense, kMoe };
/// kGqa: q, k, v and o projections, kv_heads of them for k and v (kv_heads == heads is plain
/// multi-head attention). kMla: DeepSeek-V2/V3's low-rank compressed keys and values.
enum class AttentionKind { kGqa, kMla };
/// kSwiGlu: down(SiLU(gate x) * up x), three matrices. kGelu: down(GELU(up x)), two.
enum class FfnActivation { kSwiGlu, kGelu };
enum class NormKind { kRmsNorm, kLayerNorm };

struct ModelShape {
  std::string name = "custom";
  std::string description;  ///< one line, for listings
  std::string source;       ///< where the numbers come from (a config.json, a paper)

  Family family = Family::kDense;
  int64_t hidden = 0;    ///< d_model: the residual stream's width
  int layers = 0;        ///< transformer blocks
  int64_t heads = 0;     ///< query heads
  int64_t kv_heads = 0;  ///< key/value heads (divides heads)
  int64_t head_dim = 0;  ///< per head (GQA); MLA uses qk_nope_head_dim + qk_rope_head_dim and v_head_dim
  int64_t ffn = 0;       ///< dense FFN's intermediate size (a dense model's, or an MoE model's dense layers)
  int64_t vocab = 0;     ///< tokens in the vocabulary
  int64_t max_context = 0;  ///< the longest sequence the model takes, in tokens
  FfnActivation ffn_activation = FfnActivation::kSwiGlu;
  NormKind norm = NormKind::kRmsNorm;
  bool bias = false;               ///< linear layers and norms carry biases (GPT-3)
  bool tied_embeddings = false;    ///< the output head reuses the input embedding
  bool learned_positions = false;  ///< a learned max_context x hidden position table (GPT-3); else RoPE
  int64_t rope_theta = 10000;      ///< RoPE's base (config.json rope_theta); unused with learned positions

  // Mixture of experts (family kMoe). Experts are SwiGLU (or GELU) FFNs of expert_ffn width.
  int64_t experts = 0;         ///< routed experts per MoE layer
  int64_t top_k = 0;           ///< routed experts each token goes to
  int64_t shared_experts = 0;  ///< experts every token goes to (DeepSeek), expert_ffn wide each
  int64_t expert_ffn = 0;      ///< each expert's intermediate size
  int dense_layers = 0;        ///< the first layers keep a dense FFN of `ffn` width (DeepSeek's first_k_dense_replace)

  // Multi-head latent attention (attention kMla), names as in DeepSeek's config.json.
  AttentionKind attention = AttentionKind::kGqa;
  int64_t kv_lora_rank = 0;      ///< d_c: the compressed key/value latent
  int64_t q_lora_rank = 0;       ///< d_c': the compressed query latent (0: queries uncompressed)
  int64_t qk_nope_head_dim = 0;  ///< per-head query/key part without rotary embedding
  int64_t qk_rope_head_dim = 0;  ///< d_h^R: the decoupled rotary part, one key shared by all heads
  int64_t v_head_dim = 0;        ///< per-head value width

  // Published totals, for comparison (presets; 0 when unknown).
  double published_params = 0;         ///< total parameters
  double published_active_params = 0;  ///< parameters one token uses (MoE)

  /// Whether `layer` (0-based) has a mixture-of-experts FFN rather than a dense one.
  bool IsMoeLayer(int layer) const { return family == Family::kMoe && layer >= dense_layers; }
  /// Layers with a mixture of experts.
  int MoeLayers() const { return family == Family::kMoe ? layers - dense_layers : 0; }
  /// Width of a query/key head: head_dim, or qk_nope_head_dim + qk_rope_head_dim (MLA).
  int64_t QkHeadDim() const {
    return attention == AttentionKind::kMla ? qk_nope_head_dim + qk_rope_head_dim : head_dim;
  }
  /// Width of a value head: head_dim, or v_head_dim (MLA).
  int64_t VHeadDim() const { return attention == AttentionKind::kMla ? v_head_dim : head_dim; }
};

std::string FamilyName(Family f);          ///< "dense", "moe"
std::string AttentionName(AttentionKind a);  ///< "gqa", "mla"
std::string FfnActivationName(FfnActivation a);  ///< "swiglu", "gelu"
std::string NormName(NormKind n);          ///< "rmsnorm", "layernorm"
/// The inverses; each throws KeyError naming its key ("model.family", ...) and the names.
Family ParseFamily(const std::string& text);
AttentionKind ParseAttention(const std::string& text);
FfnActivation ParseFfnActivation(const std::string& text);
NormKind ParseNorm(const std::string& text);

/// Checks the shape's rules (kv_heads divides heads, top_k within experts, MLA dimensions only
/// with MLA, ...); throws KeyError naming the first key that breaks one.
void ValidateModelShape(const ModelShape& m);

}  // namespace wafersim::workload
