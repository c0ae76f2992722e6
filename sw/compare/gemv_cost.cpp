#include "compare/gemv_cost.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace wafersim::compare {

namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

GemvPlacement PlaceGemv(int64_t n, int64_t k, int64_t products, int64_t tiles, int elem_bytes, double usable_bytes,
                        int lanes, double tokens) {
  products = std::max<int64_t>(1, products);
  tiles = std::max<int64_t>(1, tiles);
  if (tiles < products) {
    // Each tile runs whole products one after another.
    GemvPlacement g;
    g.p = g.q = 1;
    g.m_t = n;
    g.n_t = k;
    g.serial = CeilDiv(products, tiles);
    g.tiles = tiles;
    g.bytes_per_tile = static_cast<double>(g.serial * n * k * elem_bytes);
    g.fits = g.bytes_per_tile <= usable_bytes;
    const StageCost one = GemvBlockCost(n, k, 1, 1, lanes);
    g.cost = {one.fixed_cycles * static_cast<double>(g.serial), one.token_cycles * static_cast<double>(g.serial)};
    return g;
  }
  const int64_t per_product = tiles / products;
  // Region widths to try: every width up to 33, then steps of about 3%.
  std::set<int64_t> widths;
  const int64_t max_p = std::min(k, per_product);
  for (double w = 1; w <= static_cast<double>(max_p); w = std::max(w + 1, std::floor(w * 1.03))) {
    widths.insert(static_cast<int64_t>(w));
  }
  widths.insert(max_p);
  GemvPlacement best, smallest;
  double best_cycles = INFINITY;
  for (const int64_t p : widths) {
    const int64_t q = std::min(n, per_product / p);
    if (q < 1) continue;
    GemvPlacement g;
    g.p = p;
    g.q = q;
    g.m_t = CeilDiv(n, q);
    g.n_t = CeilDiv(k, p);
    g.tiles = p * q * products;
    g.bytes_per_tile = static_cast<double>(g.m_t * g.n_t * elem_bytes);
    g.fits = g.bytes_per_tile <= usable_bytes;
    g.cost = GemvBlockCost(g.m_t, g.n_t, p, q, lanes);
    if (smallest.tiles == 0 || g.bytes_per_tile < smallest.bytes_per_tile) smallest = g;
    if (g.fits && g.cost.Cycles(tokens) < best_cycles) {
      best_cycles = g.cost.Cycles(tokens);
      best = g;
    }
  }
  return best.fits ? best : smallest;
}

}  // namespace wafersim::compare
