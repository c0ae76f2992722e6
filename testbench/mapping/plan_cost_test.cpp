// The cost a plan states against the cycles its simulation takes, on fast tiles, at sizes up to
// 128x128 tiles (docs/validation.md, "Plan costs"): the GEMV plan's estimate is what
// `wafersim compare` charges for every matrix product on the wafer.
#include <catch2/catch.hpp>

#include <cmath>

#include "fabric/fabric_harness.h"
#include "plan/plan_lowering.h"
#include "runtime/gemv_mapper.h"
#include "runtime/kernel_run.h"

using namespace wafersim;

TEST_CASE("the GEMV plan's cost is within 1% of its simulated cycles up to 128x128 tiles", "[plan][cost]") {
  struct Case {
    int64_t m, n;
    int p, q;
    const char* dtype;
  };
  const Case cases[] = {
      {64, 48, 4, 4, "f32"},     {1000, 700, 8, 8, "f32"},     {3000, 700, 50, 20, "f32"},
      {4096, 2048, 32, 32, "f16"}, {4096, 4096, 64, 64, "f32"}, {1024, 1024, 128, 128, "f32"},
      {8192, 4096, 128, 128, "f16"}, {1024, 1024, 38, 114, "f32"}, {1024, 1024, 114, 38, "f32"},
      {2000, 300, 10, 100, "f32"},  {2048, 2048, 64, 16, "f16"},
  };
  double worst = 0;
  for (const Case& c : cases) {
    fabric::FabricConfig config = fabric::Preset(c.p > 64 ? "medium" : "small");
    config.width = c.p;
    config.height = c.q;
    runtime::KernelRequest req;
    req.kernel = "gemv";
    req.m = c.m;
    req.n = c.n;
    req.dtype = c.dtype;
    req.region_width = c.p;
    req.region_height = c.q;
    const plan::Plan p = runtime::BuildGemvPlan(req, config);
    fabric::TileGrid grid(config, {}, fabric::TileModels::All(fabric::TileModel::Fast));
    const runtime::KernelResult r = runtime::RunKernel(plan::Lower(p, config), grid, runtime::Scheduler::PlainLoop);
    REQUIRE(r.correct);
    const double error = (p.cost.estimated_cycles - double(r.cycles)) / double(r.cycles);
    worst = std::max(worst, std::fabs(error));
    INFO(c.m << " x " << c.n << " " << c.dtype << " on " << c.p << "x" << c.q << ": simulated " << r.cycles
              << ", estimated " << p.cost.estimated_cycles);
    CHECK(std::fabs(error) <= 0.01);
  }
  WARN("largest error of the GEMV plan's cost: " << 100 * worst << "%");
}
