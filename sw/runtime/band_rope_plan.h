// RoPE as a stage of a resident attention sub-block (docs/mapping.md, attention_block): a
// column of tiles, one per attention band, each taking its band's slice of the QKV projection
// from the west (the band's query heads, then the new token's K and V row per kv group),
// rotating the query heads and K rows at the token's position, and sending the queries and the
// K and V rows east on two colors, as the band's first attention tile takes them
// (firmware/kernels/rope_band_tile.s). Built as a Plan.
#pragma once

#include <cstdint>

#include "fabric_config.h"
#include "plan/plan.h"

namespace wafersim::runtime {

struct BandRopeShape {
  int bands = 1;            ///< tiles, one per region row
  int q_heads = 1;          ///< query heads per band
  int kv_groups = 1;        ///< kv groups per band
  int head_dim = 64;        ///< even
  int64_t position = 0;     ///< the token's position (decode: the context)
  double base = 10000;      ///< theta_i = base^(-2i / head_dim)
  uint64_t seed = 1;        ///< the input's values when run alone
};

/// The elements of one band's slice: its queries, then a K and a V row per group.
inline int64_t BandSliceElements(const BandRopeShape& s) {
  return (int64_t{s.q_heads} + 2 * int64_t{s.kv_groups}) * s.head_dim;
}

/// Input "x" (each band's slice, from the west); outputs "q" and "kv" (east, each band's in
/// order). Its reference is the rotation of its own seeded x, for a run alone. Throws
/// std::invalid_argument naming the field when the shape is wrong or a slice does not fit.
plan::Plan BuildBandRopePlan(const BandRopeShape& shape, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
