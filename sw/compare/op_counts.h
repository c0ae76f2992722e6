// What a machine does in one pass of a workload, counted: the operations and the bytes each
// level of memory and each kind of link moves. Energy is these counts times the energy table.
#pragma once

#include <nlohmann/json.hpp>

namespace wafersim::compare {

struct OpCounts {
  double matrix_flops = 0;      ///< matrix products, 2 per multiply-add
  double vector_ops = 0;        ///< norms, activations, softmax, adds: one per element operation
  double sram_bytes = 0;        ///< wafer: tile SRAM read and written
  double hop_bytes = 0;         ///< wafer: 32-bit wavelets x router hops, in bytes
  double wafer_link_bytes = 0;  ///< wafer: activations sent from one wafer to the next
  double stream_bytes = 0;      ///< wafer: weights streamed in from external memory
  double hbm_bytes = 0;         ///< GPU: HBM read and written, all GPUs
  double l2_bytes = 0;          ///< GPU: L2 -> SM traffic, all GPUs
  double nvlink_bytes = 0;      ///< GPU: bytes sent over the node's links, all GPUs

  OpCounts& operator+=(const OpCounts& o);
  OpCounts Scaled(double f) const;
};

/// Every count by its JSON name ("matrix_flops", ...).
nlohmann::json OpCountsJson(const OpCounts& c);

}  // namespace wafersim::compare
