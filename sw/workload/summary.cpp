#include "workload/summary.h"

#include "workload/flops.h"
#include "workload/memory_footprint.h"
#include "workload/param_count.h"

namespace wafersim::workload {

nlohmann::json ModelShapeJson(const ModelShape& m) {
  nlohmann::json j = {
      {"name", m.name},
      {"family", FamilyName(m.family)},
      {"hidden", m.hidden},
      {"layers", m.layers},
      {"heads", m.heads},
      {"kv_heads", m.kv_heads},
      {"head_dim", m.head_dim},
      {"ffn", m.ffn},
      {"vocab", m.vocab},
      {"max_context", m.max_context},
      {"rope_theta", m.rope_theta},
      {"ffn_activation", FfnActivationName(m.ffn_activation)},
      {"norm", NormName(m.norm)},
      {"bias", m.bias},
      {"tied_embeddings", m.tied_embeddings},
      {"learned_positions", m.learned_positions},
      {"attention", AttentionName(m.attention)},
      {"source", m.source},
  };
  if (m.family == Family::kMoe) {
    j["experts"] = m.experts;
    j["top_k"] = m.top_k;
    j["shared_experts"] = m.shared_experts;
    j["expert_ffn"] = m.expert_ffn;
    j["dense_layers"] = m.dense_layers;
  }
  if (m.attention == AttentionKind::kMla) {
    j["kv_lora_rank"] = m.kv_lora_rank;
    j["q_lora_rank"] = m.q_lora_rank;
    j["qk_nope_head_dim"] = m.qk_nope_head_dim;
    j["qk_rope_head_dim"] = m.qk_rope_head_dim;
    j["v_head_dim"] = m.v_head_dim;
  }
  return j;
}

nlohmann::json KernelJson(const Kernel& k) {
  nlohmann::json j = {{"name", k.name}, {"kind", KernelKindName(k.kind)}};
  switch (k.kind) {
    case KernelKind::kGemm:
    case KernelKind::kGemv:
      j["m"] = k.m;
      j["n"] = k.n;
      j["k"] = k.k;
      j["batch"] = k.batch;
      if (k.experts > 0) {
        j["experts"] = k.experts;
        j["top_k"] = k.top_k;
      }
      break;
    case KernelKind::kAttention:
      j["sequences"] = k.sequences;
      j["heads"] = k.heads;
      j["kv_heads"] = k.kv_heads;
      j["qk_dim"] = k.qk_dim;
      j["v_dim"] = k.v_dim;
      j["q_len"] = k.q_len;
      j["kv_len"] = k.kv_len;
      j["causal"] = k.causal;
      break;
    default:
      j["rows"] = k.rows;
      j["width"] = k.width;
      if (k.top_k > 0) j["top_k"] = k.top_k;
      break;
  }
  j["flops"] = k.flops;
  j["weight_params"] = k.weight_params;
  j["weight_bytes"] = k.weight_bytes;
  j["kv_bytes"] = k.kv_bytes;
  return j;
}

nlohmann::json WorkloadJson(const Workload& w) {
  const ModelShape& m = w.model;
  const ModelParams p = CountModelParams(m);
  const int64_t seq = w.phase == Phase::kPrefill ? w.prompt : w.context;
  nlohmann::json params = {
      {"total", p.Total()},          {"active", p.Active()},
      {"embedding", p.embedding},    {"lm_head", p.lm_head},
      {"non_embedding", p.NonEmbedding()},
  };
  if (m.published_params > 0) params["published_total"] = m.published_params;
  if (m.published_active_params > 0) params["published_active"] = m.published_active_params;

  nlohmann::json groups = nlohmann::json::array();
  for (const LayerGroup& g : GroupLayers(w)) {
    const LayerFlops f = LayerFlopsPerToken(m, g.first, w.phase, seq);
    nlohmann::json kernels = nlohmann::json::array();
    for (const Kernel& k : LayerKernels(w, g.first)) kernels.push_back(KernelJson(k));
    groups.push_back({{"first_layer", g.first},
                      {"last_layer", g.last},
                      {"ffn", g.moe ? "moe" : "dense"},
                      {"params", CountLayerParams(m, g.first).Total()},
                      {"active_params", CountLayerParams(m, g.first).Active()},
                      {"weight_bytes", LayerWeightBytes(m, g.first, w.dtype)},
                      {"flops_per_token",
                       {{"projections", f.projections},
                        {"attention", f.attention},
                        {"ffn", f.ffn},
                        {"router", f.router},
                        {"total", f.Total()}}},
                      {"kernels", kernels}});
  }
  return {
      {"model", ModelShapeJson(m)},
      {"phase", PhaseName(w.phase)},
      {"batch", w.batch},
      {"prompt", w.prompt},
      {"context", w.context},
      {"tokens", w.Tokens()},
      {"kv_len", w.KvLength()},
      {"dtype", DTypeName(w.dtype)},
      {"dtype_bytes", DTypeBytes(w.dtype)},
      {"accumulate", "fp32"},
      {"first_layer", w.first_layer},
      {"layers", w.LayerCount()},
      {"params", params},
      {"weight_bytes", ModelWeightBytes(m, w.dtype)},
      {"run_weight_bytes", WorkloadWeightBytes(w)},
      {"kv_bytes_per_token_per_layer", KvBytesPerTokenPerLayer(m, w.dtype)},
      {"kv_bytes_per_token", KvBytesPerToken(m, w.dtype)},
      {"run_kv_bytes", WorkloadKvBytes(w)},
      {"model_flops_per_token", ModelFlopsPerToken(m, w.phase, seq)},
      {"run_flops_per_token", WorkloadFlopsPerToken(w)},
      {"run_flops", WorkloadFlops(w)},
      {"layer_groups", groups},
  };
}

}  // namespace wafersim::workload
