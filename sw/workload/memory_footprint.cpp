#include "workload/memory_footprint.h"

#include "workload/param_count.h"

namespace wafersim::workload {

int64_t LayerWeightBytes(const ModelShape& m, int layer, DType dtype) {
  return CountLayerParams(m, layer).Total() * DTypeBytes(dtype);
}

int64_t ModelWeightBytes(const ModelShape& m, DType dtype) { return CountModelParams(m).Total() * DTypeBytes(dtype); }

int64_t KvElementsPerTokenPerLayer(const ModelShape& m) {
  if (m.attention == AttentionKind::kMla) return m.kv_lora_rank + m.qk_rope_head_dim;
  return 2 * m.kv_heads * m.head_dim;
}

int64_t KvBytesPerTokenPerLayer(const ModelShape& m, DType dtype) {
  return KvElementsPerTokenPerLayer(m) * DTypeBytes(dtype);
}

int64_t KvBytesPerToken(const ModelShape& m, DType dtype) { return KvBytesPerTokenPerLayer(m, dtype) * m.layers; }

int64_t WorkloadKvBytes(const Workload& w) {
  return w.batch * w.KvLength() * KvBytesPerTokenPerLayer(w.model, w.dtype) * w.LayerCount();
}

int64_t WorkloadWeightBytes(const Workload& w) {
  int64_t bytes = 0;
  for (int l = w.first_layer; l < w.first_layer + w.LayerCount(); ++l) bytes += LayerWeightBytes(w.model, l, w.dtype);
  return bytes;
}

}  // namespace wafersim::workload
