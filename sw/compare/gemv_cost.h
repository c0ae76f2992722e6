// The GEMV placements the compare model tries: the region shape with the fewest cycles whose
// blocks fit, each priced by the GEMV plan's own cost (runtime/gemv_cost.h, the one formula
// the mapper states). Whole-wafer regions extrapolate it beyond the sizes it was measured at
// (128x128 tiles, docs/validation.md).
#pragma once

#include <cstdint>

#include "runtime/gemv_cost.h"

namespace wafersim::compare {

using runtime::GemvBlockCost;
using runtime::GemvFit;
using runtime::GemvRowCycles;
using runtime::StageCost;

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
