// Meta Llama 3 70B: dense, grouped-query attention (64 query heads, 8 key/value heads), SwiGLU.
//
// Sources:
//  [HF]   meta-llama/Meta-Llama-3-70B, config.json: hidden_size 8192, num_hidden_layers 80,
//         num_attention_heads 64, num_key_value_heads 8, intermediate_size 28672,
//         vocab_size 128256, max_position_embeddings 8192, tie_word_embeddings false.
//         head_dim = 8192 / 64 = 128. (Read through copies naming "meta-llama/Meta-Llama-3-70B"
//         as their origin, e.g. huggingface.co/kittn/Meta-Llama-3-70B-quant/blob/main/config.json.)
//  [CARD] Meta's Llama 3 model card: 70B parameters. The Hugging Face model page counts 70.6B.
#include "workload/models/models.h"

namespace wafersim::workload::models {

ModelShape Llama3_70B() {
  ModelShape m;
  m.description = "Meta Llama 3 70B: dense, GQA 64/8 heads, SwiGLU";
  m.source = "huggingface.co/meta-llama/Meta-Llama-3-70B config.json; Llama 3 model card";
  m.family = Family::kDense;
  m.hidden = 8192;     // [HF] hidden_size
  m.layers = 80;       // [HF] num_hidden_layers
  m.heads = 64;        // [HF] num_attention_heads
  m.kv_heads = 8;      // [HF] num_key_value_heads
  m.head_dim = 128;    // hidden_size / num_attention_heads
  m.ffn = 28672;       // [HF] intermediate_size
  m.vocab = 128256;    // [HF] vocab_size
  m.max_context = 8192;  // [HF] max_position_embeddings
  m.rope_theta = 500000;  // [HF] rope_theta
  m.ffn_activation = FfnActivation::kSwiGlu;
  m.norm = NormKind::kRmsNorm;
  m.published_params = 70.6e9;  // [CARD]
  return m;
}

}  // namespace wafersim::workload::models
