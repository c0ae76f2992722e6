// One layer's kernels on a region of the wafer's tiles: where each runs and what it costs.
//
// Placement in the region: the layer's KV cache is spread evenly over all its tiles; the matrix
// products share the rest of the SRAM in proportion to their weights (routed experts: each
// expert its own share); the vector kernels run on the tiles of the product before them.
//  - matrix products: gemv_cost.h, the fit of the simulated GEMV mapping;
//  - attention: on all the region's tiles (each sequence on its share), two GEMV-like passes
//    over the keys a tile holds (Q K^T and P V, rows of qk_dim and v_dim) and an exponential per
//    score (WaferParams::exp_cycles), the heads' outputs reduced along the rows of tiles;
//  - routed experts: the experts a token picks run at once on their own tiles, so a pass costs
//    the busiest expert's tokens (routing drawn as the GPU model draws it: uniform, seed 1);
//  - vector kernels: their elements spread over the tiles at 16 or more per tile, a few cycles
//    per element (exponentials at exp_cycles), plus a reduction across the tiles for norms and
//    top-k, and a crossing of the region for the MoE dispatch and combine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compare/cycle_overrides.h"
#include "compare/gemv_cost.h"
#include "compare/op_counts.h"
#include "compare/wafer_machine.h"
#include "workload/layer_kernels.h"
#include "workload/workload.h"

namespace wafersim::compare {

/// A kernel of a layer as a stage of the wafer's pipeline.
struct WaferStage {
  std::string name;
  std::string kind;
  std::string group;
  StageCost cost;           ///< token_cycles: per token of the pass, averaged (experts: the busiest's share)
  double pass_cycles = 0;   ///< cycles its tiles are busy in the pass: fixed + tokens x token_cycles
  int64_t tiles = 0;
  double bytes_per_tile = 0;  ///< weights (and KV) it keeps per tile
  bool fits = true;
  OpCounts counts;          ///< the pass
  double sram_bytes = 0;    ///< the pass: SRAM bytes its arithmetic reads
  std::string bound;        ///< "compute" (the per-token work dominates) or "latency" (the fixed part)
  std::string source;       ///< "modelled" or "simulated"
};

/// Bytes a layer keeps on the wafer: its weights (every expert) and its KV cache.
struct LayerBytes {
  double weights = 0;
  double kv = 0;
  double Total() const { return weights + kv; }
};
LayerBytes LayerStoredBytes(const workload::Workload& w, int layer);

/// Layer `layer`'s kernels on `tiles` tiles for `tokens` tokens (the workload's Tokens()).
std::vector<WaferStage> LayerStages(const WaferMachine& m, const workload::Workload& w, int layer, int64_t tiles,
                                    const CycleOverrides& overrides);
/// The output head (vocab x hidden) on `tiles` tiles for the rows that need logits.
WaferStage HeadStage(const WaferMachine& m, const workload::Workload& w, int64_t tiles,
                     const CycleOverrides& overrides);
/// Rows of the output head: one per sequence (prefill needs only the last token's logits).
int64_t HeadRows(const workload::Workload& w);

}  // namespace wafersim::compare
