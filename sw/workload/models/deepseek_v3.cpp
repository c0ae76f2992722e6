// DeepSeek-V3: DeepSeekMoE (256 routed experts, 8 per token, plus 1 shared) in every layer but
// the first three, which keep a dense FFN; multi-head latent attention (MLA) with 128 heads.
//
// Sources:
//  [HF]    deepseek-ai/DeepSeek-V3, config.json: hidden_size 7168, num_hidden_layers 61,
//          num_attention_heads 128, intermediate_size 18432 (the dense layers),
//          moe_intermediate_size 2048, n_routed_experts 256, num_experts_per_tok 8,
//          n_shared_experts 1, first_k_dense_replace 3, q_lora_rank 1536, kv_lora_rank 512,
//          qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128, vocab_size 129280,
//          max_position_embeddings 163840, tie_word_embeddings false, num_nextn_predict_layers 1.
//  [PAPER] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437: 671B total parameters,
//          37B activated for each token. The Hugging Face files hold 685B: the 671B main model
//          and a 14B multi-token-prediction (MTP) module. The MTP module is not modelled here
//          (it serves training and speculative decoding, not the main model's forward pass).
#include "workload/models/models.h"

namespace wafersim::workload::models {

ModelShape DeepSeekV3() {
  ModelShape m;
  m.description = "DeepSeek-V3: MoE 256 experts top-8 + 1 shared, MLA 128 heads";
  m.source = "huggingface.co/deepseek-ai/DeepSeek-V3 config.json; arXiv:2412.19437";
  m.family = Family::kMoe;
  m.hidden = 7168;        // [HF] hidden_size
  m.layers = 61;          // [HF] num_hidden_layers
  m.heads = 128;          // [HF] num_attention_heads
  m.kv_heads = 128;       // [HF] num_key_value_heads
  m.head_dim = 0;         // MLA: qk 128 + 64, v 128
  m.ffn = 18432;          // [HF] intermediate_size (the first three, dense layers)
  m.vocab = 129280;       // [HF] vocab_size
  m.max_context = 163840;  // [HF] max_position_embeddings
  m.rope_theta = 10000;  // [HF] rope_theta (with YaRN scaling of the context, not modelled)
  m.experts = 256;        // [HF] n_routed_experts
  m.top_k = 8;            // [HF] num_experts_per_tok
  m.shared_experts = 1;   // [HF] n_shared_experts
  m.expert_ffn = 2048;    // [HF] moe_intermediate_size
  m.dense_layers = 3;     // [HF] first_k_dense_replace
  m.attention = AttentionKind::kMla;
  m.kv_lora_rank = 512;      // [HF]
  m.q_lora_rank = 1536;      // [HF]
  m.qk_nope_head_dim = 128;  // [HF]
  m.qk_rope_head_dim = 64;   // [HF]
  m.v_head_dim = 128;        // [HF]
  m.ffn_activation = FfnActivation::kSwiGlu;
  m.norm = NormKind::kRmsNorm;
  m.published_params = 671e9;        // [PAPER]
  m.published_active_params = 37e9;  // [PAPER]
  return m;
}

}  // namespace wafersim::workload::models
