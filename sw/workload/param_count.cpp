#include "workload/param_count.h"

namespace wafersim::workload {

int64_t AttentionParams(const ModelShape& m) {
  const int64_t h = m.hidden, H = m.heads;
  if (m.attention == AttentionKind::kMla) {
    const int64_t qk = m.QkHeadDim();
    const int64_t q = m.q_lora_rank > 0 ? h * m.q_lora_rank + m.q_lora_rank + m.q_lora_rank * H * qk : h * H * qk;
    const int64_t kv_a = h * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank;
    const int64_t kv_b = m.kv_lora_rank * H * (m.qk_nope_head_dim + m.v_head_dim);
    const int64_t o = H * m.v_head_dim * h;
    return q + kv_a + kv_b + o;
  }
  const int64_t d = m.head_dim, kv = m.kv_heads;
  int64_t p = h * H * d + 2 * h * kv * d + H * d * h;
  if (m.bias) p += H * d + 2 * kv * d + h;
  return p;
}

int64_t NormParams(const ModelShape& m) { return m.norm == NormKind::kLayerNorm ? 2 * m.hidden : m.hidden; }

int64_t FfnParams(const ModelShape& m, int64_t width) {
  const int64_t h = m.hidden;
  if (m.ffn_activation == FfnActivation::kSwiGlu) return 3 * h * width + (m.bias ? 2 * width + h : 0);
  return 2 * h * width + (m.bias ? width + h : 0);
}

LayerParams CountLayerParams(const ModelShape& m, int layer) {
  LayerParams p;
  p.attention = AttentionParams(m);
  p.norms = 2 * NormParams(m);
  if (m.IsMoeLayer(layer)) {
    const int64_t expert = FfnParams(m, m.expert_ffn);
    p.ffn = (m.experts + m.shared_experts) * expert;
    p.ffn_active = (m.top_k + m.shared_experts) * expert;
    p.router = m.hidden * m.experts;
  } else {
    p.ffn = p.ffn_active = FfnParams(m, m.ffn);
  }
  return p;
}

ModelParams CountModelParams(const ModelShape& m) {
  ModelParams p;
  p.embedding = m.vocab * m.hidden + (m.learned_positions ? m.max_context * m.hidden : 0);
  p.lm_head = m.tied_embeddings ? 0 : m.vocab * m.hidden;
  p.final_norm = NormParams(m);
  for (int l = 0; l < m.layers; ++l) {
    const LayerParams lp = CountLayerParams(m, l);
    p.layers += lp.Total();
    p.layers_active += lp.Active();
  }
  return p;
}

}  // namespace wafersim::workload
