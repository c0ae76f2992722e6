// What the vector plans cost: the formulas their builders state (Plan::cost) and `wafersim
// compare` charges for the block's vector kernels on the wafer. Each follows its program
// (firmware/kernels/*_tile.s) with constants fitted to simulated runs on fast tiles, 4x4 to
// 128x128 tiles (scripts/plan_cost_sweep scripts/plan_cost_cases/vector.cases; the error is
// in docs/validation.md and tested by testbench/mapping/plan_cost_test.cpp). Inputs in SRAM:
// a streamed (chained) port adds its transfer, which these do not count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "runtime/gemv_cost.h"

namespace wafersim::runtime {

/// Residual add on a tile with n elements: one tensor add (n cycles) and 13 of set-up and stamp.
inline double ResidualCycles(int64_t n) { return static_cast<double>(n) + 13; }

/// SiLU-multiply on a tile with n elements: a scalar loop of an exponential and an inverse
/// square root per element (92 cycles), then two tensor products (2 n, in the 92).
inline double SiluMulCycles(int64_t n) { return 92.0 * static_cast<double>(n) + 27; }

/// RoPE on a tile with `pairs` interleaved pairs: six stride-2 tensor passes.
inline double RopeCycles(int64_t pairs) { return 6.0 * static_cast<double>(pairs) + 36; }

/// RMSNorm with `rows` tokens of `cols` elements on each tile and `columns` tiles along a
/// region row: three passes over the elements (squares, then two products), 57 cycles per
/// row (the inverse square root and bookkeeping), and the row's walk: its sums east and the
/// inverses back, 15 cycles a hop and 1.2 per row a hop.
inline double RmsNormCycles(int64_t rows, int64_t cols, int64_t columns) {
  const double r = static_cast<double>(rows), hops = static_cast<double>(columns - 1);
  return 3.0 * r * static_cast<double>(cols) + 57.0 * r + 15.0 * hops + 1.2 * r * hops + 50;
}

/// The columns the RMSNorm plan takes for width d when it chooses: they balance the three
/// passes over d / P elements against the walk along the row, P near sqrt(3 d / 17).
inline int RmsNormColumns(int64_t d) {
  return static_cast<int>(std::max<double>(1, std::round(std::sqrt(3.0 * static_cast<double>(d) / 17))));
}

/// As a pipeline stage: `width`-element vectors, one per token, spread evenly over `tiles`.
inline StageCost ElementwiseStageCost(double (*cycles)(int64_t), int64_t width, int64_t tiles) {
  const double at0 = cycles(0);
  return {at0, (cycles(1) - at0) * static_cast<double>(width) / static_cast<double>(std::max<int64_t>(1, tiles))};
}

/// RMSNorm as a pipeline stage: each token on a row of `columns` tiles, `rows` such rows
/// side by side.
inline StageCost RmsNormStageCost(int64_t width, int64_t columns, int64_t rows) {
  const int64_t cols = (width + columns - 1) / columns;
  const double fixed = RmsNormCycles(0, cols, columns);
  return {fixed, (RmsNormCycles(1, cols, columns) - fixed) / static_cast<double>(std::max<int64_t>(1, rows))};
}

}  // namespace wafersim::runtime
