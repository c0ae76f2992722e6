// Bytes: the weights (every parameter stored in the workload's format) and the KV cache.
//
//   KV cache per token per layer, in elements:
//     GQA  2 * kv_heads * head_dim        (a key and a value per key/value head)
//     MLA  kv_lora_rank + qk_rope_head_dim (the compressed latent c^KV and the rotary key k^R that
//                                          all heads share: (d_c + d_h^R) per token per layer,
//                                          DeepSeek-V2 paper section 2.1.4 and Table 1)
#pragma once

#include <cstdint>

#include "workload/dtype.h"
#include "workload/model_shape.h"
#include "workload/workload.h"

namespace wafersim::workload {

/// Weight bytes of layer `layer` (0-based) at `dtype`.
int64_t LayerWeightBytes(const ModelShape& m, int layer, DType dtype);
/// Weight bytes of the whole model (embedding and output head included) at `dtype`.
int64_t ModelWeightBytes(const ModelShape& m, DType dtype);
/// Elements of KV cache one token adds to one layer.
int64_t KvElementsPerTokenPerLayer(const ModelShape& m);
/// Bytes of KV cache one token adds to one layer at `dtype`.
int64_t KvBytesPerTokenPerLayer(const ModelShape& m, DType dtype);
/// Bytes of KV cache one token adds to the whole model (every layer) at `dtype`.
int64_t KvBytesPerToken(const ModelShape& m, DType dtype);
/// The KV cache a workload holds at its end, over the layers it runs: batch x KvLength() tokens.
int64_t WorkloadKvBytes(const Workload& w);
/// Weight bytes of the layers a workload runs.
int64_t WorkloadWeightBytes(const Workload& w);

}  // namespace wafersim::workload
