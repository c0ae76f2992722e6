// Presets carry the vendors' figures; registries name what they know when asked for something
// else; bad shapes are refused with the flag named.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "gpu/gemm_model.h"
#include "gpu/moe_routing.h"
#include "gpu_test_util.h"

using namespace wafersim::gpu;
using wafersim::gpu::test::Gemm;
using wafersim::gpu::test::Run;

TEST_CASE("presets carry the datasheet peaks", "[gpu][presets]") {
  const auto& reg = PresetRegistry::Get();
  const GpuSpec h100 = reg.Create("h100-sxm");
  CHECK(h100.PeakMatrixFlops(DType::kBf16) / 1e12 == Approx(989.4).epsilon(0.001));
  CHECK(h100.PeakMatrixFlops(DType::kFp8) / 1e12 == Approx(1978.9).epsilon(0.001));
  CHECK(h100.PeakMatrixFlops(DType::kTf32) / 1e12 == Approx(494.7).epsilon(0.001));
  CHECK(h100.hbm_peak_bytes_per_s == 3.35e12);
  CHECK(h100.sms == 132);
  CHECK(h100.gpus == 1);
  CHECK(reg.Create("h200").hbm_peak_bytes_per_s == 4.8e12);
  CHECK(reg.Create("h200").PeakMatrixFlops(DType::kBf16) == h100.PeakMatrixFlops(DType::kBf16));
  CHECK(reg.Create("a100-80g").PeakMatrixFlops(DType::kBf16) / 1e12 == Approx(311.9).epsilon(0.002));
  CHECK(reg.Create("a100-80g").PeakMatrixFlops(DType::kFp8) == 0);
  CHECK(reg.Create("mi300x").PeakMatrixFlops(DType::kBf16) / 1e12 == Approx(1307.4).epsilon(0.001));
  CHECK(reg.Create("mi300x").PeakMatrixFlops(DType::kFp8) / 1e12 == Approx(2614.9).epsilon(0.001));
  CHECK(reg.Create("tpu-v5e").PeakMatrixFlops(DType::kBf16) / 1e12 == Approx(196.6).epsilon(0.002));
  CHECK(reg.Create("tpu-v5e").arch == Arch::kSystolic);
  for (const char* node : {"h100-sxm-x8", "h200-x8", "a100-80g-x8", "mi300x-x8", "tpu-v5e-x8"}) {
    INFO(node);
    CHECK(reg.Create(node).gpus == 8);
  }
  for (const auto& name : reg.Names()) CHECK_NOTHROW(ValidateGpuSpec(reg.Create(name)));
  CHECK_THROWS_WITH(reg.Create("h900"), Catch::Contains("--preset h900: unknown GPU preset (known: h100-sxm, h200"));
}

TEST_CASE("kernels are registered and unknown ones named", "[gpu][registry]") {
  const auto names = KernelRegistry::Get().Names();
  for (const char* k : {"gemm", "gemv", "attention", "moe", "copy", "elementwise", "rmsnorm", "allreduce",
                        "alltoall"}) {
    CHECK(std::find(names.begin(), names.end(), k) != names.end());
  }
  CHECK_THROWS_WITH(KernelRegistry::Get().Find("conv"), Catch::Contains("--kernel conv: unknown kernel (known: gemm"));
}

TEST_CASE("bad shapes are refused naming the flag", "[gpu][errors]") {
  CHECK_THROWS_WITH(Run("a100-80g", "gemm", Gemm(64, 64, 64, DType::kFp8)),
                    Catch::Contains("--dtype fp8: a100-80g has no fp8 matrix units"));
  CHECK_THROWS_WITH(Run("tpu-v5e", "gemm", Gemm(64, 64, 64, DType::kFp8)), Catch::Contains("--dtype fp8"));
  CHECK_THROWS_WITH(Run("h100-sxm", "gemm", Gemm(0, 64, 64)), Catch::Contains("--kernel gemm needs --m"));
  CHECK_THROWS_WITH(Run("h100-sxm", "gemm", Gemm(-3, 64, 64)), Catch::Contains("--m -3: must be a positive integer"));
  KernelParams a;
  a.heads = 32;
  a.kv_heads = 5;
  a.seq = 128;
  CHECK_THROWS_WITH(Run("h100-sxm", "attention", a), Catch::Contains("--kv-heads 5: must divide --heads 32"));
  a.kv_heads = 8;
  a.gpus = 3;
  CHECK_THROWS_WITH(Run("h100-sxm", "attention", a), Catch::Contains("--heads 32: must split evenly over --gpus 3"));
  KernelParams ar;
  ar.bytes = 1024;
  CHECK_THROWS_WITH(Run("h100-sxm", "allreduce", ar), Catch::Contains("--gpus 1: allreduce needs 2..8 GPUs"));
  ar.gpus = 9;
  CHECK_THROWS_WITH(Run("h100-sxm", "allreduce", ar), Catch::Contains("--gpus 9: h100-sxm nodes hold 1..8 GPUs"));
  KernelParams forced = Gemm(4096, 4096, 4096);
  forced.gemm.force = GemmTile{256, 256, 64};
  CHECK_THROWS_WITH(Run("h100-sxm", "gemm", forced), Catch::Contains("--tile 256x256x64: does not fit h100-sxm"));
  CHECK_THROWS_WITH(ParseTile("128by256"), Catch::Contains("--tile 128by256: expected"));
  CHECK(ParseTile("128x256x64").bk == 64);
  CHECK(ParseTile("64x128").bk == 0);
  CHECK_THROWS_WITH(ParseExpertTokens("3,,4"), Catch::Contains("--expert-tokens 3,,4"));
  CHECK(ParseExpertTokens("3,0,4") == std::vector<int64_t>{3, 0, 4});
  KernelParams moe;
  moe.expert_tokens = {10, 10, 10};
  moe.tokens = 20;
  moe.top_k = 2;
  moe.d_model = 64;
  moe.d_ff = 64;
  CHECK_THROWS_WITH(Run("h100-sxm", "moe", moe), Catch::Contains("counts sum to 30, but --tokens 20 x --top-k 2"));
  Routing r;
  r.kind = "pareto";
  CHECK_THROWS_WITH(RouteTokens(10, 4, 2, r), Catch::Contains("--routing pareto: unknown"));
  CHECK_THROWS_WITH(RouteTokens(10, 4, 5, Routing{}), Catch::Contains("--top-k 5: must be 1..4"));
}
