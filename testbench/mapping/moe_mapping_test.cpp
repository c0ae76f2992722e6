// The MoE layer mapper on RTL tiles, run as a plain loop: right answers for uneven splits of
// tiles over experts and of hidden units over tiles, regions smaller than the mesh, the
// routing statistics, the SRAM check, --fit and bad input. With --dtype f16 the weights are
// binary16 in SRAM (and the tokens on the tiles, rounded by the gate): right with either
// dispatch, the same cycles on fast tiles as on RTL, half the weight bytes, read as binary16.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "fabric/fabric_harness.h"
#include "mapping/same_run.h"
#include "isa/fp.h"
#include "plan/plan_lowering.h"
#include "plan/plan_transform.h"
#include "runtime/kernel_run.h"
#include "runtime/moe_mapper.h"

using namespace wafersim;
using testbench::SmallFabric;

namespace {

runtime::KernelRequest Request(int d_model, int d_ff, int experts, int top_k, int tokens,
                               const char* dispatch = "static") {
  runtime::KernelRequest req;
  req.kernel = "moe";
  req.d_model = d_model;
  req.d_ff = d_ff;
  req.experts = experts;
  req.top_k = top_k;
  req.tokens = tokens;
  req.dispatch = dispatch;
  return req;
}

runtime::KernelRequest RequestF16(int d_model, int d_ff, int experts, int top_k, int tokens,
                                  const char* dispatch = "static") {
  auto req = Request(d_model, d_ff, experts, top_k, tokens, dispatch);
  req.dtype = DType::kFp16;
  return req;
}

runtime::KernelResult Run(const runtime::KernelMapping& mapping, const fabric::FabricConfig& config,
                          fabric::TileModel model = fabric::TileModel::Rtl) {
  fabric::TileGrid grid(config, fabric::RunOptions{}, fabric::TileModels::All(model));
  return runtime::RunKernel(mapping, grid, runtime::Scheduler::PlainLoop);
}

}  // namespace

TEST_CASE("moe on RTL tiles is right, and its routing statistics add up", "[mapping][moe]") {
  const auto config = SmallFabric(3, 3);
  const auto req = Request(16, 12, 4, 2, 3);
  const auto mapping = runtime::MapMoe(req, config);
  const auto r = Run(mapping, config);
  CHECK(r.status == fabric::RunStatus::Done);
  CHECK(r.correct);
  INFO(r.check);
  CHECK(r.received == 3 * 16);
  const std::vector<int> per_expert = mapping.parameters["tokens_per_expert"];
  CHECK(std::accumulate(per_expert.begin(), per_expert.end(), 0) == 3 * 2);
  CHECK(mapping.parameters["tiles_per_expert"] == std::vector<int>{2, 2, 2, 2});
  const double imbalance = mapping.parameters["load_imbalance"];
  CHECK(imbalance == Approx(*std::max_element(per_expert.begin(), per_expert.end()) / 1.5));
  CHECK_THAT(mapping.report_line, Catch::Contains("tokens per expert"));
  // Every expert tile stamps the four phases; the experts' phase is where the work is.
  REQUIRE(r.phases.size() == 4);
  CHECK(r.phases[2].max_cycles > r.phases[1].max_cycles);
  CHECK(r.phases[2].max_cycles >= double(mapping.parameters["slowest_expert_mac_cycles"]));
  // The tolerance is tight enough to catch a wrong answer: y is O(0.1), the bound far below.
  double worst = 0;
  for (double t : mapping.tolerance) worst = std::max(worst, t);
  CHECK(worst < 1e-4);
}

TEST_CASE("moe with uneven splits: tiles over experts, hidden units over tiles, a tile without any", "[mapping][moe]") {
  struct Case {
    int w, h, d_model, d_ff, experts, top_k, tokens;
  };
  // 3x2: 5 tiles for 3 experts (2, 2, 1); d_ff 1 leaves a tile of each two-tile expert idle.
  for (const Case c : {Case{3, 2, 9, 5, 3, 1, 2}, Case{3, 2, 8, 1, 3, 3, 2}, Case{2, 2, 5, 7, 3, 2, 4}}) {
    INFO(c.w << "x" << c.h << " d_model " << c.d_model << " d_ff " << c.d_ff << " experts " << c.experts << " top "
              << c.top_k << " tokens " << c.tokens);
    const auto config = SmallFabric(c.w, c.h);
    const auto r = Run(runtime::MapMoe(Request(c.d_model, c.d_ff, c.experts, c.top_k, c.tokens), config), config);
    CHECK(r.correct);
    INFO(r.check);
  }
}

TEST_CASE("moe is right over random shapes and seeds", "[mapping][moe]") {
  const auto config = SmallFabric(3, 3);
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const int experts = 1 + static_cast<int>(seed % 6);
    auto req = Request(3 + static_cast<int>(seed * 7 % 20), 1 + static_cast<int>(seed * 5 % 17), experts,
                       1 + static_cast<int>(seed % experts), 1 + static_cast<int>(seed % 4));
    req.seed = seed;
    INFO("seed " << seed << ": d_model " << req.d_model << " d_ff " << req.d_ff << " experts " << req.experts
                 << " top " << req.top_k << " tokens " << req.tokens);
    const auto r = Run(runtime::MapMoe(req, config), config);
    INFO(r.check);
    CHECK(r.correct);
  }
}

TEST_CASE("moe on a region smaller than the mesh leaves through either edge", "[mapping][moe]") {
  auto req = Request(8, 6, 2, 1, 2);
  // A 2x3 region: the snake ends on row 2 going east, through forwarding tiles to the edge.
  req.region_width = 2;
  req.region_height = 3;
  auto config = SmallFabric(4, 3);
  auto mapping = runtime::MapMoe(req, config);
  REQUIRE(mapping.outputs.size() == 1);
  CHECK(mapping.outputs[0].x == 3);
  CHECK(Run(mapping, config).correct);
  // A 3x2 region: it ends on row 1 going west, at x = 0.
  req.region_width = 3;
  req.region_height = 2;
  mapping = runtime::MapMoe(req, config);
  CHECK(mapping.outputs[0].x == 0);
  CHECK(mapping.outputs[0].dir == noc::Dir::West);
  CHECK(Run(mapping, config).correct);
}

TEST_CASE("a static-dispatch moe plan moved, transposed or recolored gives the same answer; a dynamic one stays",
          "[mapping][moe][plan]") {
  const auto config = SmallFabric(5, 5);
  auto req = Request(8, 6, 3, 2, 2);
  req.region_width = 3;
  req.region_height = 3;
  const plan::Plan p = runtime::BuildMoePlan(req, config);
  const auto base = Run(plan::Lower(p, config), config);
  REQUIRE(base.correct);
  // Moved to (2,1): the tokens cross two tiles from the west edge into the gate.
  const auto moved = Run(plan::Lower(plan::Moved(p, 2, 1), config), config);
  INFO(moved.check);
  CHECK(moved.correct);
  CHECK(moved.output == base.output);
  // Transposed: the tokens from the north edge, the snake down the columns, y out south.
  const auto transposed = Run(plan::Lower(plan::Transposed(p), config), config);
  INFO(transposed.check);
  CHECK(transposed.correct);
  CHECK(transposed.output == base.output);
  const auto recolored = Run(plan::Lower(plan::Recolored(p, {{0, 5}, {1, 6}, {5, 0}, {6, 1}}), config), config);
  CHECK(recolored.correct);
  CHECK(recolored.output == base.output);
  CHECK(recolored.cycles == base.cycles);
  // Dynamic dispatch's packet heads hold mesh coordinates: the plan stays where it is built.
  req.dispatch = "dynamic";
  const plan::Plan d = runtime::BuildMoePlan(req, config);
  CHECK_THROWS_WITH(plan::Moved(d, 1, 0), Catch::Contains("dynamically"));
  CHECK_THROWS_WITH(plan::Transposed(d), Catch::Contains("dynamically"));
}

TEST_CASE("moe checks its answer: a reference off by more than the tolerance fails", "[mapping][moe]") {
  const auto config = SmallFabric(2, 2);
  auto mapping = runtime::MapMoe(Request(8, 4, 2, 1, 2), config);
  mapping.reference[5] += 4 * mapping.tolerance[5];
  const auto r = Run(mapping, config);
  CHECK_FALSE(r.correct);
  CHECK(r.worst == 5);
}

TEST_CASE("moe that does not fit says what it needs; --fit takes a larger region", "[mapping][moe]") {
  auto req = Request(512, 1024, 8, 2, 4);
  CHECK_THROWS_WITH(runtime::MapMoe(req, SmallFabric(16, 16)),
                    Catch::Matches("moe does not fit a 16x16 region: an expert tile needs [0-9]+ bytes of SRAM "
                                   "\\(expert weights: 34 hidden units x 3 projections x 512 binary32.*but has 49152; "
                                   "use a larger --mesh or --region, or --fit"));
  req = Request(64, 256, 2, 1, 2);
  req.region_width = req.region_height = 2;  // 3 tiles: 128 hidden units x 3 x 256 bytes is too much
  CHECK_THROWS_WITH(runtime::MapMoe(req, SmallFabric(4, 4)), Catch::Contains("moe does not fit a 2x2 region"));
  req.fit = true;
  const auto fitted = runtime::MapMoe(req, SmallFabric(4, 4));
  CHECK(fitted.region_width * fitted.region_height > 4);
  CHECK(fitted.sram_bytes_per_tile <= 49152);
  req = Request(8, 8, 9, 1, 1);  // 9 experts, 8 tiles besides the gate
  CHECK_THROWS_WITH(runtime::MapMoe(req, SmallFabric(3, 3)),
                    "--experts: 9 experts need a tile each besides the gate's; a 3x3 region has 8; use a larger "
                    "--mesh or --region, or --fit");
}

TEST_CASE("moe names the flag that is wrong", "[mapping][moe]") {
  const auto config = SmallFabric(3, 3);
  CHECK_THROWS_WITH(runtime::MapMoe(Request(0, 8, 2, 1, 1), config), "--d-model: 0 must be at least 1");
  CHECK_THROWS_WITH(runtime::MapMoe(Request(8, 0, 2, 1, 1), config), "--d-ff: 0 must be at least 1");
  CHECK_THROWS_WITH(runtime::MapMoe(Request(8, 8, 0, 1, 1), config), "--experts: 0 must be at least 1");
  CHECK_THROWS_WITH(runtime::MapMoe(Request(8, 8, 2, 3, 1), config), "--top-k: 3 is more than the 2 experts");
  CHECK_THROWS_WITH(runtime::MapMoe(Request(8, 8, 2, 1, 0), config), "--tokens: 0 must be at least 1");
  auto req = Request(8, 8, 2, 1, 1);
  req.dispatch = "mail";
  CHECK_THROWS_WITH(runtime::MapMoe(req, config), "--dispatch: 'mail' is not static or dynamic");
  req.dispatch = "static";
  req.dtype = DType::kBf16;
  CHECK_THROWS_WITH(runtime::MapMoe(req, config), "--dtype bf16: must be one of fp32, fp16");
}

TEST_CASE("moe with dynamic dispatch on RTL tiles is right, and its statistics add up", "[mapping][moe]") {
  const auto config = SmallFabric(3, 3);
  const auto mapping = runtime::MapMoe(Request(16, 12, 4, 2, 3, "dynamic"), config);
  const auto r = Run(mapping, config);
  CHECK(r.status == fabric::RunStatus::Done);
  CHECK(r.correct);
  INFO(r.check);
  CHECK(r.received == 3 * 16);
  CHECK(mapping.parameters["dispatch"] == "dynamic");
  const std::vector<int> per_expert = mapping.parameters["tokens_per_expert"];
  CHECK(std::accumulate(per_expert.begin(), per_expert.end(), 0) == 3 * 2);
  // A packet of D + 3 words per chosen expert and an end packet per expert leave the gate; a
  // tile takes its expert's packets only.
  CHECK(mapping.parameters["dispatch_words"] == 6 * (16 + 3) + 4);
  CHECK(mapping.parameters["dispatch_words_per_tile_max"] ==
        (16 + 3) * *std::max_element(per_expert.begin(), per_expert.end()) + 1);
  CHECK_THAT(mapping.report_line, Catch::Contains("dynamic dispatch sends 6 packets of 19 words"));
  REQUIRE(r.phases.size() == 4);
  CHECK(r.phases[2].max_cycles >= double(mapping.parameters["slowest_expert_mac_cycles"]));
}

TEST_CASE("moe with dynamic dispatch over uneven splits, random shapes and seeds, and a smaller region",
          "[mapping][moe]") {
  struct Case {
    int w, h, d_model, d_ff, experts, top_k, tokens;
  };
  // One-tile experts (no relay), a tile without hidden units in a relay, d_model 1 (a packet's
  // body is only its tail), every expert chosen for every token, and a one-row region.
  for (const Case c : {Case{3, 2, 9, 5, 3, 1, 2}, Case{3, 2, 8, 1, 3, 3, 2}, Case{2, 2, 5, 7, 3, 2, 4},
                       Case{3, 3, 1, 4, 2, 2, 3}, Case{4, 1, 6, 3, 3, 3, 2}}) {
    INFO(c.w << "x" << c.h << " d_model " << c.d_model << " d_ff " << c.d_ff << " experts " << c.experts << " top "
              << c.top_k << " tokens " << c.tokens);
    const auto config = SmallFabric(c.w, c.h);
    const auto r =
        Run(runtime::MapMoe(Request(c.d_model, c.d_ff, c.experts, c.top_k, c.tokens, "dynamic"), config), config);
    INFO(r.check);
    CHECK(r.correct);
  }
  const auto config = SmallFabric(3, 3);
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const int experts = 1 + static_cast<int>(seed % 6);
    auto req = Request(3 + static_cast<int>(seed * 7 % 20), 1 + static_cast<int>(seed * 5 % 17), experts,
                       1 + static_cast<int>(seed % experts), 1 + static_cast<int>(seed % 4), "dynamic");
    req.seed = seed;
    INFO("seed " << seed << ": d_model " << req.d_model << " d_ff " << req.d_ff << " experts " << req.experts
                 << " top " << req.top_k << " tokens " << req.tokens);
    const auto r = Run(runtime::MapMoe(req, config), config);
    INFO(r.check);
    CHECK(r.correct);
  }
  // A 2x3 region of a 4x3 mesh: the packets stay inside it, y leaves through forwarding tiles.
  auto req = Request(8, 6, 2, 1, 2, "dynamic");
  req.region_width = 2;
  req.region_height = 3;
  const auto wide = SmallFabric(4, 3);
  CHECK(Run(runtime::MapMoe(req, wide), wide).correct);
}

TEST_CASE("moe with dynamic dispatch fails its check when packets go to the wrong experts", "[mapping][moe]") {
  const auto config = SmallFabric(3, 3);
  auto mapping = runtime::MapMoe(Request(8, 6, 2, 1, 4, "dynamic"), config);
  REQUIRE(Run(mapping, config).correct);
  // The gate's last data segment is its table of packet heads, one per expert: swapped, every
  // token goes to the other expert (and the run still ends: each gets one end packet).
  auto& heads = mapping.tiles[0].program.data.back().bytes;
  REQUIRE(heads.size() == 2 * 4);
  std::swap_ranges(heads.begin(), heads.begin() + 4, heads.begin() + 4);
  const auto r = Run(mapping, config);
  CHECK(r.status == fabric::RunStatus::Done);
  CHECK_FALSE(r.correct);
}

TEST_CASE("moe with dynamic dispatch needs a fifth color", "[mapping][moe]") {
  auto config = SmallFabric(3, 3);
  config.colors = 4;
  CHECK_NOTHROW(runtime::MapMoe(Request(8, 8, 2, 1, 1), config));
  CHECK_THROWS_WITH(runtime::MapMoe(Request(8, 8, 2, 1, 1, "dynamic"), config),
                    "router.colors: moe with dynamic dispatch needs 5 colors, the fabric has 4");
}

TEST_CASE("moe with binary16 weights on RTL tiles is right with either dispatch", "[mapping][moe][f16]") {
  struct Case {
    int w, h, d_model, d_ff, experts, top_k, tokens;
    const char* what;
  };
  for (const char* dispatch : {"static", "dynamic"}) {
    for (const Case c : {Case{3, 3, 16, 12, 4, 2, 3, "two tiles an expert, six hidden units each (three pairs)"},
                         Case{3, 2, 9, 5, 3, 1, 2, "d_model 9 (not whole lane steps), odd hidden units per tile"},
                         Case{2, 2, 5, 7, 3, 2, 4, "one tile an expert, seven hidden units (three pairs and one)"},
                         Case{3, 2, 8, 1, 3, 3, 2, "one hidden unit (no pair), a tile without any"},
                         Case{3, 3, 1, 4, 2, 2, 3, "d_model 1 (a dynamic packet's body is its tail)"},
                         Case{4, 1, 6, 3, 3, 3, 2, "a one-row region"}}) {
      INFO(dispatch << " dispatch, " << c.what << ": " << c.w << "x" << c.h << " d_model " << c.d_model << " d_ff "
                    << c.d_ff << " experts " << c.experts << " top " << c.top_k << " tokens " << c.tokens);
      const auto config = SmallFabric(c.w, c.h);
      const auto mapping =
          runtime::MapMoe(RequestF16(c.d_model, c.d_ff, c.experts, c.top_k, c.tokens, dispatch), config);
      CHECK(mapping.parameters["dtype"] == "fp16");
      CHECK_THAT(mapping.description, Catch::Contains("binary16 weights and tokens, binary32 arithmetic"));
      const auto r = Run(mapping, config);
      INFO(r.stop_reason << "; " << r.check);
      CHECK(r.status == fabric::RunStatus::Done);
      CHECK(r.correct);
      CHECK(r.received == size_t(c.tokens * c.d_model));
    }
  }
}

TEST_CASE("moe with binary16 weights gives the same cycles on fast tiles as on RTL, fewer than binary32",
          "[mapping][moe][f16]") {
  const auto config = SmallFabric(3, 3);
  for (const char* dispatch : {"static", "dynamic"}) {
    INFO(dispatch << " dispatch");
    const auto mapping = runtime::MapMoe(RequestF16(16, 12, 4, 2, 3, dispatch), config);
    const auto rtl = Run(mapping, config);
    const auto fast = Run(mapping, config, fabric::TileModel::Fast);
    testbench::CheckSameRun(rtl, fast);
    // The gate's and the gate and up projections' dot products run 4 lanes: the experts' phase
    // is shorter than binary32's on the same tokens and routing.
    const auto f32 = Run(runtime::MapMoe(Request(16, 12, 4, 2, 3, dispatch), config), config);
    CHECK(f32.correct);
    CHECK(rtl.cycles < f32.cycles);
    CHECK(rtl.phases[2].max_cycles < f32.phases[2].max_cycles);
  }
}

TEST_CASE("moe stores its weights in binary16, half the bytes, and reads them as binary16", "[mapping][moe][f16]") {
  const auto config = SmallFabric(3, 3);
  const auto f32 = runtime::MapMoe(Request(16, 12, 4, 2, 3), config);
  auto f16 = runtime::MapMoe(RequestF16(16, 12, 4, 2, 3), config);
  // Tile (1,0): expert 0's first tile, six hidden units. Its segments by address: the partial
  // outputs, then W1, W3 and W2. A W1 row of 16 elements is 64 bytes in binary32, 32 in binary16.
  auto by_address = [](std::vector<isa::DataSegment> data) {
    std::sort(data.begin(), data.end(), [](const auto& a, const auto& b) { return a.addr < b.addr; });
    return data;
  };
  const auto t32 = by_address(f32.tiles[1].program.data);
  const auto t16 = by_address(f16.tiles[1].program.data);
  REQUIRE(f16.tiles[1].x == 1);
  REQUIRE(f16.tiles[1].y == 0);
  REQUIRE(t16.size() == 4);
  REQUIRE(t32.size() == 4);
  CHECK(t32[1].bytes.size() == 6 * 64);
  CHECK(t16[1].bytes.size() == 6 * 32);
  CHECK(t16[3].bytes.size() * 2 == t32[3].bytes.size());  // W2: three blocks of two rows
  CHECK(f16.sram_bytes_per_tile < f32.sram_bytes_per_tile);
  // The same draws, rounded once: W1's first element is the binary16 of binary32's, and W2's
  // rows 0 and 1 share words (row 0 in the low halves, row 1 in the high).
  uint32_t w32 = 0, w16 = 0, row1 = 0, w2_16 = 0;
  std::memcpy(&w32, t32[1].bytes.data(), 4);
  std::memcpy(&w16, t16[1].bytes.data(), 4);
  CHECK((w16 & 0xffffu) == isa::F32ToF16(w32));
  std::memcpy(&row1, t32[3].bytes.data() + 64, 4);
  std::memcpy(&w2_16, t16[3].bytes.data(), 4);
  std::memcpy(&w32, t32[3].bytes.data(), 4);
  CHECK((w2_16 & 0xffffu) == isa::F32ToF16(w32));
  CHECK(w2_16 >> 16 == isa::F32ToF16(row1));
  // Binary32 arithmetic keeps the tolerance binary32's, far below binary16's rounding of the
  // weights: the run matches the binary16 reference, and a layer that took its weights as
  // binary32 values (the binary32 reference) would fail the check.
  auto r = Run(f16, config);
  INFO(r.check);
  CHECK(r.correct);
  CHECK(r.max_abs_err > 0);
  f16.reference = f32.reference;
  r = Run(f16, config);
  CHECK_FALSE(r.correct);
}

TEST_CASE("moe with binary16 weights fits a smaller region and counts binary16 bytes", "[mapping][moe][f16]") {
  // The 512 / 1024 / 8 layer: 41x41 in binary32 (40x40 needs 53444 bytes a tile), 28x28 in binary16.
  auto req = RequestF16(512, 1024, 8, 2, 4);
  CHECK_THROWS_WITH(runtime::MapMoe(req, SmallFabric(27, 27)),
                    "moe does not fit a 27x27 region: an expert tile needs 49412 bytes of SRAM (expert weights: 12 "
                    "hidden units x 3 projections x 512 binary16, rows padded to 1024 bytes: 36864 bytes; tokens 4 x "
                    "(8 weights + 512 binary16): 4224 bytes; partial outputs 4 x 512: 8192 bytes; stamps 32 bytes) but "
                    "has 49152; use a larger --mesh or --region, or --fit");
  const auto fits = runtime::MapMoe(req, SmallFabric(28, 28));
  CHECK(fits.region_width == 28);
  CHECK(fits.sram_bytes_per_tile <= 49152);
  // --fit grows a small region until binary16 fits: 28x27 of a 41x41 mesh (binary32 needs 41x41).
  req.region_width = req.region_height = 2;
  req.fit = true;
  const auto fitted = runtime::MapMoe(req, SmallFabric(41, 41));
  CHECK(fitted.region_width * fitted.region_height == 28 * 27);
  CHECK(fitted.sram_bytes_per_tile <= 49152);
}
