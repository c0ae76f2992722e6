// Meta Llama 3 8B: dense, grouped-query attention (32 query heads, 8 key/value heads), SwiGLU.
//
// Sources:
//  [HF]   meta-llama/Meta-Llama-3-8B, config.json: hidden_size 4096, num_hidden_layers 32,
//         num_attention_heads 32, num_key_value_heads 8, intermediate_size 14336,
//         vocab_size 128256, max_position_embeddings 8192, hidden_act silu, rms_norm_eps,
//         tie_word_embeddings false, attention_bias false. head_dim = 4096 / 32 = 128.
//         (Read through copies of the file that name "meta-llama/Meta-Llama-3-8B" as their
//         origin, e.g. huggingface.co/jerryzh168/llama3-8B/blob/main/config.json.)
//  [CARD] Meta's Llama 3 model card: 8B parameters, 8k context, GQA. The Hugging Face model page
//         counts 8.03B parameters in the safetensors.
#include "workload/models/models.h"

namespace wafersim::workload::models {

ModelShape Llama3_8B() {
  ModelShape m;
  m.description = "Meta Llama 3 8B: dense, GQA 32/8 heads, SwiGLU";
  m.source = "huggingface.co/meta-llama/Meta-Llama-3-8B config.json; Llama 3 model card";
  m.family = Family::kDense;
  m.hidden = 4096;     // [HF] hidden_size
  m.layers = 32;       // [HF] num_hidden_layers
  m.heads = 32;        // [HF] num_attention_heads
  m.kv_heads = 8;      // [HF] num_key_value_heads
  m.head_dim = 128;    // hidden_size / num_attention_heads
  m.ffn = 14336;       // [HF] intermediate_size
  m.vocab = 128256;    // [HF] vocab_size
  m.max_context = 8192;  // [HF] max_position_embeddings
  m.rope_theta = 500000;  // [HF] rope_theta
  m.ffn_activation = FfnActivation::kSwiGlu;  // [HF] hidden_act silu, gate/up/down
  m.norm = NormKind::kRmsNorm;
  m.published_params = 8.03e9;  // [CARD]
  return m;
}

}  // namespace wafersim::workload::models
