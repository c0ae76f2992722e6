// DeepSeek-V2: DeepSeekMoE (160 routed experts, 6 per token, plus 2 shared) in every layer but
// the first, which keeps a dense FFN; multi-head latent attention (MLA) with 128 heads.
//
// Sources:
//  [HF]    deepseek-ai/DeepSeek-V2, config.json (the same figures ship as
//          inference/configs/config_236B.json in deepseek-ai/DeepSeek-V3): hidden_size (dim) 5120,
//          num_hidden_layers 60, num_attention_heads 128, intermediate_size 12288 (the dense
//          layer), moe_intermediate_size 1536, n_routed_experts 160, num_experts_per_tok 6,
//          n_shared_experts 2, first_k_dense_replace 1, q_lora_rank 1536, kv_lora_rank 512,
//          qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128, vocab_size 102400,
//          max_position_embeddings 163840, tie_word_embeddings false.
//  [PAPER] DeepSeek-AI, "DeepSeek-V2: A Strong, Economical, and Efficient Mixture-of-Experts
//          Language Model", arXiv:2405.04434: 236B total parameters, 21B activated for each
//          token, 128K context; MLA caches (d_c + d_h^R) elements per token per layer
//          (section 2.1.4, Table 1).
#include "workload/models/models.h"

namespace wafersim::workload::models {

ModelShape DeepSeekV2() {
  ModelShape m;
  m.description = "DeepSeek-V2: MoE 160 experts top-6 + 2 shared, MLA 128 heads";
  m.source = "huggingface.co/deepseek-ai/DeepSeek-V2 config.json; arXiv:2405.04434";
  m.family = Family::kMoe;
  m.hidden = 5120;        // [HF] hidden_size
  m.layers = 60;          // [HF] num_hidden_layers
  m.heads = 128;          // [HF] num_attention_heads
  m.kv_heads = 128;       // [HF] num_key_value_heads (each head's keys and values come from the one latent)
  m.head_dim = 0;         // MLA: qk 128 + 64, v 128
  m.ffn = 12288;          // [HF] intermediate_size (the first, dense layer)
  m.vocab = 102400;       // [HF] vocab_size
  m.max_context = 163840;  // [HF] max_position_embeddings
  m.rope_theta = 10000;  // [HF] rope_theta (with YaRN scaling of the context, not modelled)
  m.experts = 160;        // [HF] n_routed_experts
  m.top_k = 6;            // [HF] num_experts_per_tok
  m.shared_experts = 2;   // [HF] n_shared_experts
  m.expert_ffn = 1536;    // [HF] moe_intermediate_size
  m.dense_layers = 1;     // [HF] first_k_dense_replace
  m.attention = AttentionKind::kMla;
  m.kv_lora_rank = 512;      // [HF]
  m.q_lora_rank = 1536;      // [HF]
  m.qk_nope_head_dim = 128;  // [HF]
  m.qk_rope_head_dim = 64;   // [HF]
  m.v_head_dim = 128;        // [HF]
  m.ffn_activation = FfnActivation::kSwiGlu;
  m.norm = NormKind::kRmsNorm;
  m.published_params = 236e9;        // [PAPER]
  m.published_active_params = 21e9;  // [PAPER]
  return m;
}

}  // namespace wafersim::workload::models
