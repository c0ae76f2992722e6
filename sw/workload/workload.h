// A workload: a model, a phase, how many sequences and tokens, a number format, and which of the
// model's layers run. What goes into the mappers and the GPU model. Built from a preset, a TOML
// file and flags by workload_keys.h; the quantities it implies are in param_count.h,
// memory_footprint.h, flops.h and layer_kernels.h.
#pragma once

#include <cstdint>

#include "workload/dtype.h"
#include "workload/model_shape.h"
#include "workload/phase.h"

namespace wafersim::workload {

struct Workload {
  ModelShape model;
  Phase phase = Phase::kDecode;
  int64_t batch = 1;       ///< sequences processed together
  int64_t prompt = 1024;   ///< prefill: tokens per sequence
  int64_t context = 1024;  ///< decode: tokens already in each sequence's KV cache
  DType dtype = DType::kFp16;  ///< storage of weights, activations and KV cache
  int first_layer = 0;     ///< the first layer run (0-based)
  int layers = 0;          ///< layers run from first_layer on; 0: all the rest

  /// Layers run.
  int LayerCount() const { return layers > 0 ? layers : model.layers - first_layer; }
  /// New tokens per sequence: the prompt (prefill) or one (decode).
  int64_t TokensPerSequence() const { return phase == Phase::kPrefill ? prompt : 1; }
  /// Rows every projection multiplies: batch x TokensPerSequence().
  int64_t Tokens() const { return batch * TokensPerSequence(); }
  /// Keys the last query of a sequence attends to: the prompt (prefill), or the cache plus the
  /// new token (decode: context + 1).
  int64_t KvLength() const { return phase == Phase::kPrefill ? prompt : context + 1; }
};

/// Checks the model (ValidateModelShape) and the run: batch >= 1, a prompt (prefill) or context
/// (decode) of at least one token that fits model.max_context, layers within the model. Throws
/// KeyError naming the first key that breaks a rule.
void ValidateWorkload(const Workload& w);

}  // namespace wafersim::workload
