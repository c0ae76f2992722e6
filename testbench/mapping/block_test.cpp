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
#include "runtime/mapper_registry.h"
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

TEST_CASE("a block with --dtype f16 keeps attention's q, K and V in binary16 and stays correct", "[mapping][block]") {
  for (const auto phase : {workload::Phase::kDecode, workload::Phase::kPrefill}) {
    INFO(workload::PhaseName(phase));
    runtime::BlockOptions o;
    o.workload = SmallModel(phase);
    o.fabric = SmallFabric(6, 5);
    o.tiles = fabric::TileModel::Fast;
    o.dtype = DType::kFp16;
    const runtime::BlockResult b = runtime::RunBlock(o, {});
    CHECK(b.correct);
    bool saw_attention = false;
    for (const auto& k : b.kernels) {
      INFO(k.kernel.name << ": " << k.result.check);
      CHECK(k.result.correct);
      if (k.kernel.mapper != "attention") continue;
      saw_attention = true;
      CHECK(k.kernel.request.dtype == DType::kFp16);
      CHECK(k.description.find("binary16") != std::string::npos);
    }
    CHECK(saw_attention);
  }
}

namespace {

const runtime::BlockKernelResult& Find(const runtime::BlockResult& b, int layer, const std::string& name) {
  for (const auto& k : b.kernels) {
    if (k.kernel.layer == layer && k.kernel.name == name) return k;
  }
  std::string kernels;
  for (const auto& k : b.kernels) kernels += " " + std::to_string(k.kernel.layer) + ":" + k.kernel.name;
  FAIL("no kernel " << name << " in layer " << layer << " (the block's:" << kernels << ")");
  throw std::logic_error("unreachable");
}

std::vector<float> Output(const runtime::BlockKernelResult& k) {
  return {k.result.output.begin(), k.result.output.end()};
}

// Columns [c0, c0 + n) of each of `tokens` rows of v.
std::vector<float> Columns(const std::vector<float>& v, int64_t tokens, int64_t c0, int64_t n) {
  const int64_t width = static_cast<int64_t>(v.size()) / tokens;
  std::vector<float> out;
  for (int64_t t = 0; t < tokens; ++t) out.insert(out.end(), &v[t * width + c0], &v[t * width + c0 + n]);
  return out;
}

}  // namespace

TEST_CASE("a decode block chains its kernels: each input is an earlier output as the fabric computed it",
          "[mapping][block]") {
  runtime::BlockOptions o;
  o.workload = SmallModel(workload::Phase::kDecode);
  o.workload.layers = 2;
  o.workload.batch = 2;  // two sequences: the products are GEMMs of two token rows
  o.fabric = SmallFabric(6, 5);
  o.tiles = fabric::TileModel::Fast;
  const runtime::BlockResult b = runtime::RunBlock(o, {});
  REQUIRE(b.correct);
  REQUIRE(b.kernels.size() == 24);
  const int64_t T = 2, q = 4 * 18, kv = 2 * 18;
  auto input = [&](int layer, const std::string& kernel, const std::string& name) {
    const auto& in = Find(b, layer, kernel).kernel.request.inputs;
    const auto it = in.find(name);
    REQUIRE(it != in.end());
    return it->second;
  };
  CHECK(b.input.size() == size_t(T * 72));
  CHECK(input(0, "attn.norm", "x") == b.input);
  CHECK(input(0, "attn.qkv_proj", "a") == Output(Find(b, 0, "attn.norm")));
  const auto qkv = Output(Find(b, 0, "attn.qkv_proj")), rope = Output(Find(b, 0, "attn.rope"));
  CHECK(input(0, "attn.rope", "x") == Columns(qkv, T, 0, q + kv));
  CHECK(input(0, "attn.attention", "q") == Columns(rope, T, 0, q));
  CHECK(input(0, "attn.attention", "k_new") == Columns(rope, T, q, kv));
  CHECK(input(0, "attn.attention", "v_new") == Columns(qkv, T, q + kv, kv));
  CHECK(input(0, "attn.o_proj", "a") == Output(Find(b, 0, "attn.attention")));
  CHECK(input(0, "attn.residual", "x") == b.input);
  CHECK(input(0, "ffn.silu_mul", "g") == Output(Find(b, 0, "ffn.gate")));
  CHECK(input(0, "ffn.silu_mul", "u") == Output(Find(b, 0, "ffn.up")));
  // The residual add is one binary32 rounding of the exact sum: the fabric's output is the
  // host's float sum of the two outputs before it, bit for bit.
  const auto h = Output(Find(b, 0, "attn.residual")), down = Output(Find(b, 0, "ffn.down"));
  const auto y = Output(Find(b, 0, "ffn.residual"));
  REQUIRE(y.size() == h.size());
  for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == h[i] + down[i]);
  // The second layer starts from the first's output, and the block ends with the second's.
  CHECK(input(1, "attn.norm", "x") == y);
  CHECK(input(1, "attn.residual", "x") == y);
  CHECK(b.output == Output(Find(b, 1, "ffn.residual")));
  // Weights scaled by 1/sqrt(fan-in) keep the activations near unit size through the layers.
  double ss = 0;
  for (const float v : b.output) ss += double(v) * v;
  CHECK(std::sqrt(ss / double(b.output.size())) < 10.0);
}

TEST_CASE("mappers compute from the activations a request gives, and refuse ones they do not take",
          "[mapping][block]") {
  const fabric::FabricConfig f = SmallFabric(3, 3);
  runtime::KernelRequest r = Request("residual", 5, 2);
  r.inputs["x"] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  r.inputs["r"] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -10};
  const runtime::KernelMapping res = runtime::MapResidual(r, f);
  CHECK(res.reference[0] == 1.5);
  CHECK(res.reference[9] == 0.0);
  CHECK(Run(res, f).correct);
  // Zero activations make a zero product, whatever the seeded weights.
  runtime::KernelRequest g;
  g.kernel = "gemv";
  g.m = 7;
  g.n = 9;
  g.inputs["x"] = std::vector<float>(9, 0.0f);
  const runtime::KernelMapping gemv = runtime::FindMapper("gemv").map(g, f);
  for (const double v : gemv.reference) CHECK(v == 0.0);
  // Attention over a context of 0 sees only the new token: each head's output is its V.
  runtime::KernelRequest a;
  a.kernel = "attention";
  a.heads = 4;
  a.kv_heads = 2;
  a.head_dim = 3;
  a.context = 0;
  a.inputs["v_new"] = {1, 2, 3, -4, -5, -6};
  const runtime::KernelMapping att = runtime::FindMapper("attention").map(a, f);
  REQUIRE(att.reference.size() == 12);
  CHECK(att.reference[0] == Approx(1.0));
  CHECK(att.reference[5] == Approx(3.0));
  CHECK(att.reference[6] == Approx(-4.0));
  CHECK(att.reference[11] == Approx(-6.0));
  CHECK(Run(att, f).correct);
  // A prompt of one token sees only itself: prefill's output is V too.
  a.phase = "prefill";
  a.prompt = 1;
  a.inputs.clear();
  a.inputs["v"] = {1, 2, 3, -4, -5, -6};
  const runtime::KernelMapping pre = runtime::FindMapper("attention").map(a, f);
  REQUIRE(pre.reference.size() == 12);
  CHECK(pre.reference[5] == Approx(3.0));
  CHECK(pre.reference[11] == Approx(-6.0));
  CHECK(Run(pre, f).correct);
  a.inputs["k_new"] = {1};
  CHECK_THROWS_WITH(runtime::FindMapper("attention").map(a, f),
                    Catch::Contains("attention takes no input 'k_new' (its inputs: q, k, v)"));
  // A wrong size or an input the kernel does not take is an error naming it.
  g.inputs["x"] = std::vector<float>(8, 0.0f);
  CHECK_THROWS_WITH(runtime::FindMapper("gemv").map(g, f),
                    Catch::Contains("gemv input 'x': 8 values given, the kernel takes 9"));
  g.inputs.clear();
  g.inputs["q"] = {1};
  CHECK_THROWS_WITH(runtime::FindMapper("gemv").map(g, f), Catch::Contains("gemv takes no input 'q' (its inputs: x, W)"));
}

TEST_CASE("a MoE block chains the routed experts between the FFN norm and the residual, in binary16 too",
          "[mapping][block]") {
  for (DType dtype : {DType::kFp32, DType::kFp16}) {
    runtime::BlockOptions o;
    o.workload = SmallModel(workload::Phase::kDecode);
    o.workload.model.family = workload::Family::kMoe;
    o.workload.model.experts = 3;
    o.workload.model.top_k = 2;
    o.workload.model.expert_ffn = 8;
    o.workload.model.hidden = 16;
    o.workload.model.heads = 2;
    o.workload.model.kv_heads = 1;
    o.workload.model.head_dim = 8;
    o.workload.batch = 2;
    o.fabric = SmallFabric(6, 5);
    o.tiles = fabric::TileModel::Fast;
    o.dtype = dtype;
    const runtime::BlockResult b = runtime::RunBlock(o, {});
    INFO(DTypeName(dtype));
    REQUIRE(b.correct);
    const auto& moe = Find(b, 0, "moe.router");
    CHECK(moe.kernel.mapper == "moe");
    CHECK(moe.kernel.request.dtype == dtype);
    CHECK(moe.kernel.request.inputs.at("x") == Output(Find(b, 0, "ffn.norm")));
    CHECK(Find(b, 0, "ffn.residual").kernel.request.inputs.at("r") == Output(moe));
    CHECK(b.output == Output(Find(b, 0, "ffn.residual")));
  }
}

TEST_CASE("a prefill block hands attention its queries, keys and values head-major and takes its output back by token",
          "[mapping][block]") {
  runtime::BlockOptions o;
  o.workload = SmallModel(workload::Phase::kPrefill);
  o.workload.batch = 2;
  o.workload.prompt = 3;
  o.fabric = SmallFabric(6, 5);
  o.tiles = fabric::TileModel::Fast;
  const runtime::BlockResult b = runtime::RunBlock(o, {});
  REQUIRE(b.correct);
  const int64_t S = 2, P = 3, H = 4, KV = 2, d = 18;
  const auto rope = Output(Find(b, 0, "attn.rope")), qkv = Output(Find(b, 0, "attn.qkv_proj"));
  const auto& att = Find(b, 0, "attn.attention");
  // [sequence][position][head][i] in the block, [sequence][head][position][i] for the mapper.
  auto at_token = [&](const std::vector<float>& rows, int64_t width, int64_t c0, int64_t s, int64_t p, int64_t h,
                      int64_t i) { return rows[static_cast<size_t>((s * P + p) * width + c0 + h * d + i)]; };
  auto head_major = [&](const std::vector<float>& v, int64_t heads, int64_t s, int64_t h, int64_t p, int64_t i) {
    return v[static_cast<size_t>(((s * heads + h) * P + p) * d + i)];
  };
  const auto& q = att.kernel.request.inputs.at("q");
  const auto& k = att.kernel.request.inputs.at("k");
  const auto& v = att.kernel.request.inputs.at("v");
  const auto y = Output(att), o_in = Find(b, 0, "attn.o_proj").kernel.request.inputs.at("a");
  REQUIRE(q.size() == size_t(S * P * H * d));
  REQUIRE(k.size() == size_t(S * P * KV * d));
  REQUIRE(o_in.size() == y.size());
  for (int64_t s = 0; s < S; ++s) {
    for (int64_t p = 0; p < P; ++p) {
      for (int64_t i = 0; i < d; ++i) {
        for (int64_t h = 0; h < H; ++h) {
          CHECK(head_major(q, H, s, h, p, i) == at_token(rope, (H + KV) * d, 0, s, p, h, i));
          CHECK(o_in[static_cast<size_t>((s * P + p) * H * d + h * d + i)] == head_major(y, H, s, h, p, i));
        }
        for (int64_t h = 0; h < KV; ++h) {
          CHECK(head_major(k, KV, s, h, p, i) == at_token(rope, (H + KV) * d, H * d, s, p, h, i));
          CHECK(head_major(v, KV, s, h, p, i) == at_token(qkv, (H + 2 * KV) * d, (H + KV) * d, s, p, h, i));
        }
      }
    }
  }
}
