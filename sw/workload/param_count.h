// Parameter counts from a model's shape, part by part, as the model's weight files hold them.
//
//   GQA attention   h*H*d (q) + 2*h*KV*d (k, v) + H*d*h (o)   [+ H*d + 2*KV*d + h biases]
//   MLA attention   h*q_lora + q_lora (norm) + q_lora*H*(nope+rope)      (queries; h*H*(nope+rope) if q_lora = 0)
//                   + h*(kv_lora+rope) + kv_lora (norm) + kv_lora*H*(nope+v) + H*v*h
//   norm            h (RMSNorm) or 2h (LayerNorm: gain and bias), two per layer, one at the end
//   dense FFN       3*h*f (SwiGLU: gate, up, down) or 2*h*f (GELU: up, down)  [+ f + h biases; SwiGLU 2f + h]
//   MoE FFN         (experts + shared) * expert FFN of width f_e, plus the router h*experts
//   embedding       vocab*h [+ max_context*h learned positions]; the output head vocab*h unless tied
//
// "Active" counts what one token uses: the dense FFN, or top_k routed experts plus the shared
// ones and the router; the embedding and the output head are included in both totals (as the
// published figures include them) and reported separately too.
#pragma once

#include <cstdint>

#include "workload/model_shape.h"

namespace wafersim::workload {

/// Parameters of one layer, by part.
struct LayerParams {
  int64_t attention = 0;   ///< projections, their biases, MLA's latent norms
  int64_t norms = 0;       ///< the pre-attention and pre-FFN norms
  int64_t ffn = 0;         ///< the dense FFN, or every expert (routed and shared) of an MoE layer
  int64_t ffn_active = 0;  ///< what one token uses of it: all of a dense FFN, top_k + shared experts
  int64_t router = 0;      ///< the MoE gate (0 in a dense layer)

  int64_t Total() const { return attention + norms + ffn + router; }
  int64_t Active() const { return attention + norms + ffn_active + router; }
};

/// Parameters of a whole model.
struct ModelParams {
  int64_t embedding = 0;      ///< token embedding, plus learned positions if any
  int64_t lm_head = 0;        ///< output projection (0 when tied to the embedding)
  int64_t final_norm = 0;
  int64_t layers = 0;         ///< every layer's Total()
  int64_t layers_active = 0;  ///< every layer's Active()

  int64_t Total() const { return embedding + lm_head + final_norm + layers; }
  int64_t Active() const { return embedding + lm_head + final_norm + layers_active; }
  /// Without the embedding and the output head.
  int64_t NonEmbedding() const { return final_norm + layers; }
};

/// The attention block's parameters (projections, biases, MLA's latent norms).
int64_t AttentionParams(const ModelShape& m);
/// One norm's parameters.
int64_t NormParams(const ModelShape& m);
/// An FFN of intermediate width `width` (a dense FFN, one expert, or the shared experts together).
int64_t FfnParams(const ModelShape& m, int64_t width);
/// Layer `layer` (0-based), by part.
LayerParams CountLayerParams(const ModelShape& m, int layer);
/// The whole model.
ModelParams CountModelParams(const ModelShape& m);

}  // namespace wafersim::workload
