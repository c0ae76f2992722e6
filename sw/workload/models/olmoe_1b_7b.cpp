// Allen AI OLMoE-1B-7B: a mixture of 64 SwiGLU experts, 8 per token, in every layer; full
// multi-head attention (16 heads). A real MoE model that fits one wafer in 16-bit weights
// (issue 16).
//
// Sources:
//  [HF]    allenai/OLMoE-1B-7B-0924, config.json: hidden_size 2048, num_hidden_layers 16,
//          num_attention_heads 16, num_key_value_heads 16, intermediate_size 1024 (each
//          expert's), num_experts 64, num_experts_per_tok 8, vocab_size 50304,
//          max_position_embeddings 4096, rope_theta 10000, tie_word_embeddings false.
//          head_dim = 2048 / 16 = 128. Its query and key RMSNorms (2 x 2048 weights a layer) are
//          not modelled: 65,536 parameters in all.
//  [PAPER] Muennighoff et al., "OLMoE: Open Mixture-of-Experts Language Models",
//          arXiv:2409.02060: 6.9B total parameters, 1.3B active per token.
#include "workload/models/models.h"

namespace wafersim::workload::models {

ModelShape Olmoe1B7B() {
  ModelShape m;
  m.description = "Allen AI OLMoE-1B-7B: MoE 64 experts top-8, 16 heads";
  m.source = "huggingface.co/allenai/OLMoE-1B-7B-0924 config.json; arXiv:2409.02060";
  m.family = Family::kMoe;
  m.hidden = 2048;       // [HF] hidden_size
  m.layers = 16;         // [HF] num_hidden_layers
  m.heads = 16;          // [HF] num_attention_heads
  m.kv_heads = 16;       // [HF] num_key_value_heads
  m.head_dim = 128;      // hidden_size / num_attention_heads
  m.ffn = 0;             // no dense layer
  m.vocab = 50304;       // [HF] vocab_size
  m.max_context = 4096;  // [HF] max_position_embeddings
  m.rope_theta = 10000;  // [HF] rope_theta
  m.experts = 64;        // [HF] num_experts
  m.top_k = 8;           // [HF] num_experts_per_tok
  m.shared_experts = 0;
  m.expert_ffn = 1024;   // [HF] intermediate_size
  m.dense_layers = 0;
  m.ffn_activation = FfnActivation::kSwiGlu;
  m.norm = NormKind::kRmsNorm;
  m.published_params = 6.9e9;         // [PAPER]
  m.published_active_params = 1.3e9;  // [PAPER]
  return m;
}

}  // namespace wafersim::workload::models
