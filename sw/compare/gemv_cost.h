// What the fabric's GEMV mapping costs, from its simulated runs. The RTL-tile runs of
// docs/mapping.md (seven shapes, 4x4 to 16x16 tiles, binary32 and binary16) follow exactly
//
//   cycles = m_t x row(n_t) + 21 + 5.5 (P + Q) + 1.25 (m_t + n_t)
//   row(n) = n + 8 (binary32: a tfdot of n + 3 cycles and 5 of bookkeeping)
//          = ceil(n / lanes) + 11 (binary16: 3 more to add the lane sums)
//
// for a block of m_t rows x n_t columns of W per tile on P columns x Q rows of tiles (the x
// broadcast down the columns, the pipelined reduction along the rows, and the routes, all in the
// fixed part). With several tokens through the same weights the dot products repeat per token
// and the fixed part overlaps them: m_t x row(n_t) per token. Whole-wafer regions extrapolate the
// fit far beyond 16x16; the fast tile model will measure them (cycle_overrides.h is the seam).
#pragma once

#include <cstdint>

namespace wafersim::compare {

/// A stage of the wafer's pipeline: cycles paid once per pass, and per token through it.
struct StageCost {
  double fixed_cycles = 0;
  double token_cycles = 0;
  double Cycles(double tokens) const { return fixed_cycles + tokens * token_cycles; }
};

/// The fit's constants (docs/mapping.md's runs; exact to within one cycle on all seven).
struct GemvFit {
  static constexpr double kRowOverheadF32 = 8;
  static constexpr double kRowOverheadF16 = 11;
  static constexpr double kBase = 21;
  static constexpr double kPerRegionSide = 5.5;  ///< per tile of P + Q
  static constexpr double kPerBlockSide = 1.25;  ///< per element of m_t + n_t
};

/// Cycles one tile spends on a row of n elements: lanes 1 is binary32, more the binary16 path.
double GemvRowCycles(int64_t n, int lanes);
/// The fitted cost of a GEMV whose tiles hold m_t x n_t blocks on P x Q tiles.
StageCost GemvBlockCost(int64_t m_t, int64_t n_t, int64_t p, int64_t q, int lanes);

struct GemvPlacement {
  int64_t p = 0, q = 0;      ///< region columns (splitting the input, k) and rows (the output, n)
  int64_t m_t = 0, n_t = 0;  ///< block per tile
  int64_t serial = 1;        ///< products a tile runs one after another (more products than tiles)
  int64_t tiles = 0;         ///< tiles used, all products together
  double bytes_per_tile = 0;
  bool fits = false;         ///< the block fits the usable SRAM of a tile
  StageCost cost;
};

/// `products` independent products y[n] = W[n x k] x[k] (each with its own weights) on at most
/// `tiles` tiles, for `tokens` tokens: the region shape with the fewest cycles whose blocks fit
/// `usable_bytes` per tile (or, when none fits, the one with the smallest block).
GemvPlacement PlaceGemv(int64_t n, int64_t k, int64_t products, int64_t tiles, int elem_bytes, double usable_bytes,
                        int lanes, double tokens);

}  // namespace wafersim::compare
