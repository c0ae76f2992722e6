// What the attention plans cost: the formulas their builders state (Plan::cost) and `wafersim
// compare` charges for attention on the wafer. Each follows the plan's phases (docs/mapping.md)
// with constants fitted by least squares to simulated runs on fast tiles, 4x4 to 128x128 tiles
// (scripts/plan_cost_sweep scripts/plan_cost_cases/attention.cases; the error is in
// docs/validation.md and tested by testbench/mapping/plan_cost_test.cpp).
#pragma once

#include <algorithm>
#include <cstdint>

#include "runtime/gemv_cost.h"

namespace wafersim::runtime {

/// Attention decode on one band of `columns` x `rows` tiles holding `heads` query heads (its
/// groups' heads together), `tokens` cache rows on its busiest tile, head dimension d:
///   per score, its tfdot (0.75 of a GEMV row: the loop overlaps it), the tfmac of its V row
///   (1.2 d) and 73 cycles for its exponential (exp_f32) and bookkeeping;
///   per head, 5.7 d for the query in and [l, O] along the chains;
///   17.7 cycles a hop of the band's chains (east along a row, then down the last column),
///   and 295 once (routes, the root's division, o out).
inline double AttentionDecodeBandCycles(int64_t heads, int64_t tokens, int64_t d, int lanes, int64_t columns,
                                        int64_t rows) {
  const double scores = static_cast<double>(heads) * static_cast<double>(tokens);
  const double dd = static_cast<double>(d);
  return scores * (0.75 * GemvRowCycles(d, lanes) + 1.2 * dd + 73) + 5.7 * static_cast<double>(heads) * dd +
         17.7 * static_cast<double>(columns + rows) + 295;
}

}  // namespace wafersim::runtime
