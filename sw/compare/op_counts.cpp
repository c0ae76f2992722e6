#include "compare/op_counts.h"

namespace wafersim::compare {

OpCounts& OpCounts::operator+=(const OpCounts& o) {
  matrix_flops += o.matrix_flops;
  vector_ops += o.vector_ops;
  sram_bytes += o.sram_bytes;
  hop_bytes += o.hop_bytes;
  wafer_link_bytes += o.wafer_link_bytes;
  stream_bytes += o.stream_bytes;
  hbm_bytes += o.hbm_bytes;
  l2_bytes += o.l2_bytes;
  nvlink_bytes += o.nvlink_bytes;
  return *this;
}

OpCounts OpCounts::Scaled(double f) const {
  OpCounts c = *this;
  c.matrix_flops *= f;
  c.vector_ops *= f;
  c.sram_bytes *= f;
  c.hop_bytes *= f;
  c.wafer_link_bytes *= f;
  c.stream_bytes *= f;
  c.hbm_bytes *= f;
  c.l2_bytes *= f;
  c.nvlink_bytes *= f;
  return c;
}

nlohmann::json OpCountsJson(const OpCounts& c) {
  return {{"matrix_flops", c.matrix_flops}, {"vector_ops", c.vector_ops},
          {"sram_bytes", c.sram_bytes},     {"hop_bytes", c.hop_bytes},
          {"wafer_link_bytes", c.wafer_link_bytes}, {"stream_bytes", c.stream_bytes},
          {"hbm_bytes", c.hbm_bytes},       {"l2_bytes", c.l2_bytes},
          {"nvlink_bytes", c.nvlink_bytes}};
}

}  // namespace wafersim::compare
