#include "workload/flops.h"

namespace wafersim::workload {

double KeysPerToken(Phase phase, int64_t seq) {
  const double s = static_cast<double>(seq);
  return phase == Phase::kDecode ? s + 1 : (s + 1) / 2;
}

double AttentionFlopsPerKey(const ModelShape& m, Phase phase) {
  const double H = static_cast<double>(m.heads);
  if (m.attention == AttentionKind::kMla && phase == Phase::kDecode) {
    return 2 * H * static_cast<double>(m.kv_lora_rank + m.qk_rope_head_dim + m.kv_lora_rank);
  }
  return 2 * H * static_cast<double>(m.QkHeadDim() + m.VHeadDim());
}

namespace {

double ProjectionFlops(const ModelShape& m) {
  const double h = static_cast<double>(m.hidden), H = static_cast<double>(m.heads);
  if (m.attention == AttentionKind::kMla) {
    const double qk = static_cast<double>(m.QkHeadDim()), ql = static_cast<double>(m.q_lora_rank);
    const double kvl = static_cast<double>(m.kv_lora_rank), rope = static_cast<double>(m.qk_rope_head_dim);
    const double q = m.q_lora_rank > 0 ? h * ql + ql * H * qk : h * H * qk;
    const double kv_down = h * (kvl + rope);
    const double kv_up = kvl * H * static_cast<double>(m.qk_nope_head_dim + m.v_head_dim);
    const double o = H * static_cast<double>(m.v_head_dim) * h;
    return 2 * (q + kv_down + kv_up + o);
  }
  const double d = static_cast<double>(m.head_dim), kv = static_cast<double>(m.kv_heads);
  return 2 * (h * H * d + 2 * h * kv * d + H * d * h);
}

double FfnFlops(const ModelShape& m, int64_t width) {
  const double matrices = m.ffn_activation == FfnActivation::kSwiGlu ? 3 : 2;
  return 2 * matrices * static_cast<double>(m.hidden) * static_cast<double>(width);
}

}  // namespace

LayerFlops LayerFlopsPerToken(const ModelShape& m, int layer, Phase phase, int64_t seq) {
  LayerFlops f;
  f.projections = ProjectionFlops(m);
  f.attention = AttentionFlopsPerKey(m, phase) * KeysPerToken(phase, seq);
  if (m.IsMoeLayer(layer)) {
    f.ffn = static_cast<double>(m.top_k + m.shared_experts) * FfnFlops(m, m.expert_ffn);
    f.router = 2 * static_cast<double>(m.hidden) * static_cast<double>(m.experts);
  } else {
    f.ffn = FfnFlops(m, m.ffn);
  }
  return f;
}

double HeadFlopsPerToken(const ModelShape& m) {
  return 2 * static_cast<double>(m.hidden) * static_cast<double>(m.vocab);
}

double ModelFlopsPerToken(const ModelShape& m, Phase phase, int64_t seq) {
  double total = HeadFlopsPerToken(m);
  for (int l = 0; l < m.layers; ++l) total += LayerFlopsPerToken(m, l, phase, seq).Total();
  return total;
}

double WorkloadFlopsPerToken(const Workload& w) {
  const int64_t seq = w.phase == Phase::kPrefill ? w.prompt : w.context;
  double total = 0;
  for (int l = w.first_layer; l < w.first_layer + w.LayerCount(); ++l) {
    total += LayerFlopsPerToken(w.model, l, w.phase, seq).Total();
  }
  return total;
}

double WorkloadFlops(const Workload& w) { return WorkloadFlopsPerToken(w) * static_cast<double>(w.Tokens()); }

}  // namespace wafersim::workload
