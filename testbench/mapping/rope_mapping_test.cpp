// RoPE on RTL tiles (plain loop): right for shapes that do not divide the region, each pair
// turned by its own angle (checked apart from the mapper's formula), a run with cos and sin
// swapped or sin negated caught by the check, and what does not fit.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "fabric/fabric_harness.h"
#include "isa/fp.h"
#include "runtime/kernel_run.h"
#include "runtime/mapping_util.h"
#include "runtime/rope_mapper.h"

using namespace wafersim;
using testbench::SmallFabric;

namespace {

runtime::KernelRequest Request(int tokens, int heads, int kv_heads, int head_dim, int context, int batch = 1) {
  runtime::KernelRequest req;
  req.kernel = "rope";
  req.tokens = tokens;
  req.heads = heads;
  req.kv_heads = kv_heads;
  req.head_dim = head_dim;
  req.context = context;
  req.batch = batch;
  return req;
}

runtime::KernelResult Run(const runtime::KernelMapping& m, const fabric::FabricConfig& config) {
  fabric::TileGrid grid(config);
  return runtime::RunKernel(m, grid, runtime::Scheduler::PlainLoop);
}

std::vector<float> Floats(const std::vector<uint8_t>& bytes) {
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

// x as the mapping loads it: each tile's first data segment is its piece, where y comes back.
std::vector<float> Inputs(const runtime::KernelMapping& m) {
  std::vector<float> x(m.output_size);
  for (size_t i = 0; i < m.tiles.size(); ++i) {
    const isa::DataSegment& seg = m.tiles[i].program.data.at(0);
    REQUIRE(seg.addr == m.sram_outputs[i].addr);
    const std::vector<float> piece = Floats(seg.bytes);
    std::copy(piece.begin(), piece.end(), x.begin() + m.sram_outputs[i].offset);
  }
  return x;
}

// Rewrites every word of each tile's cos/sin table (the second data segment).
void EditTables(runtime::KernelMapping& m, const std::function<void(std::vector<float>&)>& edit) {
  for (auto& tp : m.tiles) {
    isa::DataSegment& seg = tp.program.data.at(1);
    std::vector<float> table = Floats(seg.bytes);
    edit(table);
    std::memcpy(seg.bytes.data(), table.data(), seg.bytes.size());
  }
}

}  // namespace

TEST_CASE("rope on RTL tiles is right for shapes that do not divide the region", "[mapping][rope]") {
  struct Case {
    int tokens, heads, kv_heads, head_dim, context, batch, w, h;
  };
  for (const Case c : {Case{3, 3, 1, 6, 5, 1, 3, 2}, Case{4, 2, 0, 10, 0, 2, 2, 3}, Case{1, 1, 1, 2, 7, 1, 1, 1},
                       Case{2, 5, 3, 14, 1000, 2, 4, 4}}) {
    INFO(c.tokens << " tokens x (" << c.heads << " + " << c.kv_heads << ") heads x " << c.head_dim << " on " << c.w
                  << "x" << c.h);
    const auto m = runtime::MapRope(Request(c.tokens, c.heads, c.kv_heads, c.head_dim, c.context, c.batch),
                                    SmallFabric(c.w, c.h));
    const auto r = Run(m, SmallFabric(c.w, c.h));
    CHECK(r.status == fabric::RunStatus::Done);
    CHECK(r.correct);
    CHECK(r.received == m.output_size);
    REQUIRE(r.phases.size() == 1);
    // Six passes of n + 3 cycles and 16 instructions around them: no pass waits for a bank.
    const int64_t pairs = int64_t(m.compute_bound_cycles) / 6;
    CHECK(r.phases[0].max_cycles <= double(6 * (pairs + 3) + 16));
  }
}

TEST_CASE("rope turns each pair (x[2i], x[2i+1]) by position times base^(-2i/d)", "[mapping][rope]") {
  CHECK(runtime::RopeAngle(5, 0, 8, 10000) == 5.0);
  CHECK(runtime::RopeAngle(5, 1, 4, 10000) == Approx(0.05).epsilon(1e-15));
  CHECK(runtime::RopeAngle(3, 2, 8, 500000) == Approx(3 / std::sqrt(500000.0)).epsilon(1e-15));
  // Prefill of two sequences of three tokens: 0, 1, 2, 0, 1, 2; decode of two: the context.
  CHECK(runtime::RopePosition(4, 6, 2, 0) == 1);
  CHECK(runtime::RopePosition(1, 2, 2, 2048) == 2048);

  // The reference rotates each pair by its angle, counterclockwise: the length is kept and
  // atan2 moves by exactly the angle (cos and sin swapped, or sin negated, would not).
  runtime::KernelRequest req = Request(3, 2, 1, 8, 11);
  req.rope_base = 100;
  const auto m = runtime::MapRope(req, SmallFabric(2, 2));
  const std::vector<float> x = Inputs(m);
  const int width = 3 * 8;
  for (int t = 0; t < 3; ++t) {
    for (int h = 0; h < 3; ++h) {
      for (int i = 0; i < 4; ++i) {
        const size_t e = t * width + h * 8 + 2 * i;
        const double angle = (11 + t) * std::pow(100.0, -2.0 * i / 8);
        const double xe = x[e], xo = x[e + 1], ye = m.reference[e], yo = m.reference[e + 1];
        INFO("token " << t << " head " << h << " pair " << i);
        CHECK(std::hypot(ye, yo) == Approx(std::hypot(xe, xo)).epsilon(1e-14));
        const double turned = std::remainder(std::atan2(yo, ye) - std::atan2(xo, xe) - angle, 2 * std::numbers::pi);
        CHECK(std::fabs(turned) < 1e-12);
      }
    }
  }
  CHECK(Run(m, SmallFabric(2, 2)).correct);
}

TEST_CASE("rope's check fails a run whose tables have cos and sin swapped or sin negated", "[mapping][rope]") {
  const fabric::FabricConfig config = SmallFabric(3, 1);
  // Positions 3..6 so that every angle (down to 3 x 10000^(-6/8) = 0.003) has a sine far
  // above the tolerance.
  const auto good = runtime::MapRope(Request(4, 2, 1, 8, 3), config);
  CHECK(Run(good, config).correct);

  auto swapped = good;
  EditTables(swapped, [](std::vector<float>& cs) {
    for (size_t i = 0; i + 1 < cs.size(); i += 2) std::swap(cs[i], cs[i + 1]);
  });
  const auto r1 = Run(swapped, config);
  CHECK(r1.status == fabric::RunStatus::Done);
  CHECK_FALSE(r1.correct);

  auto negated = good;
  EditTables(negated, [](std::vector<float>& cs) {
    for (size_t i = 1; i < cs.size(); i += 2) cs[i] = -cs[i];
  });
  const auto r2 = Run(negated, config);
  CHECK(r2.status == fabric::RunStatus::Done);
  CHECK_FALSE(r2.correct);
  INFO(r2.check);
  CHECK(r2.check.find("expected") != std::string::npos);
}

TEST_CASE("rope says what does not fit, and --fit grows the region", "[mapping][rope]") {
  // 32 heads of 128: 2,048 pairs, 49,220 bytes with cos, sin and the scratch.
  runtime::KernelRequest req = Request(1, 16, 16, 128, 2048);
  req.region_width = 1;
  req.region_height = 1;
  const fabric::FabricConfig config = SmallFabric(4, 1);
  CHECK_THROWS_WITH(runtime::MapRope(req, config),
                    Catch::Contains("rope 1 tokens x (16 + 16) heads x 128 does not fit a 1x1 region: tile (0,0) needs 49220 "
                                    "bytes of SRAM") &&
                        Catch::Contains("but has 49152"));
  req.fit = true;
  const auto m = runtime::MapRope(req, config);
  CHECK(m.region_width == 2);
  CHECK(m.sram_bytes_per_tile <= 49152);
  CHECK(Run(m, config).correct);
}

TEST_CASE("rope names the flag that is wrong", "[mapping][rope]") {
  const fabric::FabricConfig config = SmallFabric(2, 2);
  auto throws = [&](runtime::KernelRequest req, const std::string& message) {
    CHECK_THROWS_WITH(runtime::MapRope(req, config), Catch::StartsWith(message));
  };
  throws(Request(1, 2, 0, 7, 0), "--head-dim: 7 must be even");
  throws(Request(1, 0, 0, 8, 0), "--heads: 0 must be at least 1");
  throws(Request(1, 2, 3, 8, 0), "--kv-heads: 3 must be in 0..2");
  throws(Request(3, 2, 0, 8, 0, 2), "--batch: 2 must be at least 1 and divide --tokens 3");
  throws(Request(0, 2, 0, 8, 0), "--tokens: 0 must be in 1..1,000,000");
  throws(Request(1, 2, 0, 8, -1), "--context: -1 must be in 0..10,000,000");
  runtime::KernelRequest base = Request(1, 2, 0, 8, 0);
  base.rope_base = 1;
  throws(base, "--rope-base: 1 must be a finite number above 1");
  base.rope_base = 10000;
  base.dtype = DType::kFp16;
  throws(base, "--dtype fp16: rope takes fp32 only");
}
