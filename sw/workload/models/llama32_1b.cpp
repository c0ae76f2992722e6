// Meta Llama 3.2 1B: dense, grouped-query attention (32 query heads, 8 key/value heads), SwiGLU,
// the output head tied to the embedding. The size a resident whole-model simulation can afford
// in the test suite (issue 16).
//
// Sources:
//  [HF]   meta-llama/Llama-3.2-1B, config.json: hidden_size 2048, num_hidden_layers 16,
//         num_attention_heads 32, num_key_value_heads 8, head_dim 64, intermediate_size 8192,
//         vocab_size 128256, max_position_embeddings 131072, rope_theta 500000,
//         tie_word_embeddings true, hidden_act silu.
//  [CARD] Meta's Llama 3.2 model card: 1.23B parameters; the Hugging Face page counts 1.24B in
//         the safetensors.
#include "workload/models/models.h"

namespace wafersim::workload::models {

ModelShape Llama32_1B() {
  ModelShape m;
  m.description = "Meta Llama 3.2 1B: dense, GQA 32/8 heads, SwiGLU, tied embeddings";
  m.source = "huggingface.co/meta-llama/Llama-3.2-1B config.json; Llama 3.2 model card";
  m.family = Family::kDense;
  m.hidden = 2048;        // [HF] hidden_size
  m.layers = 16;          // [HF] num_hidden_layers
  m.heads = 32;           // [HF] num_attention_heads
  m.kv_heads = 8;         // [HF] num_key_value_heads
  m.head_dim = 64;        // [HF] head_dim
  m.ffn = 8192;           // [HF] intermediate_size
  m.vocab = 128256;       // [HF] vocab_size
  m.max_context = 131072;  // [HF] max_position_embeddings
  m.rope_theta = 500000;   // [HF] rope_theta
  m.tied_embeddings = true;  // [HF] tie_word_embeddings
  m.ffn_activation = FfnActivation::kSwiGlu;
  m.norm = NormKind::kRmsNorm;
  m.published_params = 1.24e9;  // [CARD], the Hugging Face page's count
  return m;
}

}  // namespace wafersim::workload::models
