// Properties the GPU model must have whatever its calibration: bigger problems never run faster,
// the bound moves where it should, waves quantize, uneven MoE routing costs time, the ring
// all-reduce scales as 2(n-1)/n, and the same input always gives the same cycles.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "gpu/gemm_model.h"
#include "gpu/moe_routing.h"
#include "gpu_test_util.h"

using namespace wafersim::gpu;
using wafersim::gpu::test::Fa3Prefill;
using wafersim::gpu::test::Gemm;
using wafersim::gpu::test::Run;

namespace {

const char* kPresets[] = {"h100-sxm", "h200", "a100-80g", "mi300x", "tpu-v5e"};

double PerFlop(const KernelResult& r) { return r.time_s / r.flops; }

KernelParams Decode(int64_t batch, int64_t context) {
  KernelParams p;
  p.phase = "decode";
  p.batch = batch;
  p.context = context;
  p.heads = 64;
  p.kv_heads = 8;
  p.head_dim = 128;
  return p;
}

KernelParams Moe(int64_t tokens, const std::string& routing, int gpus = 0) {
  KernelParams p;
  p.tokens = tokens;
  p.experts = 8;
  p.top_k = 2;
  p.d_model = 4096;
  p.d_ff = 14336;
  p.routing.kind = routing;
  p.routing.skew = 1.2;
  p.gpus = gpus;
  return p;
}

}  // namespace

TEST_CASE("a bigger problem is never faster", "[gpu][monotonic]") {
  for (const char* preset : kPresets) {
    INFO(preset);
    double last = 0;
    for (int64_t m = 1; m <= 6000; m += (m < 64 ? 7 : 97)) {
      const double t = Run(preset, "gemm", Gemm(m, 4096, 4096)).time_s;
      INFO("gemm m " << m);
      CHECK(t >= last);
      last = t;
    }
    last = 0;
    for (int64_t k = 64; k <= 16384; k += 320) {
      const double t = Run(preset, "gemm", Gemm(2048, 2048, k)).time_s;
      INFO("gemm k " << k);
      CHECK(t >= last);
      last = t;
    }
    last = 0;
    for (int64_t n = 256; n <= 32768; n += 1024) {
      KernelParams p = Gemm(1, n, 8192);
      const double t = Run(preset, "gemv", p).time_s;
      INFO("gemv n " << n);
      CHECK(t >= last);
      last = t;
    }
    last = 0;
    for (int64_t seq = 128; seq <= 16384; seq *= 2) {
      KernelParams p = Fa3Prefill(seq, 128, true, DType::kBf16);
      p.batch = 2;
      const double t = Run(preset, "attention", p).time_s;
      INFO("prefill seq " << seq);
      CHECK(t >= last);
      last = t;
    }
    last = 0;
    for (int64_t ctx = 16; ctx <= 131072; ctx *= 2) {
      const double t = Run(preset, "attention", Decode(4, ctx)).time_s;
      INFO("decode context " << ctx);
      CHECK(t >= last);
      last = t;
    }
    last = 0;
    for (int64_t bytes = 1; bytes <= (int64_t{1} << 33); bytes *= 8) {
      KernelParams p;
      p.bytes = bytes;
      const double t = Run(preset, "copy", p).time_s;
      INFO("copy bytes " << bytes);
      CHECK(t >= last);
      last = t;
    }
    last = 0;
    for (int64_t tokens = 1; tokens <= 16384; tokens *= 4) {
      const double t = Run(preset, "moe", Moe(tokens, "balanced")).time_s;
      INFO("moe tokens " << tokens);
      CHECK(t >= last);
      last = t;
    }
  }
}

TEST_CASE("decode is memory-bound, big products and long prefill compute-bound", "[gpu][bound]") {
  for (const char* preset : kPresets) {
    INFO(preset);
    CHECK(Run(preset, "gemv", Gemm(1, 8192, 8192)).bound == "memory");
    CHECK(Run(preset, "gemm", Gemm(1, 8192, 8192)).bound == "memory");
    CHECK(Run(preset, "gemm", Gemm(8192, 8192, 8192)).bound == "compute");
    CHECK(Run(preset, "attention", Decode(1, 4096)).bound == "memory");
    CHECK(Run(preset, "attention", Decode(64, 8192)).bound == "memory");
    CHECK(Run(preset, "attention", Fa3Prefill(8192, 128, true, DType::kBf16)).bound == "compute");
    KernelParams copy;
    copy.bytes = int64_t{1} << 30;
    CHECK(Run(preset, "copy", copy).bound == "memory");
    KernelParams ar = copy;
    ar.gpus = 8;
    CHECK(Run(preset, "allreduce", ar).bound == "communication");
    CHECK(Run(preset, "moe", Moe(16384, "uniform")).bound == "compute");
    CHECK(Run(preset, "moe", Moe(4, "uniform")).bound == "memory");  // a few tokens: expert weights
  }
  // Arithmetic intensity: the same GEMV at batch 1 and 1024 crosses from memory to compute.
  CHECK(Run("h100-sxm", "gemm", Gemm(1024, 8192, 8192)).bound == "compute");
}

TEST_CASE("wave quantization: one tile more than the SMs costs a whole wave", "[gpu][waves]") {
  // 128x256 tiles on H100's 132 SMs: 12 x 11 tiles fill one wave exactly, 7 x 19 = 133 need two.
  KernelParams full = Gemm(12 * 128, 11 * 256, 8192);
  KernelParams over = Gemm(7 * 128, 19 * 256, 8192);
  full.gemm.force = over.gemm.force = GemmTile{128, 256, 64};
  const KernelResult a = Run("h100-sxm", "gemm", full);
  const KernelResult b = Run("h100-sxm", "gemm", over);
  REQUIRE(a.extra["gemm"]["tiles"] == 132);
  REQUIRE(b.extra["gemm"]["tiles"] == 133);
  INFO("per-flop time ratio " << PerFlop(b) / PerFlop(a));
  CHECK(PerFlop(b) > 1.8 * PerFlop(a));
  // Left to choose its own tile the model still pays for the partial wave, if less.
  full.gemm.force = over.gemm.force = GemmTile{};
  INFO("chosen tiles: per-flop ratio " << PerFlop(Run("h100-sxm", "gemm", over)) /
                                            PerFlop(Run("h100-sxm", "gemm", full)));
  CHECK(PerFlop(Run("h100-sxm", "gemm", over)) > 1.15 * PerFlop(Run("h100-sxm", "gemm", full)));
}

TEST_CASE("TPU: dimensions pad to the 128-wide MXU", "[gpu][tpu]") {
  // 129 costs as much as 256 in K and N.
  const KernelResult even = Run("tpu-v5e", "gemm", Gemm(4096, 4096, 4096));
  const KernelResult odd = Run("tpu-v5e", "gemm", Gemm(4096, 4096 + 1, 4096 + 1));
  CHECK(odd.time_s > 1.005 * even.time_s);
  CHECK(odd.extra["gemm"]["padded_flops"].get<double>() > 1.005 * even.extra["gemm"]["padded_flops"].get<double>());
  // Head dimension 64 fills half of the MXU: at most ~half the matrix rate of head dimension 128.
  const double d64 = Run("tpu-v5e", "attention", Fa3Prefill(8192, 64, false, DType::kBf16)).Tflops();
  const double d128 = Run("tpu-v5e", "attention", Fa3Prefill(8192, 128, false, DType::kBf16)).Tflops();
  CHECK(d64 < 0.6 * d128);
  // One core: no wave quantization between 132 and 133 tiles' worth of work.
  const double a = PerFlop(Run("tpu-v5e", "gemm", Gemm(12 * 128, 11 * 256, 8192)));
  const double b = PerFlop(Run("tpu-v5e", "gemm", Gemm(7 * 128, 19 * 256, 8192)));
  CHECK(b == Approx(a).epsilon(0.05));
}

TEST_CASE("uneven MoE routing slows the grouped GEMM", "[gpu][moe]") {
  SECTION("one GPU: each expert's tokens pad to whole tiles") {
    KernelParams even = Moe(0, "balanced");
    even.expert_tokens = std::vector<int64_t>(8, 1024);
    KernelParams uneven = even;
    uneven.expert_tokens = {1025, 1025, 1025, 1025, 1025, 1025, 1025, 1017};  // same total
    even.tokens = uneven.tokens = 4096;
    const KernelResult a = Run("h100-sxm", "moe", even);
    const KernelResult b = Run("h100-sxm", "moe", uneven);
    INFO("even " << a.time_s << " s, uneven " << b.time_s << " s");
    CHECK(b.time_s > 1.05 * a.time_s);
  }
  SECTION("one GPU: skewed routing is slower than balanced") {
    const KernelResult a = Run("h100-sxm", "moe", Moe(16384, "balanced"));
    const KernelResult b = Run("h100-sxm", "moe", Moe(16384, "zipf"));
    CHECK(b.extra["imbalance_max_over_mean"].get<double>() > 2);
    CHECK(b.time_s > a.time_s);
  }
  SECTION("expert parallel: the busiest GPU sets the pace") {
    const KernelResult a = Run("h100-sxm", "moe", Moe(16384, "balanced", 8));
    const KernelResult b = Run("h100-sxm", "moe", Moe(16384, "zipf", 8));
    INFO("balanced " << a.time_s << " s, zipf " << b.time_s << " s");
    CHECK(b.time_s > 1.8 * a.time_s);
  }
}

TEST_CASE("ring all-reduce time scales as 2(n-1)/n", "[gpu][collective]") {
  KernelParams p;
  p.bytes = int64_t{4} << 30;
  const auto spec = PresetRegistry::Get().Create("h100-sxm");
  auto transfer = [&](int n) {
    p.gpus = n;
    const KernelResult r = Run("h100-sxm", "allreduce", p);
    // Take away the launch and the per-step latencies: what is left is bytes over bandwidth.
    return r.cycles - spec.Cycles(spec.launch_s) - 2 * (n - 1) * spec.Cycles(spec.link_latency_s);
  };
  const double two = transfer(2);
  for (int n = 3; n <= 8; ++n) {
    INFO("n = " << n);
    CHECK(transfer(n) / two == Approx(2.0 * (n - 1) / n).epsilon(1e-6));
  }
  // The same holds end to end for large messages.
  p.gpus = 2;
  const double t2 = Run("h100-sxm", "allreduce", p).time_s;
  p.gpus = 8;
  CHECK(Run("h100-sxm", "allreduce", p).time_s / t2 == Approx(1.75).epsilon(0.01));
}

TEST_CASE("the model is deterministic", "[gpu][determinism]") {
  std::vector<std::pair<std::string, KernelParams>> runs = {
      {"gemm", Gemm(3000, 5000, 7000)},
      {"gemv", Gemm(4, 8192, 8192)},
      {"attention", Fa3Prefill(4096, 128, true, DType::kBf16)},
      {"attention", Decode(8, 10000)},
      {"moe", Moe(5000, "zipf", 8)},
  };
  for (const auto& [kernel, p] : runs) {
    for (const char* preset : kPresets) {
      const std::string a = ResultJson(Run(preset, kernel, p)).dump();
      const std::string b = ResultJson(Run(preset, kernel, p)).dump();
      CHECK(a == b);
    }
  }
  // Routing draws depend on the seed only.
  Routing r;
  r.kind = "zipf";
  r.seed = 7;
  const auto a = RouteTokens(1000, 64, 8, r);
  CHECK(a == RouteTokens(1000, 64, 8, r));
  int64_t sum = 0;
  for (int64_t c : a) sum += c;
  CHECK(sum == 8000);
  r.seed = 8;
  CHECK(a != RouteTokens(1000, 64, 8, r));
  CHECK(a[0] > a[63]);  // zipf: the first experts are the hot ones
}

TEST_CASE("GQA decode reads each kv head once for its group of query heads", "[gpu][attention]") {
  KernelParams mha = Decode(16, 8192);
  mha.kv_heads = 64;
  KernelParams gqa = Decode(16, 8192);  // 8 kv heads
  const KernelResult a = Run("h100-sxm", "attention", mha);
  const KernelResult b = Run("h100-sxm", "attention", gqa);
  CHECK(b.hbm_bytes < a.hbm_bytes / 7);
  CHECK(b.time_s < a.time_s / 4);
}
