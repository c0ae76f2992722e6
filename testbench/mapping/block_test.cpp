// RMSNorm, SiLU-multiply and the residual add on RTL tiles (plain loop), the inverse square
// root's error bound, and a small transformer block of every kernel (rope included) on fast
// tiles.
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>

#include "fabric/fabric_harness.h"
#include "runtime/block_run.h"
#include "runtime/kernel_run.h"
#include "runtime/residual_mapper.h"
#include "runtime/rmsnorm_mapper.h"
#include "runtime/rope_mapper.h"
#include "runtime/silu_mul_mapper.h"
#include "workload/model_registry.h"
#include "workload/workload_keys.h"

using namespace wafersim;
using testbench::SmallFabric;

namespace {

runtime::KernelRequest Request(const std::string& kernel, int d, int tokens) {
  runtime::KernelRequest req;
  req.kernel = kernel;
  req.d_model = d;
  req.tokens = tokens;
  return req;
}

runtime::KernelResult Run(const runtime::KernelMapping& m, const fabric::FabricConfig& config) {
  fabric::TileGrid grid(config);
  return runtime::RunKernel(m, grid, runtime::Scheduler::PlainLoop);
}

// firmware/kernels/rsqrt_f32.s step for step (binary32 products, one fused step).
float RsqrtF32(float a) {
  float y = std::bit_cast<float>(0x5f3759dfu - (std::bit_cast<uint32_t>(a) >> 1));
  const float half = a * -0.5f;
  for (int i = 0; i < 3; ++i) {
    const float t = std::fma(half * y, y, 1.5f);
    y = y * t;
  }
  return y;
}

// A small Llama-like model: every kernel kind of a dense SwiGLU block, at sizes that do not
// divide the mesh.
workload::Workload SmallModel(workload::Phase phase) {
  workload::Workload w;
  w.model.name = "tiny";
  w.model.hidden = 72;
  w.model.layers = 4;
  w.model.heads = 4;
  w.model.kv_heads = 2;
  w.model.head_dim = 18;
  w.model.ffn = 100;
  w.model.vocab = 1000;
  w.model.max_context = 256;
  w.phase = phase;
  w.context = 20;
  w.prompt = 9;
  w.layers = 1;
  return w;
}

}  // namespace

TEST_CASE("rsqrt_f32's relative error stays within its derived bound", "[mapping][rmsnorm]") {
  std::mt19937 rng(7);
  double worst = 0;
  for (int e = -125; e <= 127; ++e) {
    for (int i = 0; i < 2000; ++i) {
      const float a = std::ldexp(1.0f + std::uniform_real_distribution<float>(0.0f, 1.0f)(rng), e);
      if (!std::isfinite(a)) continue;
      const double exact = 1.0 / std::sqrt(double(a));
      worst = std::max(worst, std::fabs(double(RsqrtF32(a)) - exact) / exact);
    }
  }
  INFO("worst relative error " << worst << ", bound " << runtime::kRsqrtF32RelativeError);
  CHECK(worst <= runtime::kRsqrtF32RelativeError);
  CHECK(worst > runtime::kRsqrtF32RelativeError / 4);  // the bound is not loose by orders
}

TEST_CASE("rmsnorm on RTL tiles is right for shapes that do not divide the region", "[mapping][rmsnorm]") {
  struct Case {
    int d, tokens, w, h;
  };
  for (const Case c : {Case{37, 5, 3, 2}, Case{20, 2, 1, 2}, Case{1, 1, 1, 1}, Case{64, 3, 4, 4}}) {
    INFO(c.tokens << " x " << c.d << " on " << c.w << "x" << c.h);
    runtime::KernelRequest req = Request("rmsnorm", c.d, c.tokens);
    req.region_width = c.w;  // the default would balance the columns; here every shape of row
    const auto m = runtime::MapRmsNorm(req, SmallFabric(c.w, c.h));
    const auto r = Run(m, SmallFabric(c.w, c.h));
    CHECK(r.status == fabric::RunStatus::Done);
    CHECK(r.correct);
    CHECK(r.received == size_t(c.d * c.tokens));
    CHECK(r.phases.size() == 4);
  }
}

TEST_CASE("rmsnorm says what does not fit, and --fit takes more columns", "[mapping][rmsnorm]") {
  runtime::KernelRequest req = Request("rmsnorm", 8000, 1);
  req.region_width = 1;
  req.region_height = 1;
  const fabric::FabricConfig config = SmallFabric(4, 1);
  CHECK_THROWS_WITH(runtime::MapRmsNorm(req, config),
                    Catch::Contains("rmsnorm 1 tokens x 8000 does not fit a 1x1 region: tile (0,0) needs") &&
                        Catch::Contains("but has 49152"));
  req.fit = true;
  const auto m = runtime::MapRmsNorm(req, config);
  CHECK(m.region_width == 2);
  CHECK(Run(m, config).correct);
}

TEST_CASE("silu_mul on RTL tiles is right, negative gates included", "[mapping][silu_mul]") {
  for (const auto& [d, tokens, w, h] : {std::tuple{13, 3, 2, 2}, std::tuple{5, 1, 3, 1}}) {
    INFO(tokens << " x " << d << " on " << w << "x" << h);
    const auto m = runtime::MapSiluMul(Request("silu_mul", d, tokens), SmallFabric(w, h));
    const auto r = Run(m, SmallFabric(w, h));
    CHECK(r.status == fabric::RunStatus::Done);
    CHECK(r.correct);
    CHECK(r.received == size_t(d * tokens));
  }
}

TEST_CASE("residual on RTL tiles is right, and --fit grows the region", "[mapping][residual]") {
  const auto r = Run(runtime::MapResidual(Request("residual", 29, 3), SmallFabric(3, 2)), SmallFabric(3, 2));
  CHECK(r.correct);
  CHECK(r.cycles < 40);  // 15 elements a tile: one tensor add (n + 3) after a few instructions
  runtime::KernelRequest big = Request("residual", 7000, 1);
  big.region_width = 1;
  big.region_height = 1;
  CHECK_THROWS_WITH(runtime::MapResidual(big, SmallFabric(2, 1)), Catch::Contains("needs 56036 bytes of SRAM"));
  big.fit = true;
  const auto m = runtime::MapResidual(big, SmallFabric(2, 1));
  CHECK(m.region_width == 2);
  CHECK(Run(m, SmallFabric(2, 1)).correct);
}

TEST_CASE("a small dense block runs every kernel correctly on fast tiles", "[mapping][block]") {
  for (const auto phase : {workload::Phase::kDecode, workload::Phase::kPrefill}) {
    runtime::BlockOptions o;
    o.workload = SmallModel(phase);
    o.fabric = SmallFabric(6, 5);
    o.tiles = fabric::TileModel::Fast;
    int started = 0;
    double estimate = 0, expected = 0;
    runtime::BlockHooks hooks;
    hooks.estimate = [&](const runtime::BlockEstimate& e) {
      estimate = e.bound_cycles;
      expected = e.expected_cycles;
    };
    hooks.start = [&](const runtime::BlockKernel&, const runtime::KernelMapping&) { ++started; };
    const runtime::BlockResult b = runtime::RunBlock(o, hooks);
    INFO(workload::PhaseName(phase));
    // norm, qkv, rope, attention, o_proj, residual, norm, gate, up, silu_mul, down, residual.
    CHECK(b.kernels.size() == 12);
    CHECK(started == 12);
    CHECK(b.correct);
    uint64_t sum = 0;
    for (const auto& k : b.kernels) {
      INFO(k.kernel.name << ": " << k.result.check);
      CHECK(k.result.correct);
      CHECK(double(k.result.cycles) >= k.bound_cycles);
      sum += k.result.cycles;
    }
    CHECK(b.cycles == sum);
    CHECK(estimate > 0);
    CHECK(estimate <= double(b.cycles));
    // The GEMVs' own estimates know their hops: the expectation sits above the bounds, and
    // (the other kernels counted at their bounds) not above the run by more than the GEMV
    // estimate's error.
    if (phase == workload::Phase::kDecode) CHECK(expected > estimate);
    CHECK(expected <= 1.1 * double(b.cycles));
    CHECK(b.kernels[1].kernel.mapper == (phase == workload::Phase::kDecode ? "gemv" : "gemm"));
    // The queries' 4 heads and the keys' 2, 18 wide: the new token at the context in decode,
    // the prompt's 9 tokens at 0..8 in prefill.
    const runtime::BlockKernel& rope = b.kernels[2].kernel;
    CHECK(rope.name == "attn.rope");
    CHECK(rope.mapper == "rope");
    CHECK(rope.skipped.empty());
    CHECK(rope.request.heads == 4);
    CHECK(rope.request.kv_heads == 2);
    CHECK(rope.request.head_dim == 18);
    CHECK(rope.request.tokens == (phase == workload::Phase::kDecode ? 1 : 9));
    CHECK(rope.request.context == (phase == workload::Phase::kDecode ? 20 : 0));
    CHECK(b.kernels[2].description.find(phase == workload::Phase::kDecode ? "positions 20..20" : "positions 0..8") !=
          std::string::npos);
  }
}

TEST_CASE("a block's rope takes every sequence's positions and the base asked for", "[mapping][block]") {
  runtime::BlockOptions o;
  o.workload = SmallModel(workload::Phase::kPrefill);
  o.workload.batch = 2;
  o.fabric = SmallFabric(6, 5);
  o.rope_base = 500000;
  for (const runtime::BlockKernel& k : runtime::PlanBlock(o)) {
    if (k.name != "attn.rope") continue;
    CHECK(k.mapper == "rope");
    CHECK(k.request.tokens == 18);
    CHECK(k.request.batch == 2);
    CHECK(k.request.context == 0);
    CHECK(k.request.rope_base == 500000);
    const runtime::KernelMapping m = runtime::MapRope(k.request, o.fabric);
    CHECK(m.description.find("base 500000") != std::string::npos);
    CHECK(m.description.find("positions 0..8 (2 sequences)") != std::string::npos);
    CHECK(Run(m, o.fabric).correct);
    return;
  }
  FAIL("no attn.rope in the plan");
}

TEST_CASE("a block names the kernel that does not fit or has no mapper", "[mapping][block]") {
  runtime::BlockOptions o;
  o.workload = SmallModel(workload::Phase::kDecode);
  o.workload.model.ffn = 20000;
  o.fabric = SmallFabric(2, 2);
  CHECK_THROWS_WITH(runtime::RunBlock(o, {}), Catch::StartsWith("layer 0 ffn.gate (gemv): gemv 20000x72 does not fit"));
  o.workload.model.ffn = 100;
  o.workload.model.ffn_activation = workload::FfnActivation::kGelu;
  CHECK_THROWS_WITH(runtime::PlanBlock(o), Catch::StartsWith("layer 0 ffn.gelu (gelu): no mapper"));
}

TEST_CASE("a block's rope takes the model's rope_theta unless a base is asked for", "[mapping][block]") {
  runtime::BlockOptions o;
  o.workload = SmallModel(workload::Phase::kDecode);
  o.workload.model.rope_theta = 500000;  // as llama3-8b's config.json
  o.fabric = SmallFabric(6, 5);
  auto rope_base = [&] {
    for (const runtime::BlockKernel& k : runtime::PlanBlock(o)) {
      if (k.name == "attn.rope") return k.request.rope_base;
    }
    return -1.0;
  };
  CHECK(rope_base() == 500000);
  o.rope_base = 20000;
  CHECK(rope_base() == 20000);
  CHECK(workload::ResolveWorkload({}, {workload::FlagSetting("model.preset", "llama3-8b")}).model.rope_theta == 500000);
  CHECK(workload::ResolveWorkload({}, {workload::FlagSetting("model.preset", "mixtral-8x22b")}).model.rope_theta ==
        1000000);
}

TEST_CASE("a block's MoE layer takes the dispatch asked for", "[mapping][block]") {
  runtime::BlockOptions o;
  o.workload = workload::ResolveWorkload({}, {workload::FlagSetting("model.preset", "mixtral-8x22b"),
                                              workload::FlagSetting("run.phase", "decode"),
                                              workload::FlagSetting("run.context", "16")});
  o.fabric = fabric::Preset("wse3");
  auto dispatch = [&] {
    for (const runtime::BlockKernel& k : runtime::PlanBlock(o)) {
      if (k.mapper == "moe") return k.request.dispatch;
    }
    return std::string("no moe kernel");
  };
  CHECK(dispatch() == "static");
  o.dispatch = "dynamic";
  CHECK(dispatch() == "dynamic");
}

TEST_CASE("a decode block with --dtype f16 keeps its KV cache in binary16 and stays correct", "[mapping][block]") {
  runtime::BlockOptions o;
  o.workload = SmallModel(workload::Phase::kDecode);
  o.fabric = SmallFabric(6, 5);
  o.tiles = fabric::TileModel::Fast;
  o.dtype = "f16";
  const runtime::BlockResult b = runtime::RunBlock(o, {});
  CHECK(b.correct);
  bool saw_attention = false;
  for (const auto& k : b.kernels) {
    INFO(k.kernel.name << ": " << k.result.check);
    CHECK(k.result.correct);
    if (k.kernel.mapper != "attention") continue;
    saw_attention = true;
    CHECK(k.kernel.request.dtype == "f16");
    CHECK(k.description.find("binary16") != std::string::npos);
  }
  CHECK(saw_attention);
}
