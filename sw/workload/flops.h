// Matrix FLOPs per token: 2 per multiply-accumulate of the matrix products (projections,
// experts, router, attention's Q K^T and P V). Norms, activations, softmax and adds are vector
// work and not counted here (layer_kernels.h lists them with their sizes).
//
//   projections  2 x (the weights a token multiplies): GQA q, k, v, o; MLA's down and up
//                projections (in decode the key and value up-projections are applied to the
//                query and the attention output instead: "absorbed", same count)
//   attention    2 x heads x (qk_dim + v_dim) per key attended to:
//                  GQA            qk_dim = v_dim = head_dim
//                  MLA prefill    qk_dim = qk_nope + qk_rope, v_dim = v_head (keys and values
//                                 decompressed per head)
//                  MLA decode     qk_dim = kv_lora + qk_rope, v_dim = kv_lora (attention in the
//                                 latent space, the cache read as is)
//                keys per token: decode context + 1 (the cache and the new token); prefill
//                (prompt + 1) / 2 on average (causal: token i sees i + 1 keys)
//   dense FFN    2 x 3 x h x f (SwiGLU) or 2 x 2 x h x f (GELU)
//   MoE          2 x (top_k + shared) x 3 x h x f_e, and the router 2 x h x experts
#pragma once

#include <cstdint>

#include "workload/model_shape.h"
#include "workload/phase.h"
#include "workload/workload.h"

namespace wafersim::workload {

struct LayerFlops {
  double projections = 0;  ///< attention's projections
  double attention = 0;    ///< Q K^T and P V
  double ffn = 0;          ///< dense FFN or the experts a token goes to (routed and shared)
  double router = 0;       ///< the MoE gate

  double Total() const { return projections + attention + ffn + router; }
};

/// Keys one token attends to on average: decode `seq` + 1 (`seq` cached tokens and itself),
/// prefill (`seq` + 1) / 2 over a causal prompt of `seq` tokens.
double KeysPerToken(Phase phase, int64_t seq);
/// Matrix FLOPs one key costs one token's attention (all heads): 2 x heads x (qk_dim + v_dim).
double AttentionFlopsPerKey(const ModelShape& m, Phase phase);
/// Matrix FLOPs one token costs in layer `layer` (0-based). `seq`: the prompt length (prefill,
/// averaged over its tokens) or the tokens in the KV cache (decode).
LayerFlops LayerFlopsPerToken(const ModelShape& m, int layer, Phase phase, int64_t seq);
/// The output head: 2 x hidden x vocab per token (tied or not).
double HeadFlopsPerToken(const ModelShape& m);
/// Every layer and the output head, per token.
double ModelFlopsPerToken(const ModelShape& m, Phase phase, int64_t seq);
/// The layers a workload runs, per new token.
double WorkloadFlopsPerToken(const Workload& w);
/// The layers a workload runs, for all its new tokens (batch x prompt, or batch).
double WorkloadFlops(const Workload& w);

}  // namespace wafersim::workload
