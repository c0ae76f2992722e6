// The GEMM mapper on RTL tiles, run as a plain loop: right answers for shapes that do not
// divide the region, several k panels, binary16, the SRAM check, --fit and bad input.
#include <catch2/catch.hpp>

#include "fabric/fabric_harness.h"
#include "runtime/gemm_mapper.h"
#include "runtime/kernel_run.h"

using namespace wafersim;
using testbench::SmallFabric;

namespace {

runtime::KernelRequest Request(int64_t m, int64_t n, int64_t k, DType dtype = DType::kFp32) {
  runtime::KernelRequest req;
  req.kernel = "gemm";
  req.m = m;
  req.n = n;
  req.k = k;
  req.dtype = dtype;
  return req;
}

// Maps with `map_config` (a smaller SRAM there forces narrower panels) and runs on the RTL
// tiles of `run_config`.
runtime::KernelResult Run(const runtime::KernelMapping& mapping, const fabric::FabricConfig& run_config) {
  fabric::TileGrid grid(run_config);
  return runtime::RunKernel(mapping, grid, runtime::Scheduler::PlainLoop);
}

runtime::KernelResult MapAndRun(const runtime::KernelRequest& req, const fabric::FabricConfig& config) {
  return Run(runtime::MapGemm(req, config), config);
}

}  // namespace

TEST_CASE("gemm on RTL tiles is right for shapes that do not divide the region", "[mapping][gemm]") {
  struct Case {
    int64_t m, n, k;
    int w, h;
  };
  for (const Case c : {Case{1, 1, 1, 1, 1}, Case{13, 11, 9, 3, 2}, Case{7, 20, 33, 4, 3}, Case{24, 5, 17, 2, 4}}) {
    INFO(c.m << "x" << c.n << "x" << c.k << " on " << c.w << "x" << c.h);
    const auto r = MapAndRun(Request(c.m, c.n, c.k), SmallFabric(c.w, c.h));
    CHECK(r.status == fabric::RunStatus::Done);
    CHECK(r.correct);
    CHECK(r.received == size_t(c.m * c.n));
  }
}

TEST_CASE("gemm splits k into panels when the panels do not fit at once", "[mapping][gemm]") {
  const fabric::FabricConfig run_config = SmallFabric(2, 2);
  fabric::FabricConfig map_config = run_config;
  map_config.sram_bytes = 2560;  // a 5x4 block in 2,560 bytes: panels of 64 elements
  // Two panels (the first stores, the last adds) and three (one more in between).
  const auto two = runtime::MapGemm(Request(10, 7, 100), map_config);
  CHECK(two.parameters["panels"] == 2);
  CHECK(Run(two, run_config).correct);
  const auto mapping = runtime::MapGemm(Request(10, 7, 150), map_config);
  CHECK(mapping.parameters["panels"] == 3);
  CHECK(mapping.parameters["panel_k"] == 64);
  const auto r = Run(mapping, run_config);
  CHECK(r.correct);
  // Binary16 panels of 16 halves and an odd last one (13).
  map_config.sram_bytes = 608;
  const auto halves = runtime::MapGemm(Request(10, 7, 45, DType::kFp16), map_config);
  CHECK(halves.parameters["panels"] == 3);
  CHECK(Run(halves, run_config).correct);
  // Every tile stamps the three phases, and the first panels arrive before the products end.
  REQUIRE(r.phases.size() == 3);
  CHECK(r.phases[0].max_cycles > 0);
  CHECK(r.phases[1].mean_cycles > r.phases[0].mean_cycles);
}

TEST_CASE("gemm on a region smaller than the mesh forwards C to the east edge", "[mapping][gemm]") {
  auto req = Request(9, 10, 12);
  req.region_width = 2;
  req.region_height = 2;
  const auto config = SmallFabric(4, 3);
  const auto mapping = runtime::MapGemm(req, config);
  REQUIRE(mapping.outputs.size() == 2);
  CHECK(mapping.outputs[0].x == 3);
  CHECK(MapAndRun(req, config).correct);
}

TEST_CASE("gemm with binary16 storage is right and faster than binary32", "[mapping][gemm]") {
  const auto config = SmallFabric(2, 2);
  const auto odd = MapAndRun(Request(9, 6, 37, DType::kFp16), config);  // an odd k: the last half of a word is padding
  CHECK(odd.correct);
  const auto f32 = MapAndRun(Request(16, 16, 128), config), f16 = MapAndRun(Request(16, 16, 128, DType::kFp16), config);
  CHECK(f32.correct);
  CHECK(f16.correct);
  // Four lanes in the dot products and two halves a wavelet: well under two thirds of the cycles.
  CHECK(f16.cycles * 3 < f32.cycles * 2);
}

TEST_CASE("gemm on 2x2 tiles reaches 75% of the multiply-add bound at 64x64x128", "[mapping][gemm]") {
  const auto config = SmallFabric(2, 2);
  const auto mapping = runtime::MapGemm(Request(64, 64, 128), config);
  const auto r = Run(mapping, config);
  CHECK(r.correct);
  const double efficiency = mapping.compute_bound_cycles / double(r.cycles);
  INFO("cycles " << r.cycles << ", bound " << mapping.compute_bound_cycles);
  CHECK(efficiency > 0.75);
  CHECK(efficiency < 1.0);
}

TEST_CASE("gemm runs follow the seed", "[mapping][gemm]") {
  auto req = Request(6, 6, 6);
  const auto config = SmallFabric(2, 2);
  const auto a = runtime::MapGemm(req, config);
  req.seed = 2;
  const auto b = runtime::MapGemm(req, config);
  CHECK(a.reference != b.reference);
  CHECK(MapAndRun(req, config).correct);
}

TEST_CASE("gemm that does not fit says what it needs; --fit takes a larger region", "[mapping][gemm]") {
  auto req = Request(220, 220, 16);  // a 110x110 block of C alone is 48,400 bytes: no room for panels
  req.region_width = req.region_height = 2;
  CHECK_THROWS_WITH(runtime::MapGemm(req, SmallFabric(4, 4)),
                    Catch::Matches("gemm 220x220x16 does not fit a 2x2 region: tile \\(0,0\\) needs [0-9]+ bytes of "
                                   "SRAM \\(C block 110x110 binary32: 48400 bytes;.* but has 49152; use a larger "
                                   "--mesh or --region, or --fit"));
  req.fit = true;
  const auto fitted = runtime::MapGemm(req, SmallFabric(4, 4));
  CHECK(fitted.region_width * fitted.region_height > 4);
  CHECK(fitted.sram_bytes_per_tile <= 49152);
  req.m = req.n = 2000;  // too large even for the whole 4x4 mesh
  CHECK_THROWS_WITH(runtime::MapGemm(req, SmallFabric(4, 4)), Catch::Contains("does not fit a 4x4 region"));
}

TEST_CASE("gemm names the flag that is wrong", "[mapping][gemm]") {
  const auto config = SmallFabric(2, 2);
  CHECK_THROWS_WITH(runtime::MapGemm(Request(0, 4, 4), config), "--m: 0 must be at least 1");
  CHECK_THROWS_WITH(runtime::MapGemm(Request(4, -1, 4), config), "--n: -1 must be at least 1");
  CHECK_THROWS_WITH(runtime::MapGemm(Request(4, 4, 0), config), "--k: 0 must be at least 1");
  CHECK_THROWS_WITH(runtime::MapGemm(Request(4, 4, 4, DType::kBf16), config),
                    "--dtype bf16: must be one of fp32, fp16");
  auto req = Request(4, 4, 4);
  req.region_width = 3;
  CHECK_THROWS_WITH(runtime::MapGemm(req, config), "--region: 3x2 does not fit the 2x2 mesh");
}
