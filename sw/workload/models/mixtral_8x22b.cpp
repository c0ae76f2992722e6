// Mistral AI Mixtral 8x22B: a sparse mixture of 8 SwiGLU experts, 2 per token, in every layer;
// grouped-query attention (48 query heads, 8 key/value heads).
//
// Sources:
//  [HF]   mistralai/Mixtral-8x22B-Instruct-v0.1, config.json: hidden_size 6144,
//         num_hidden_layers 56, num_attention_heads 48, num_key_value_heads 8,
//         intermediate_size 16384 (each expert's), num_local_experts 8, num_experts_per_tok 2,
//         vocab_size 32768, max_position_embeddings 65536, tie_word_embeddings false.
//         head_dim = 6144 / 48 = 128. (The base model's community copy,
//         mistral-community/Mixtral-8x22B-v0.1, says vocab_size 32000: 4.7M parameters fewer.)
//  [BLOG] Mistral AI, "Cheaper, Better, Faster, Stronger" (April 2024): a sparse
//         mixture-of-experts model using 39B active parameters out of 141B, 64K context.
#include "workload/models/models.h"

namespace wafersim::workload::models {

ModelShape Mixtral8x22B() {
  ModelShape m;
  m.description = "Mistral Mixtral 8x22B: MoE 8 experts top-2, GQA 48/8 heads";
  m.source = "huggingface.co/mistralai/Mixtral-8x22B-Instruct-v0.1 config.json; Mistral AI announcement";
  m.family = Family::kMoe;
  m.hidden = 6144;       // [HF] hidden_size
  m.layers = 56;         // [HF] num_hidden_layers
  m.heads = 48;          // [HF] num_attention_heads
  m.kv_heads = 8;        // [HF] num_key_value_heads
  m.head_dim = 128;      // hidden_size / num_attention_heads
  m.ffn = 0;             // no dense layer
  m.vocab = 32768;       // [HF] vocab_size
  m.max_context = 65536;  // [HF] max_position_embeddings
  m.rope_theta = 1000000;  // [HF] rope_theta
  m.experts = 8;         // [HF] num_local_experts
  m.top_k = 2;           // [HF] num_experts_per_tok
  m.shared_experts = 0;
  m.expert_ffn = 16384;  // [HF] intermediate_size
  m.dense_layers = 0;
  m.ffn_activation = FfnActivation::kSwiGlu;
  m.norm = NormKind::kRmsNorm;
  m.published_params = 141e9;        // [BLOG]
  m.published_active_params = 39e9;  // [BLOG]
  return m;
}

}  // namespace wafersim::workload::models
