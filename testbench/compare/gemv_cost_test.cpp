// The wafer model's GEMV cost against the simulated runs it stands for (docs/mapping.md).
#include <catch2/catch.hpp>

#include <cmath>

#include "compare/gemv_cost.h"

namespace wafersim::compare {

TEST_CASE("the GEMV cost reproduces every simulated run of docs/mapping.md", "[compare][gemv]") {
  struct Run {
    int64_t m, n, p, q;
    int lanes;
    double cycles;  // measured: wafersim run --kernel gemv --m M --n N --mesh PxQ [--dtype f16]
  };
  const Run runs[] = {
      {64, 48, 4, 4, 1, 420},        {512, 512, 8, 8, 1, 4877},  {1000, 700, 8, 8, 1, 12376},
      {512, 512, 16, 16, 1, 1557},   {2048, 1024, 16, 16, 1, 9653}, {512, 512, 8, 8, 4, 1997},
      {1000, 1000, 8, 8, 4, 5797},
  };
  for (const Run& r : runs) {
    const int64_t m_t = (r.m + r.q - 1) / r.q, n_t = (r.n + r.p - 1) / r.p;
    const StageCost c = GemvBlockCost(m_t, n_t, r.p, r.q, r.lanes);
    INFO(r.m << " x " << r.n << " on " << r.p << "x" << r.q << ", lanes " << r.lanes);
    CHECK(std::abs(c.Cycles(1) - r.cycles) <= 1.0);
  }
}

TEST_CASE("a GEMV placement keeps its blocks within a tile's usable SRAM", "[compare][gemv]") {
  // 8192 x 8192 binary16 (128 MiB) on 4,000 tiles of 45.7 kB usable: needs at least 2,936 tiles.
  const GemvPlacement g = PlaceGemv(8192, 8192, 1, 4000, 2, 45711, 4, 1);
  REQUIRE(g.fits);
  CHECK(g.bytes_per_tile <= 45711);
  CHECK(g.tiles <= 4000);
  CHECK(g.m_t * g.q >= 8192);
  CHECK(g.n_t * g.p >= 8192);
  // Too few tiles: it says so.
  CHECK_FALSE(PlaceGemv(8192, 8192, 1, 1000, 2, 45711, 4, 1).fits);
  // More tiles make the per-token work smaller.
  const GemvPlacement wide = PlaceGemv(8192, 8192, 1, 40000, 2, 45711, 4, 1);
  CHECK(wide.cost.token_cycles < g.cost.token_cycles);
}

}  // namespace wafersim::compare
