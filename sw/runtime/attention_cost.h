// What the attention plans cost: the formulas their builders state (Plan::cost) and `wafersim
// compare` charges for attention on the wafer. Each follows the plan's phases (docs/mapping.md)
// with constants fitted by least squares to simulated runs on fast tiles, 4x4 to 128x128 tiles
// (scripts/plan_cost_sweep scripts/plan_cost_cases/attention.cases; the error is in
// docs/validation.md and tested by testbench/mapping/plan_cost_test.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

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

/// The prefill plan's snake: token p of a group goes to tile p mod n of its band of n tiles in
/// even rounds and to n - 1 - (p mod n) in odd ones, so early (cheap) and late (costly) tokens
/// mix on every tile.
inline int64_t PrefillTileOf(int64_t p, int64_t n) { return (p / n) % 2 == 0 ? p % n : n - 1 - p % n; }

/// The keys the busiest tile of row `row` of a prefill band (`columns` x `rows` tiles) scores
/// against, chunk by chunk, added over the chunks: the row's multicast moves at the pace of its
/// slowest taker, so every chunk costs what its busiest tile spends on it.
inline double PrefillRowKeys(int64_t prompt, int64_t chunk, int64_t columns, int64_t rows, int64_t row) {
  const int64_t n = columns * rows, chunks = (prompt + chunk - 1) / chunk;
  // Per tile of the row: its records at positions >= the chunk's end (they see all its keys).
  std::vector<int64_t> later(static_cast<size_t>(columns), 0);
  std::vector<std::vector<int64_t>> starting(static_cast<size_t>(chunks));  // records per chunk of positions
  for (int64_t q = 0; q < prompt; ++q) {
    const int64_t tile = PrefillTileOf(q, n);
    if (tile / columns == row) starting[static_cast<size_t>(q / chunk)].push_back(q);
  }
  double total = 0;
  std::vector<int64_t> keys(static_cast<size_t>(columns));
  for (int64_t j = chunks - 1; j >= 0; --j) {
    const int64_t k0 = j * chunk;
    for (int64_t c = 0; c < columns; ++c) keys[static_cast<size_t>(c)] = later[static_cast<size_t>(c)] * chunk;
    for (const int64_t q : starting[static_cast<size_t>(j)]) keys[static_cast<size_t>(PrefillTileOf(q, n) % columns)] += q - k0 + 1;
    total += static_cast<double>(*std::max_element(keys.begin(), keys.end()));
    for (const int64_t q : starting[static_cast<size_t>(j)]) ++later[static_cast<size_t>(PrefillTileOf(q, n) % columns)];
  }
  return total;
}

/// Attention prefill on one row of a band: `heads` query heads (its groups' heads together)
/// over a prompt of `prompt` tokens, the row's busiest keys per chunk added (PrefillRowKeys):
///   per key a query scores, 0.2 of a GEMV row and 1.78 d (its tfdot and the tfmac of its V
///   row, as the loops overlap them) and 79.5 cycles for its exponential and bookkeeping;
///   1.33 cycles a word of the groups' K and V stream (2 prompt d elements a group);
///   947 once.
inline double AttentionPrefillRowCycles(double busiest_keys, int64_t heads, int64_t groups, int64_t prompt, int64_t d,
                                        int lanes) {
  const double dd = static_cast<double>(d);
  const double words = lanes <= 1 ? dd : std::ceil(dd / 2);
  return static_cast<double>(heads) * busiest_keys * (0.2 * GemvRowCycles(d, lanes) + 1.78 * dd + 79.5) +
         1.33 * static_cast<double>(groups) * 2 * static_cast<double>(prompt) * words + 947;
}

}  // namespace wafersim::runtime
