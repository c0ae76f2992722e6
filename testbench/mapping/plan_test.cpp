// Plans: a built-in plan moved and transposed on the mesh gives the same answer; the chained
// GEMV -> RMSNorm -> GEMV -> residual runs correct against the whole chain's reference, the
// same on fast and RTL tiles; a chain that cannot be laid is refused naming the tile and
// color; the programs come from the binary, not the checkout.
#include <catch2/catch.hpp>

#include "asm/assembler.h"
#include "embed/firmware_files.h"
#include "fabric/fabric_harness.h"
#include "plan/plan_chain.h"
#include "plan/plan_lowering.h"
#include "plan/plan_transform.h"
#include "runtime/chain_mapper.h"
#include "runtime/gemm_mapper.h"
#include "runtime/gemv_mapper.h"
#include "runtime/kernel_run.h"
#include "runtime/residual_mapper.h"
#include "runtime/rmsnorm_mapper.h"

using namespace wafersim;
using testbench::SmallFabric;

namespace {

runtime::KernelResult Run(const runtime::KernelMapping& m, const fabric::FabricConfig& config,
                          fabric::TileModel tiles = fabric::TileModel::Rtl) {
  fabric::TileGrid grid(config, {}, fabric::TileModels::All(tiles));
  return runtime::RunKernel(m, grid, runtime::Scheduler::PlainLoop);
}

runtime::KernelRequest Gemv(int m, int n, int pw, int ph) {
  runtime::KernelRequest req;
  req.kernel = "gemv";
  req.m = m;
  req.n = n;
  req.region_width = pw;
  req.region_height = ph;
  return req;
}

}  // namespace

TEST_CASE("the mappers' programs are built into the binary", "[plan]") {
  for (const char* name : {"kernels/gemv_tile.s", "kernels/gemm_tile.s", "kernels/rmsnorm_tile.s",
                           "kernels/silu_mul_tile.s", "kernels/residual_tile.s", "kernels/rope_tile.s", "kernels/rope_band_tile.s",
                           "kernels/halt.s", "kernels/rsqrt_f32.s", "kernels/exp_f32.s"}) {
    INFO(name);
    CHECK(firmware::FindBuiltIn(name) != nullptr);
  }
  CHECK(firmware::FindBuiltIn("kernels/no_such.s") == nullptr);
  // A parameter the program needs and the plan does not give is named with its file and line.
  assembler::AsmOptions o;
  o.defines = {{"NC", 4}};
  CHECK_THROWS_WITH(assembler::AssembleBuiltIn("kernels/gemv_tile.s", o),
                    Catch::Contains("firmware/kernels/gemv_tile.s:20:") && Catch::Contains("('XT' is not defined)"));
}

TEST_CASE("a packed binary16 input sends two elements a wavelet, low half first", "[plan]") {
  // 1.0, -2.0 and 0.5 are 0x3c00, 0xc000 and 0x3800 in binary16; an odd segment's last one is alone.
  const std::vector<float> v = {1.0f, -2.0f, 0.5f};
  CHECK(plan::Payloads(v, plan::DType::kFp16, 0, 3, true) == std::vector<uint32_t>{0xc0003c00u, 0x00003800u});
  CHECK(plan::Payloads(v, plan::DType::kFp16, 1, 2, true) == std::vector<uint32_t>{0x3800c000u});
  CHECK(plan::Payloads(v, plan::DType::kFp16, 0, 2) == std::vector<uint32_t>{0x3c00u, 0xc000u});

  plan::Plan p;
  p.kernel = "packed";
  p.region = {0, 0, 1, 1};
  p.tiles.push_back({0, 0, "forward", {"kernels/halt.s", {}}, {}, {}, {}});
  p.tensors["x"] = plan::Tensor{{3}, plan::DType::kFp16, v};
  plan::Port in{"x", plan::DType::kFp16, 3, {{0, 0, noc::Dir::North, 0, 0, 3}}, {}};
  in.packed = true;
  p.inputs.push_back(in);
  const runtime::KernelMapping m = plan::Lower(p, SmallFabric(2, 2));
  REQUIRE(m.inputs.size() == 1);
  CHECK(m.inputs[0].payloads == std::vector<uint32_t>{0xc0003c00u, 0x00003800u});
  p.inputs[0].dtype = plan::DType::kFp32;
  CHECK_THROWS_WITH(plan::Lower(p, SmallFabric(2, 2)), Catch::Contains("input port 'x': only binary16 elements"));
}

TEST_CASE("a GEMV plan moved off the origin and transposed gives the same answer", "[plan]") {
  const auto config = SmallFabric(8, 8);
  const plan::Plan at_origin = runtime::BuildGemvPlan(Gemv(24, 20, 3, 2), config);
  const runtime::KernelResult base = Run(plan::Lower(at_origin, config), config);
  REQUIRE(base.correct);

  // Moved to (2,3): x comes down three tiles of other columns, y crosses three to the east edge.
  const runtime::KernelMapping moved = plan::Lower(plan::Moved(at_origin, 2, 3), config);
  const runtime::KernelResult r = Run(moved, config);
  CHECK(r.correct);
  CHECK(r.output == base.output);
  // At the north-east corner nothing crosses other tiles; at the origin y crosses five to the
  // east edge, moved to (2,3) x crosses three from the north and y three to the east.
  const runtime::KernelResult corner = Run(plan::Lower(plan::Moved(at_origin, 5, 0), config), config);
  CHECK(corner.correct);
  CHECK(corner.cycles < base.cycles);
  CHECK(corner.cycles < r.cycles);
  bool forwarding = false;
  for (const auto& t : moved.tiles) forwarding |= t.x == 3 && t.y == 0;  // above the region, passing x on
  CHECK(forwarding);

  // Transposed: x from the west edge, the sums flowing south; the same products and sums.
  const runtime::KernelResult t = Run(plan::Lower(plan::Transposed(at_origin), config), config);
  CHECK(t.correct);
  CHECK(t.output == base.output);
  CHECK(t.cycles == base.cycles);
}

TEST_CASE("a GEMV plan turned half a turn takes x from the south and gives the same answer", "[plan]") {
  const auto config = SmallFabric(8, 8);
  const plan::Plan p = plan::Moved(runtime::BuildGemvPlan(Gemv(24, 20, 3, 2), config), 5, 6);
  const runtime::KernelResult base = Run(plan::Lower(p, config), config);
  REQUIRE(base.correct);
  const plan::Plan turned = plan::HalfTurned(p);
  for (const auto& s : turned.inputs.front().streams) CHECK(s.side == noc::Dir::South);
  for (const auto& s : turned.outputs.front().streams) CHECK(s.side == noc::Dir::West);
  // Lane order is kept: x's first piece now enters the east-most column.
  CHECK(turned.inputs.front().streams.front().x == p.region.width - 1);
  const runtime::KernelResult r = Run(plan::Lower(turned, config), config);
  CHECK(r.correct);
  CHECK(r.output == base.output);
  CHECK(plan::HalfTurned(turned) == p);
}

TEST_CASE("recoloring a plan keeps its answer and cycles", "[plan]") {
  const auto config = SmallFabric(4, 4);
  const plan::Plan p = runtime::BuildGemvPlan(Gemv(12, 9, 3, 2), config);
  const runtime::KernelResult base = Run(plan::Lower(p, config), config);
  const runtime::KernelResult r = Run(plan::Lower(plan::Recolored(p, {{0, 5}, {1, 7}, {2, 0}, {5, 1}, {7, 2}}), config), config);
  CHECK(r.correct);
  CHECK(r.output == base.output);
  CHECK(r.cycles == base.cycles);
  CHECK_THROWS_WITH(plan::Recolored(p, {{0, 3}, {1, 3}}), Catch::Contains("two colors to 3"));
}

TEST_CASE("a GEMM plan moved, transposed and recolored gives the same answer", "[plan]") {
  // Binary16 with an odd k: the panels' rows are packed, each a segment of A (of B transposed)
  // with its last wavelet half full; moved, every segment of a stream crosses the same tiles.
  const auto config = SmallFabric(5, 5);
  runtime::KernelRequest req;
  req.kernel = "gemm";
  req.m = 7;
  req.n = 6;
  req.k = 11;
  req.dtype = DType::kFp16;
  req.region_width = 2;
  req.region_height = 3;
  const plan::Plan p = runtime::BuildGemmPlan(req, config);
  const runtime::KernelResult base = Run(plan::Lower(p, config), config);
  REQUIRE(base.correct);
  const runtime::KernelResult moved = Run(plan::Lower(plan::Moved(p, 2, 1), config), config);
  CHECK(moved.correct);
  CHECK(moved.output == base.output);
  // Transposed: A from the north, B from the west, C's rows leaving south.
  const runtime::KernelResult t = Run(plan::Lower(plan::Transposed(p), config), config);
  CHECK(t.correct);
  CHECK(t.output == base.output);
  CHECK(t.cycles == base.cycles);
  const runtime::KernelResult r = Run(plan::Lower(plan::Recolored(p, {{0, 3}, {1, 2}, {2, 1}, {3, 0}}), config), config);
  CHECK(r.correct);
  CHECK(r.output == base.output);
  CHECK(r.cycles == base.cycles);
  // In a chain its open ports are laid to the edge by the chainer, the same way: once.
  plan::Plan alone = plan::Chain({{"gemm", plan::Moved(p, 2, 1)}}, {}, config);
  alone.reference = p.reference;
  alone.tolerance = p.tolerance;
  const runtime::KernelResult chained = Run(plan::Lower(alone, config), config);
  CHECK(chained.correct);
  CHECK(chained.output == base.output);
  CHECK(chained.cycles == moved.cycles);
}

TEST_CASE("GEMV -> RMSNorm -> GEMV -> residual chained over the fabric on 16x16", "[plan]") {
  const auto config = SmallFabric(16, 16);
  runtime::KernelRequest req;
  req.kernel = "chain";
  req.n = 40;
  req.d_model = 30;
  req.m = 26;
  const plan::Plan chain = runtime::BuildChainPlan(req, config);
  // Only x and r come from the host; y1, z and y2 cross the fabric.
  REQUIRE(chain.inputs.size() == 2);
  CHECK(chain.inputs[0].name == "gemv1.x");
  CHECK(chain.inputs[1].name == "residual.r");
  REQUIRE(chain.outputs.size() == 1);
  CHECK(chain.outputs[0].name == "residual.y");
  int route_tiles = 0;
  for (const auto& t : chain.tiles) route_tiles += t.role == "route";
  CHECK(route_tiles == 4 + 4 + 4 + 4 * 10);  // three gaps of 4 lanes, r's 4 lanes down to the edge

  const runtime::KernelMapping m = plan::Lower(chain, config);
  const runtime::KernelResult fast = Run(m, config, fabric::TileModel::Fast);
  INFO(fast.check);
  CHECK(fast.correct);
  CHECK(fast.received == 26);
  const runtime::KernelResult rtl = Run(m, config);
  CHECK(rtl.correct);
  CHECK(rtl.cycles == fast.cycles);
  CHECK(rtl.output == fast.output);

  // The check can fail: a chain whose second GEMV used other weights is wrong.
  runtime::KernelMapping wrong = m;
  for (auto& v : wrong.reference) v += 4 * 1e-3;
  CHECK_FALSE(Run(wrong, config, fabric::TileModel::Fast).correct);
}

TEST_CASE("a chain that cannot be laid is refused naming the tile and color", "[plan]") {
  const auto config = SmallFabric(16, 16);
  runtime::KernelRequest g = Gemv(8, 8, 2, 2);
  g.stream_ports = true;
  runtime::KernelRequest n;
  n.kernel = "residual";
  n.d_model = 8;
  n.tokens = 1;
  n.region_width = 2;
  n.region_height = 1;
  n.stream_ports = true;
  const plan::Plan a = runtime::BuildGemvPlan(g, config);
  const plan::Plan b = plan::Moved(plan::Transposed(runtime::BuildResidualPlan(n, config)), 5, 0);

  SECTION("overlapping regions") {
    CHECK_THROWS_WITH(plan::Chain({{"a", a}, {"b", plan::Moved(b, 1, 1)}}, {}, config),
                      "chain: the regions of 'a' and 'b' overlap at tile (1,1)");
  }
  SECTION("an input fed twice") {
    CHECK_THROWS_WITH(plan::Chain({{"a", a}, {"b", b}}, {{0, "y", 1, "x"}, {0, "y", 1, "x"}}, config),
                      "chain: input port 'b.x' is fed twice");
  }
  SECTION("ports split differently") {
    n.region_width = 3;  // x's 8 elements as 3 + 3 + 2, a's y as 4 + 4
    const plan::Plan three = plan::Moved(plan::Transposed(runtime::BuildResidualPlan(n, config)), 5, 0);
    CHECK_THROWS_WITH(plan::Chain({{"a", a}, {"b", three}}, {{0, "y", 1, "x"}}, config),
                      "chain: 'a.y' (8 elements in 2 streams) and 'b.x' (8 in 3) are not split alike");
  }
  SECTION("a wall of routes on the color across the way") {
    // A third plan's region stands in column 3 from top to bottom: no way around it.
    plan::Plan wall = plan::Moved(runtime::BuildResidualPlan(n, config), 3, 0);
    wall.region.width = 1;
    wall.region.height = 16;
    wall.tiles.clear();
    wall.inputs.clear();
    wall.outputs.clear();
    CHECK_THROWS_WITH(plan::Chain({{"a", a}, {"b", b}, {"wall", wall}}, {{0, "y", 1, "x"}}, config),
                      Catch::Contains("'a.y' -> 'b.x' stream 0: no way on color") &&
                          Catch::Contains("from tile (1,0) to tile (5,0)") &&
                          Catch::Contains("blocked by regions or routes on that color"));
  }
  SECTION("a link laid") {
    const plan::Plan c = plan::Chain({{"a", a}, {"b", b}}, {{0, "y", 1, "x"}}, config);
    CHECK(c.inputs.size() == 2);  // a.x from the north edge, b.r from the east edge
  }
}
