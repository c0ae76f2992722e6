// What the GEMV plan costs: the one formula the mapper states (Plan::cost, its region choice)
// and `wafersim compare` uses for every matrix product on the wafer. Fitted (least squares,
// constants rounded) to 24 simulated runs, 4x4 to 128x128 tiles, square and 10:1 regions,
// binary32 and binary16, and within 0.5% of each (docs/validation.md):
//
//   cycles = m_t x row(n_t) + 21 + 8 P + 3 Q + 1.25 (m_t + n_t)
//   row(n) = n + 8 (binary32: a tfdot of n + 3 cycles and 5 of bookkeeping)
//          = ceil(n / lanes) + 11 (binary16: 3 more to add the lane sums)
//
// for the largest block, m_t rows x n_t columns of W per tile, on P columns x Q rows of tiles
// (8 cycles a column for the row sums' chain east, 3 a row for x's multicast south, and the
// routes, all in the fixed part). Its error against simulated runs up to 128x128 tiles is measured by
// testbench/mapping/plan_cost_test.cpp (docs/validation.md). With several tokens through the
// same weights the dot products repeat per token and the fixed part overlaps them.
#pragma once

#include <cstdint>

namespace wafersim::runtime {

/// A stage of the wafer's pipeline: cycles paid once per pass, and per token through it.
struct StageCost {
  double fixed_cycles = 0;
  double token_cycles = 0;
  double Cycles(double tokens) const { return fixed_cycles + tokens * token_cycles; }
};

/// The fit's constants.
struct GemvFit {
  static constexpr double kRowOverheadF32 = 8;
  static constexpr double kRowOverheadF16 = 11;
  static constexpr double kBase = 21;
  static constexpr double kPerRegionColumn = 8;  ///< per column: a hop of the row sums' chain
  static constexpr double kPerRegionRow = 3;     ///< per row: a hop of x's multicast
  static constexpr double kPerBlockSide = 1.25;  ///< per element of m_t + n_t
  static constexpr double kPerEdgeHop = 3;       ///< per tile y crosses between the region and the mesh edge
};

/// Cycles one tile spends on a row of n elements: lanes 1 is binary32, more the binary16 path.
inline double GemvRowCycles(int64_t n, int lanes) {
  if (lanes <= 1) return static_cast<double>(n) + GemvFit::kRowOverheadF32;
  return static_cast<double>((n + lanes - 1) / lanes) + GemvFit::kRowOverheadF16;
}

/// The cost of a GEMV whose largest block is m_t x n_t on P x Q tiles.
inline StageCost GemvBlockCost(int64_t m_t, int64_t n_t, int64_t p, int64_t q, int lanes) {
  StageCost c;
  c.token_cycles = static_cast<double>(m_t) * GemvRowCycles(n_t, lanes);
  c.fixed_cycles = GemvFit::kBase + GemvFit::kPerRegionColumn * static_cast<double>(p) +
                   GemvFit::kPerRegionRow * static_cast<double>(q) +
                   GemvFit::kPerBlockSide * static_cast<double>(m_t + n_t);
  return c;
}

}  // namespace wafersim::runtime
