// The resident FFN (rmsnorm -> fused gate/up GEMV -> SiLU-multiply -> down GEMV -> residual,
// chained over the fabric) runs correct against the whole sub-block's reference, the same on
// fast and RTL tiles, within its stated cost; the streamed SiLU-multiply alone is correct; a
// fork in a chain delivers one output to two consumers, and a fork that has no tile to branch
// from is refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>

#include "fabric/fabric_harness.h"
#include "mapping/chain_checks.h"
#include "mapping/same_run.h"
#include "plan/plan_chain.h"
#include "plan/plan_lowering.h"
#include "plan/plan_transform.h"
#include "runtime/ffn_mapper.h"
#include "runtime/gemv_mapper.h"
#include "runtime/kernel_run.h"
#include "runtime/residual_mapper.h"
#include "runtime/silu_mul_mapper.h"

using namespace wafersim;
using testbench::SmallFabric;

namespace {

runtime::KernelRequest Ffn(int d, int ff) {
  runtime::KernelRequest req;
  req.kernel = "ffn";
  req.d_model = d;
  req.d_ff = ff;
  return req;
}

}  // namespace

TEST_CASE("a resident FFN chained over the fabric is right, the same on fast and RTL tiles", "[ffn]") {
  const auto config = SmallFabric(16, 16);
  const plan::Plan ffn = runtime::BuildFfnPlan(Ffn(24, 32), config);
  // Only h comes from the host (to the norm and, again, the residual); every activation between
  // them crosses the fabric.
  REQUIRE(ffn.inputs.size() == 2);
  CHECK(ffn.inputs[0].name == "norm.x");
  CHECK(ffn.inputs[1].name == "residual.r");
  REQUIRE(ffn.outputs.size() == 1);
  CHECK(ffn.outputs[0].name == "residual.y");
  CHECK(ffn.tensors.count("gate_up.W") == 1);
  CHECK(ffn.tensors.count("down.W") == 1);

  const runtime::KernelMapping m = plan::Lower(ffn, config);
  const runtime::KernelResult fast = testbench::RunMapping(m, config);
  INFO(fast.check);
  CHECK(fast.correct);
  CHECK(fast.received == 24);
  testbench::CheckSameRun(testbench::RunMapping(m, config, fabric::TileModel::Rtl), fast);
  // The stated cost (the stages' plan costs, one after another).
  CHECK(std::fabs(ffn.cost.estimated_cycles / double(fast.cycles) - 1) < 0.05);

  // The check can fail: an answer off by more than the bound is wrong.
  CHECK_FALSE(testbench::RunMapping(testbench::ShiftedPastTolerance(m), config).correct);
}

TEST_CASE("the FFN at a chosen layout, wider than tall, on fast tiles", "[ffn]") {
  const auto config = SmallFabric(40, 20);
  runtime::KernelRequest req = Ffn(96, 192);
  req.region_width = 12;
  req.region_height = 16;
  req.seed = 7;
  const plan::Plan ffn = runtime::BuildFfnPlan(req, config);
  CHECK(ffn.parameters["region"] == "12x16");
  const runtime::KernelResult r = testbench::RunMapping(plan::Lower(ffn, config), config);
  INFO(r.check);
  CHECK(r.correct);
  CHECK(std::fabs(ffn.cost.estimated_cycles / double(r.cycles) - 1) < 0.05);
}

TEST_CASE("FFN layouts that cannot be are refused naming the flag", "[ffn]") {
  const auto config = SmallFabric(16, 16);
  runtime::KernelRequest req = Ffn(24, 30);
  req.region_width = 4;
  req.region_height = 7;
  CHECK_THROWS_WITH(runtime::BuildFfnPlan(req, config), "--region 4x7: R must divide --d-ff (30)");
  req.region_height = 15;
  CHECK_THROWS_WITH(runtime::BuildFfnPlan(req, config),
                    "--region 4x15: the ffn takes 9x17 tiles, the mesh is 16x16");
  req.region_width = 0;
  req.region_height = 0;
  req.d_ff = 0;
  CHECK_THROWS_WITH(runtime::BuildFfnPlan(req, config), "--d-ff: 0 must be in 1..1,000,000");
  req.d_ff = 4096;
  req.d_model = 4096;
  CHECK_THROWS_WITH(runtime::BuildFfnPlan(req, config), Catch::Contains("no layout fits the 16x16 mesh"));
}

TEST_CASE("a streamed SiLU-multiply takes g then u per row from the west and sends y east", "[ffn]") {
  const auto config = SmallFabric(8, 8);
  runtime::KernelRequest req;
  req.kernel = "silu_mul";
  req.d_model = 21;
  req.tokens = 1;
  req.region_width = 1;
  req.region_height = 4;
  req.stream_ports = true;
  const plan::Plan p = runtime::BuildSiluMulPlan(req, config);
  REQUIRE(p.inputs.size() == 1);
  CHECK(p.inputs[0].name == "gu");
  CHECK(p.inputs[0].streams.size() == 4);
  CHECK(p.inputs[0].streams[0].count == 12);  // 6 of g, then 6 of u
  const runtime::KernelResult r = testbench::RunMapping(plan::Lower(p, config), config);
  INFO(r.check);
  CHECK(r.correct);
  CHECK(r.received == 21);
  req.region_width = 2;
  CHECK_THROWS_WITH(runtime::BuildSiluMulPlan(req, config), Catch::Contains("takes one region column"));
}

TEST_CASE("a fork delivers one output to two consumers, multicast from a tile between", "[ffn]") {
  const auto config = SmallFabric(8, 8);
  runtime::KernelRequest g;
  g.kernel = "gemv";
  g.m = 8;
  g.n = 8;
  g.region_width = 2;
  g.region_height = 1;  // y leaves east in one stream
  runtime::KernelRequest res;
  res.kernel = "residual";
  res.d_model = 8;
  res.tokens = 1;
  res.region_width = 1;
  res.region_height = 1;
  res.stream_ports = true;
  const plan::Plan a = runtime::BuildGemvPlan(g, config);
  res.seed = 11;
  const plan::Plan b = plan::Moved(plan::Transposed(runtime::BuildResidualPlan(res, config)), 5, 0);
  res.seed = 12;
  const plan::Plan c = plan::Moved(plan::Transposed(runtime::BuildResidualPlan(res, config)), 5, 3);
  plan::Plan chain = plan::Chain({{"a", a}, {"b", b}, {"c", c}}, {{0, "y", 1, "x"}, {0, "y", 2, "x"}}, config);
  // One tile sends the color on to two sides.
  int forks = 0;
  for (const auto& t : chain.tiles) {
    for (const auto& route : t.routes) forks += t.role == "route" && std::popcount(route.tx) == 2;
  }
  CHECK(forks == 1);
  // b.y = W x + r_b, c.y = W x + r_c.
  REQUIRE(chain.outputs.size() == 2);
  CHECK(chain.outputs[0].name == "b.y");
  CHECK(chain.outputs[1].name == "c.y");
  for (const plan::Plan* consumer : {&b, &c}) {
    const auto& r = consumer->tensors.at("r").values;
    for (size_t i = 0; i < 8; ++i) {
      chain.reference.push_back(a.reference[i] + r[i]);
      chain.tolerance.push_back(a.tolerance[i] + 1e-6 * std::fabs(a.reference[i] + r[i]) + 1e-30);
    }
  }
  const runtime::KernelResult run = testbench::RunMapping(plan::Lower(chain, config), config);
  INFO(run.check);
  CHECK(run.correct);
  CHECK(run.received == 16);

  // Regions side by side leave no tile to branch from.
  const plan::Plan near = plan::Moved(plan::Transposed(runtime::BuildResidualPlan(res, config)), 2, 0);
  CHECK_THROWS_WITH(plan::Chain({{"a", a}, {"b", near}, {"c", c}}, {{0, "y", 1, "x"}, {0, "y", 2, "x"}}, config),
                    Catch::Contains("goes straight into its first consumer's region"));
}

TEST_CASE("a resident FFN with binary16 weights is right and faster", "[ffn]") {
  const auto config = SmallFabric(40, 20);
  runtime::KernelRequest req = Ffn(96, 192);
  req.region_width = 12;
  req.region_height = 16;
  const runtime::KernelResult f32 = testbench::RunMapping(runtime::MapFfn(req, config), config);
  req.dtype = DType::kFp16;
  const plan::Plan f16 = runtime::BuildFfnPlan(req, config);
  const runtime::KernelResult r = testbench::RunMapping(plan::Lower(f16, config), config);
  INFO(r.check);
  CHECK(r.correct);
  CHECK(r.cycles < f32.cycles);  // the GEMVs' 8-lane path
  CHECK(std::fabs(f16.cost.estimated_cycles / double(r.cycles) - 1) < 0.05);
}
