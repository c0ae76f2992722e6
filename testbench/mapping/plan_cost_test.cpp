// The cost a plan states against the cycles its simulation takes, on fast tiles, at sizes up to
// 128x128 tiles (docs/validation.md, "Plan costs"): each plan's estimate is what `wafersim
// compare` charges for its kernel on the wafer. The wider sweeps behind the constants are
// scripts/plan_cost_sweep scripts/plan_cost_cases/*.cases; these are the cases quick enough
// for the default suite, several of them outside the fits.
#include <catch2/catch.hpp>

#include <cmath>

#include "fabric/fabric_harness.h"
#include "plan/plan_lowering.h"
#include "runtime/gemv_mapper.h"
#include "runtime/kernel_run.h"
#include "runtime/mapper_registry.h"

using namespace wafersim;

TEST_CASE("the GEMV plan's cost is within 1% of its simulated cycles up to 128x128 tiles", "[plan][cost]") {
  struct Case {
    int64_t m, n;
    int p, q;
    DType dtype;
  };
  const Case cases[] = {
      {64, 48, 4, 4, DType::kFp32},           {1000, 700, 8, 8, DType::kFp32},
      {3000, 700, 50, 20, DType::kFp32},      {4096, 2048, 32, 32, DType::kFp16},
      {4096, 4096, 64, 64, DType::kFp32},     {1024, 1024, 128, 128, DType::kFp32},
      {8192, 4096, 128, 128, DType::kFp16},   {1024, 1024, 38, 114, DType::kFp32},
      {1024, 1024, 114, 38, DType::kFp32},    {2000, 300, 10, 100, DType::kFp32},
      {2048, 2048, 64, 16, DType::kFp16},
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
    INFO(c.m << " x " << c.n << " " << DTypeName(c.dtype) << " on " << c.p << "x" << c.q << ": simulated " << r.cycles
              << ", estimated " << p.cost.estimated_cycles);
    CHECK(std::fabs(error) <= 0.01);
  }
  WARN("largest error of the GEMV plan's cost: " << 100 * worst << "%");
}

namespace {

/// A kernel request on a `w` x `h` mesh of fast tiles: its mapping's estimate against the
/// simulated cycles, as a fraction of the latter.
double EstimateError(const runtime::KernelRequest& req, int w, int h) {
  fabric::FabricConfig config = fabric::Preset(w * h > 64 * 64 ? "medium" : "small");
  config.width = w;
  config.height = h;
  const runtime::KernelMapping m = runtime::FindMapper(req.kernel).map(req, config);
  fabric::TileGrid grid(config, {}, fabric::TileModels::All(fabric::TileModel::Fast));
  const runtime::KernelResult r = runtime::RunKernel(m, grid, runtime::Scheduler::PlainLoop);
  REQUIRE(r.correct);
  REQUIRE(m.estimated_cycles > 0);
  INFO(m.description << ": simulated " << r.cycles << ", estimated " << m.estimated_cycles);
  return (m.estimated_cycles - double(r.cycles)) / double(r.cycles);
}

runtime::KernelRequest Vector(const char* kernel, int tokens, int d_model) {
  runtime::KernelRequest r;
  r.kernel = kernel;
  r.tokens = tokens;
  r.d_model = d_model;
  return r;
}

runtime::KernelRequest Attention(const char* phase, int batch, int heads, int kv_heads, int head_dim, int length,
                                 DType dtype = DType::kFp32) {
  runtime::KernelRequest r;
  r.kernel = "attention";
  r.phase = phase;
  r.batch = batch;
  r.heads = heads;
  r.kv_heads = kv_heads;
  r.head_dim = head_dim;
  (r.phase == "decode" ? r.context : r.prompt) = length;
  r.dtype = dtype;
  return r;
}

runtime::KernelRequest Moe(int d_model, int d_ff, int experts, int top_k, int tokens, const char* dispatch,
                           DType dtype = DType::kFp32) {
  runtime::KernelRequest r;
  r.kernel = "moe";
  r.d_model = d_model;
  r.d_ff = d_ff;
  r.experts = experts;
  r.top_k = top_k;
  r.tokens = tokens;
  r.dispatch = dispatch;
  r.dtype = dtype;
  return r;
}

runtime::KernelRequest Gemm(int64_t m, int64_t n, int64_t k, DType dtype) {
  runtime::KernelRequest r;
  r.kernel = "gemm";
  r.m = m;
  r.n = n;
  r.k = k;
  r.dtype = dtype;
  return r;
}

struct CostCase {
  runtime::KernelRequest request;
  int w, h;
};

/// Every case within `tolerance` of its simulation; the largest error is reported.
void CheckCosts(const char* plan, const std::vector<CostCase>& cases, double tolerance) {
  double worst = 0;
  for (const CostCase& c : cases) {
    const double error = EstimateError(c.request, c.w, c.h);
    worst = std::max(worst, std::fabs(error));
    CHECK(std::fabs(error) <= tolerance);
  }
  WARN("largest error of the " << plan << " plan's cost: " << 100 * worst << "%");
}

}  // namespace

TEST_CASE("the vector plans' costs are within 1% of their simulated cycles up to 128x128 tiles", "[plan][cost]") {
  CheckCosts("residual", {{Vector("residual", 3, 777), 5, 7}, {Vector("residual", 64, 8192), 128, 128}}, 0.01);
  CheckCosts("SiLU-multiply", {{Vector("silu_mul", 3, 777), 5, 7}, {Vector("silu_mul", 64, 4096), 128, 128}}, 0.01);
  CheckCosts("RMSNorm",
             {{Vector("rmsnorm", 4, 256), 4, 4}, {Vector("rmsnorm", 3, 777), 5, 7}, {Vector("rmsnorm", 128, 16384), 128, 128}},
             0.01);
  runtime::KernelRequest rope;
  rope.kernel = "rope";
  rope.tokens = 64;
  rope.heads = 64;
  rope.kv_heads = 8;
  rope.head_dim = 128;
  runtime::KernelRequest small_rope = rope;
  small_rope.tokens = 3;
  small_rope.heads = 5;
  small_rope.kv_heads = 1;
  small_rope.head_dim = 24;
  CheckCosts("RoPE", {{small_rope, 5, 7}, {rope, 128, 128}}, 0.01);
}

TEST_CASE("the GEMM plan's cost is within 4% of its simulated cycles up to 64x64 tiles", "[plan][cost]") {
  CheckCosts("GEMM",
             {{Gemm(64, 48, 80, DType::kFp32), 4, 4},
              {Gemm(100, 70, 333, DType::kFp32), 4, 4},
              {Gemm(200, 300, 64, DType::kFp16), 8, 12},
              {Gemm(96, 64, 40, DType::kFp16), 24, 16},
              {Gemm(256, 256, 8, DType::kFp16), 64, 64}},
             0.04);
}

TEST_CASE("the attention plans' costs are within 2% (decode) and 5% (prefill) of their simulated cycles",
          "[plan][cost]") {
  CheckCosts("attention decode",
             {{Attention("decode", 1, 8, 2, 16, 64), 4, 4},
              {Attention("decode", 2, 4, 2, 32, 300, DType::kFp16), 12, 10},
              {Attention("decode", 1, 64, 64, 64, 200), 16, 16},
              {Attention("decode", 128, 1, 1, 16, 255), 128, 128}},
             0.02);
  CheckCosts("attention prefill",
             {{Attention("prefill", 1, 4, 2, 16, 32), 4, 4},
              {Attention("prefill", 1, 2, 1, 32, 48), 4, 2},
              {Attention("prefill", 2, 2, 2, 128, 40, DType::kFp16), 8, 8},
              {Attention("prefill", 32, 1, 1, 16, 48), 32, 32}},
             0.05);
}

TEST_CASE("the MoE plan's cost is within 4% of its simulated cycles, static and dynamic dispatch", "[plan][cost]") {
  CheckCosts("MoE",
             {{Moe(64, 128, 4, 2, 4, "static"), 4, 4},
              {Moe(64, 128, 4, 2, 4, "dynamic"), 4, 4},
              {Moe(96, 200, 6, 3, 10, "static"), 9, 7},
              {Moe(48, 96, 8, 4, 12, "dynamic"), 10, 4},
              {Moe(96, 192, 12, 3, 16, "static", DType::kFp16), 12, 12},
              {Moe(32, 64, 8, 2, 4, "static"), 32, 32}},
             0.04);
}
