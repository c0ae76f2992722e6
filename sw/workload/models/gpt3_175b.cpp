// OpenAI GPT-3 175B: dense, multi-head attention, GELU MLP of 4 x d_model, LayerNorm, biases,
// learned positions, input and output embeddings shared (the GPT-2 architecture, scaled up).
//
// Sources:
//  [PAPER] Brown et al., "Language Models are Few-Shot Learners", arXiv:2005.14165, Table 2.1:
//          GPT-3 175B has n_params 175.0B, n_layers 96, d_model 12288, n_heads 96, d_head 128;
//          n_ctx 2048 (section 2.1); "the same model and architecture as GPT-2 ... with the
//          exception that we use alternating dense and locally banded sparse attention
//          patterns". d_ff = 4 x d_model = 49152 (section 2.1).
//  [GPT2]  Radford et al. 2019 / the GPT-2 code: vocabulary of 50257 BPE tokens, learned position
//          embeddings, the output projection tied to the token embedding, LayerNorm before each
//          block and after the last, biases on every linear layer, GELU.
// Not modelled: the locally banded sparse layers are counted as dense attention (an upper bound
// on attention work in every other layer; parameters are unaffected).
#include "workload/models/models.h"

namespace wafersim::workload::models {

ModelShape Gpt3_175B() {
  ModelShape m;
  m.description = "OpenAI GPT-3 175B: dense, MHA 96 heads, GELU MLP, learned positions";
  m.source = "Brown et al. 2020, arXiv:2005.14165 Table 2.1; GPT-2 architecture";
  m.family = Family::kDense;
  m.hidden = 12288;    // [PAPER] d_model
  m.layers = 96;       // [PAPER] n_layers
  m.heads = 96;        // [PAPER] n_heads
  m.kv_heads = 96;     // multi-head attention
  m.head_dim = 128;    // [PAPER] d_head
  m.ffn = 4 * 12288;   // [PAPER] d_ff = 4 d_model = 49152
  m.vocab = 50257;     // [GPT2]
  m.max_context = 2048;  // [PAPER] n_ctx
  m.ffn_activation = FfnActivation::kGelu;  // [GPT2]
  m.norm = NormKind::kLayerNorm;            // [GPT2]
  m.bias = true;                            // [GPT2]
  m.tied_embeddings = true;                 // [GPT2]
  m.learned_positions = true;               // [GPT2]
  m.published_params = 175.0e9;             // [PAPER]
  return m;
}

}  // namespace wafersim::workload::models
