// What the attention plans cost: the formulas their builders state (Plan::cost) and `wafersim
// compare` charges for attention on the wafer. Each follows the plan's phases (docs/mapping.md)
// with constants fitted by least squares to simulated runs on fast tiles, 4x4 to 128x128 tiles
// (scripts/plan_cost_sweep scripts/plan_cost_cases/attention.cases; the error is in
// docs/validation.md and tested by testbench/mapping/plan_cost_test.cpp). The bands, the
// placement both plans share, are here so that compare places attention as the plans do.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "runtime/even_split.h"
#include "runtime/gemv_cost.h"

namespace wafersim::runtime {

namespace attention {

/// Region rows [row0, row0 + rows) serve groups [group0, group0 + groups) (a group is one
/// sequence's kv head).
struct Band {
  int row0, rows, group0, groups;
};

/// One band of rows per group, or with more groups than rows one row per band holding several.
inline std::vector<Band> MakeBands(int64_t groups, int rows) {
  std::vector<Band> bands;
  if (groups <= rows) {
    for (int i = 0; i < groups; ++i) {
      bands.push_back({static_cast<int>(Start(rows, groups, i)), static_cast<int>(Share(rows, groups, i)), i, 1});
    }
  } else {
    for (int r = 0; r < rows; ++r) {
      bands.push_back({r, 1, static_cast<int>(Start(groups, rows, r)), static_cast<int>(Share(groups, rows, r))});
    }
  }
  return bands;
}

}  // namespace attention

/// The shape both attention plans take: `groups` (sequence, kv head) pairs of `heads_per_group`
/// query heads, head dimensions for the scores and the values, binary32 (lanes 1) or binary16
/// (the SIMD width), on a region of `columns` x `rows` tiles.
struct AttentionShape {
  int64_t groups = 1, heads_per_group = 1, qk_dim = 64, v_dim = 64;
  int lanes = 1;
  int columns = 1, rows = 1;
};

/// Attention decode on one band of `columns` x `rows` tiles holding `heads` query heads (its
/// groups' heads together), `tokens` cache rows on its busiest tile:
///   per score, its tfdot (0.75 of a GEMV row: the loop overlaps it), the tfmac of its V row
///   (1.2 d) and 73 cycles for its exponential (exp_f32) and bookkeeping;
///   per head, 5.7 d for the query in and [l, O] along the chains;
///   17.7 cycles a hop of the band's chains (east along a row, then down the last column),
///   and 295 once (routes, the root's division, o out): AttentionDecodeFixedCycles.
inline double AttentionDecodeFixedCycles(int64_t columns, int64_t rows) {
  return 17.7 * static_cast<double>(columns + rows) + 295;
}
inline double AttentionDecodeBandCycles(int64_t heads, int64_t tokens, int64_t qk_dim, int64_t v_dim, int lanes,
                                        int64_t columns, int64_t rows) {
  const double scores = static_cast<double>(heads) * static_cast<double>(tokens);
  return scores * (0.75 * GemvRowCycles(qk_dim, lanes) + 1.2 * static_cast<double>(v_dim) + 73) +
         5.7 * static_cast<double>(heads) * static_cast<double>(qk_dim + v_dim) / 2 +
         AttentionDecodeFixedCycles(columns, rows);
}

/// The decode plan with `tokens` cache rows per group (the context and the new one): its band
/// that ends last, the one with the most scores on a tile.
inline double AttentionDecodeCycles(const AttentionShape& s, int64_t tokens) {
  double cycles = 0;
  for (const attention::Band& b : attention::MakeBands(s.groups, s.rows)) {
    cycles = std::max(cycles, AttentionDecodeBandCycles(b.groups * s.heads_per_group,
                                                        Share(tokens, int64_t{b.rows} * s.columns, 0), s.qk_dim,
                                                        s.v_dim, s.lanes, s.columns, b.rows));
  }
  return cycles;
}

/// The most keys a prefill chunk holds (the plan takes fewer when a tile's SRAM is short).
inline constexpr int64_t kPrefillChunk = 64;

/// The prefill plan's snake: token p of a group goes to tile p mod n of its band of n tiles in
/// even rounds and to n - 1 - (p mod n) in odd ones, so early (cheap) and late (costly) tokens
/// mix on every tile.
inline int64_t PrefillTileOf(int64_t p, int64_t n) { return (p / n) % 2 == 0 ? p % n : n - 1 - p % n; }

/// The keys the busiest tile of row `row` of a prefill band (`columns` x `rows` tiles) scores
/// against, chunk by chunk, added over the chunks: the row's multicast moves at the pace of its
/// slowest taker, so every chunk costs what its busiest tile spends on it.
inline double PrefillRowKeys(int64_t prompt, int64_t chunk, int64_t columns, int64_t rows, int64_t row) {
  const int64_t n = columns * rows, chunks = (prompt + chunk - 1) / chunk;
  std::vector<std::vector<int64_t>> starting(static_cast<size_t>(chunks));  // the row's records, by chunk
  for (int64_t q = 0; q < prompt; ++q) {
    if (PrefillTileOf(q, n) / columns == row) starting[static_cast<size_t>(q / chunk)].push_back(q);
  }
  // Per tile of the row: its records at positions past the chunk (they see all its keys).
  std::vector<int64_t> later(static_cast<size_t>(columns), 0), keys(static_cast<size_t>(columns));
  double total = 0;
  for (int64_t j = chunks - 1; j >= 0; --j) {
    for (int64_t c = 0; c < columns; ++c) keys[static_cast<size_t>(c)] = later[static_cast<size_t>(c)] * chunk;
    for (const int64_t q : starting[static_cast<size_t>(j)]) {
      keys[static_cast<size_t>(PrefillTileOf(q, n) % columns)] += q - j * chunk + 1;
    }
    total += static_cast<double>(*std::max_element(keys.begin(), keys.end()));
    for (const int64_t q : starting[static_cast<size_t>(j)]) ++later[static_cast<size_t>(PrefillTileOf(q, n) % columns)];
  }
  return total;
}

/// Attention prefill on one row of a band: `heads` query heads (its groups' heads together)
/// over a prompt of `prompt` tokens, the row's busiest keys per chunk added (PrefillRowKeys):
///   per key a query scores, 0.72 of a GEMV row and 1.31 d (its tfdot and the tfmac of its V
///   row, as the loops overlap them) and 74.6 cycles for its exponential and bookkeeping;
///   1.24 cycles an element of the groups' K and V stream (the core moves elements, binary16
///   too, though two travel in a wavelet);
///   598 once.
inline double AttentionPrefillRowCycles(double busiest_keys, int64_t heads, int64_t groups, int64_t prompt,
                                        int64_t qk_dim, int64_t v_dim, int lanes) {
  return static_cast<double>(heads) * busiest_keys *
             (0.72 * GemvRowCycles(qk_dim, lanes) + 1.31 * static_cast<double>(v_dim) + 74.6) +
         1.24 * static_cast<double>(groups) * static_cast<double>(prompt) * static_cast<double>(qk_dim + v_dim) + 598;
}

/// The prefill plan over a prompt of `prompt` tokens in chunks of `chunk` keys: its row that
/// ends last. Bands of the same height cost the same, so each height is priced once.
inline double AttentionPrefillCycles(const AttentionShape& s, int64_t prompt, int64_t chunk) {
  double cycles = 0;
  std::vector<std::pair<int, int>> priced;  // rows, groups
  for (const attention::Band& b : attention::MakeBands(s.groups, s.rows)) {
    if (std::find(priced.begin(), priced.end(), std::pair{b.rows, b.groups}) != priced.end()) continue;
    priced.emplace_back(b.rows, b.groups);
    for (int r = 0; r < b.rows; ++r) {
      cycles = std::max(cycles, AttentionPrefillRowCycles(PrefillRowKeys(prompt, chunk, s.columns, b.rows, r),
                                                          b.groups * s.heads_per_group, b.groups, prompt, s.qk_dim,
                                                          s.v_dim, s.lanes));
    }
  }
  return cycles;
}

}  // namespace wafersim::runtime
