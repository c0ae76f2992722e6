// The fast router (systemc/fast/fast_router.h) in lockstep with the Verilated mesh_router:
// identical random inputs every cycle, every output compared every cycle. Two builds of the
// RTL: the simulator's (8 colors, 16 deep, lowered by the credit limit) and the wafer
// presets' 24 colors at depth 4 (Verilated for this test).
#include <catch2/catch.hpp>

#include <algorithm>
#include <bitset>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "Vmesh_router.h"
#include "Vmesh_router_c24.h"
#include "common/seeds.h"
#include "fast_router.h"
#include "fast_router_rtl.h"
#include "fast_router_stimulus.h"
#include "verilated.h"

using namespace wafersim;
using namespace wafersim::tb;
using fabric::FastRouter;

namespace {

const char* const kPortNames[] = {"North", "East", "South", "West", "Local"};

// The first signal that differs, as "signal port [color]: rtl X, fast Y"; empty if none.
std::string FirstDifference(const FastRouter::Outputs& rtl, const FastRouter::Outputs& fast, int colors) {
  for (int p = 0; p < FastRouter::kPorts; ++p) {
    const int rv = (rtl.valid >> p) & 1, fv = (fast.valid >> p) & 1;
    if (rv != fv) return fmt::format("valid_o port {}: rtl {}, fast {}", kPortNames[p], rv, fv);
    if (rtl.flit[p] != fast.flit[p]) {
      return fmt::format("flit_o port {}: rtl 0x{:010x}, fast 0x{:010x}", kPortNames[p], rtl.flit[p], fast.flit[p]);
    }
  }
  struct PerColor {
    const char* name;
    const std::array<uint32_t, FastRouter::kPorts>& rtl;
    const std::array<uint32_t, FastRouter::kPorts>& fast;
  };
  const PerColor signals[] = {{"credit_o", rtl.credit, fast.credit},
                              {"nonempty_o", rtl.nonempty, fast.nonempty},
                              {"full_o", rtl.full, fast.full}};
  for (const PerColor& s : signals) {
    for (int p = 0; p < FastRouter::kPorts; ++p) {
      for (int c = 0; c < colors; ++c) {
        const int r = (s.rtl[p] >> c) & 1, f = (s.fast[p] >> c) & 1;
        if (r != f) return fmt::format("{} port {} color {}: rtl {}, fast {}", s.name, kPortNames[p], c, r, f);
      }
    }
  }
  if (rtl.err != fast.err) return fmt::format("err_o: rtl 0b{:03b}, fast 0b{:03b}", rtl.err, fast.err);
  return {};
}

struct Build {
  int colors, depth;
};

struct SeedResult {
  std::string divergence;  // empty when every cycle matched
  StimulusCoverage coverage;
};

// One seed: random straps, credit limit and upstream credits, then `cycles` cycles of both
// models on the same inputs. Even seeds also skip the fast router's cycles whenever it and
// its inputs are quiet, as the fabric does, which checks Quiet().
template <class Model>
SeedResult RunSeed(VerilatedContext& context, RtlRouter<Model>& rtl, Build build, uint64_t seed, int cycles) {
  std::mt19937_64 knobs(seed * 0x9e3779b97f4a7c15ull);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(knobs); };
  StimulusConfig sc;
  sc.colors = build.colors;
  static constexpr int kLimits[] = {1, 2, 3, 4, 4, 4, 8, 16};
  sc.credit_limit = std::min(build.depth, uniform(0, 3) == 0 ? uniform(1, build.depth) : kLimits[uniform(0, 7)]);
  switch (uniform(0, 2)) {  // senders that keep to the credit limit, or fill the whole buffer
    case 0: sc.upstream_credits = sc.credit_limit; break;
    case 1: sc.upstream_credits = uniform(sc.credit_limit, build.depth); break;
    default: sc.upstream_credits = build.depth;
  }
  sc.x = uniform(0, 5) == 0 ? (uniform(0, 1) ? 0 : FastRouter::kMaxCoord) : uniform(1, 2000);
  sc.y = uniform(0, 5) == 0 ? (uniform(0, 1) ? 0 : FastRouter::kMaxCoord) : uniform(1, 2000);
  sc.errors = uniform(0, 2) != 0;
  sc.mode_changes = sc.errors && uniform(0, 1);
  const bool skip_quiet = seed % 2 == 0;

  FastRouter fast(build.colors, build.depth, sc.x, sc.y, sc.credit_limit);
  rtl.Reset(sc.x, sc.y, sc.credit_limit);
  RouterStimulus stimulus(sc, seed);
  SeedResult result;
  const std::string setup =
      fmt::format("(router ({},{}), credit limit {}, upstream credits {}, errors {}, mode changes {}, quiet skips {})",
                  sc.x, sc.y, sc.credit_limit, sc.upstream_credits, sc.errors, sc.mode_changes, skip_quiet);
  for (int cycle = 0; cycle < cycles; ++cycle) {
    const FastRouter::Inputs& in = stimulus.Next();
    FastRouter::Outputs rtl_out, fast_out;
    rtl.Evaluate(in, rtl_out);
    const bool skipped = skip_quiet && fast.Quiet() && in.Quiet();
    if (skipped) {
      fast.Settle(fast_out);
    } else {
      fast.Evaluate(in, fast_out);
    }
    const std::string diff = FirstDifference(rtl_out, fast_out, build.colors);
    if (!diff.empty()) {
      result.divergence = fmt::format("cycle {}: {} {}", cycle, diff, setup);
      break;
    }
    stimulus.Observe(rtl_out);
    rtl.Update();
    if (!skipped) fast.Update();
    if (context.gotError()) {
      result.divergence = fmt::format("cycle {}: an RTL assertion failed (the %Error line above) {}", cycle, setup);
      break;
    }
  }
  result.coverage = stimulus.Coverage();
  return result;
}

void Add(StimulusCoverage& sum, const StimulusCoverage& c) {
  sum.wavelets_out += c.wavelets_out;
  sum.same_cycle_copies += c.same_cycle_copies;
  sum.ctrl_out += c.ctrl_out;
  sum.heads_out += c.heads_out;
  sum.full_cycles += c.full_cycles;
  sum.credit_stalls += c.credit_stalls;
  sum.route_writes += c.route_writes;
  sum.err_seen |= c.err_seen;
}

template <class Model>
void RunLockstep(Build build, uint64_t first_seed, uint64_t seeds, int cycles, const char* test_name) {
  VerilatedContext context;
  context.fatalOnError(false);  // an RTL assertion fails the seed instead of aborting
  RtlRouter<Model> rtl(&context, "rtl", build.colors);
  const std::vector<uint64_t> seed_list = Seeds(first_seed, seeds);
  StimulusCoverage sum;
  for (uint64_t seed : seed_list) {
    const SeedResult r = RunSeed(context, rtl, build, seed, cycles);
    INFO("seed " << seed << " (reproduce: WAFERSIM_SEED=" << seed << " fast_router_tests \"" << test_name << "\")");
    INFO("first divergence: " << r.divergence);
    REQUIRE(r.divergence.empty());
    Add(sum, r.coverage);
  }
  // What the seeds exercised: every feature at least once (a single reproduced seed may not).
  if (seed_list.size() >= 50) {
    INFO("wavelets out " << sum.wavelets_out << ", multicast copies " << sum.same_cycle_copies << ", control "
                         << sum.ctrl_out << ", dynamic heads " << sum.heads_out << ", cycles with a full buffer "
                         << sum.full_cycles << ", credit stalls " << sum.credit_stalls << ", error bits 0b"
                         << std::bitset<3>(sum.err_seen));
    CHECK(sum.wavelets_out > 100 * seed_list.size());
    CHECK(sum.same_cycle_copies > 0);
    CHECK(sum.ctrl_out > 0);
    CHECK(sum.heads_out > 0);
    CHECK(sum.full_cycles > 0);
    CHECK(sum.credit_stalls > 0);
    CHECK(sum.err_seen == 0b111);
  }
}

}  // namespace

TEST_CASE("fast router matches the RTL: 8 colors, 16 deep", "[fast][router]") {
  RunLockstep<Vmesh_router>({8, 16}, 1, 200, 3000, "fast router matches the RTL: 8 colors*");
}

TEST_CASE("fast router matches the RTL: 24 colors, 4 deep", "[fast][router]") {
  RunLockstep<Vmesh_router_c24>({24, 4}, 10001, 100, 3000, "fast router matches the RTL: 24 colors*");
}

TEST_CASE("fast router matches the RTL: soak", "[.soak][fast]") {
  RunLockstep<Vmesh_router>({8, 16}, 100001, 2000, 20000, "fast router matches the RTL: soak");
  RunLockstep<Vmesh_router_c24>({24, 4}, 200001, 1000, 20000, "fast router matches the RTL: soak");
}

TEST_CASE("fast router: parameters out of range are refused with their name", "[fast][router]") {
  using Catch::Matchers::Contains;
  REQUIRE_THROWS_WITH(FastRouter(0, 4, 0, 0, 4), Contains("colors 0 is out of range 1..24"));
  REQUIRE_THROWS_WITH(FastRouter(25, 4, 0, 0, 4), Contains("colors 25"));
  REQUIRE_THROWS_WITH(FastRouter(8, 17, 0, 0, 4), Contains("buffer depth 17 is out of range 1..16"));
  REQUIRE_THROWS_WITH(FastRouter(8, 4, 2048, 0, 4), Contains("x 2048 is out of range 0..2047"));
  REQUIRE_THROWS_WITH(FastRouter(8, 4, 0, -1, 4), Contains("y -1"));
  REQUIRE_THROWS_WITH(FastRouter(8, 4, 0, 0, 5), Contains("credit limit 5 is out of range 1..4"));
  REQUIRE_THROWS_WITH(FastRouter(8, 4, 0, 0, 0), Contains("credit limit 0"));
  REQUIRE_NOTHROW(FastRouter(24, 16, 2047, 2047, 16));
}

TEST_CASE("fast router: one hop costs one cycle in the router", "[fast][router]") {
  // West to East on static color 2, as docs/router.md states: a wavelet driven in cycle 0 is
  // in the buffer at its end, in the output register at the end of cycle 1, on the link in
  // cycle 2, and its credit goes back upstream in cycle 1.
  FastRouter r(8, 4, 3, 3, 4);
  REQUIRE(r.Quiet());
  FastRouter::Inputs in;
  FastRouter::Outputs out;
  in.cfg_valid = true;
  in.cfg_color = 2;
  in.cfg_sel = 0;
  in.cfg_data = static_cast<uint16_t>(noc::PositionWord(1u << 3, 1u << 1));
  r.Evaluate(in, out);
  r.Update();
  REQUIRE(r.Errors() == 0);
  noc::Wavelet w;
  w.color = 2;
  w.data = 0xdeadbeef;
  in = {};
  in.valid = 1u << 3;
  in.flit[3] = w.Pack();
  r.Evaluate(in, out);
  REQUIRE(out.valid == 0);
  r.Update();
  REQUIRE(r.Nonempty(3) == 1u << 2);
  REQUIRE_FALSE(r.Quiet());
  r.Evaluate({}, out);
  CHECK(out.valid == 0);
  CHECK(out.credit[3] == 1u << 2);
  r.Update();
  REQUIRE(r.Nonempty(3) == 0);
  r.Evaluate({}, out);
  CHECK(out.valid == 1u << 1);
  CHECK(out.flit[1] == w.Pack());
  CHECK(out.credit[3] == 0);
  r.Update();
  CHECK(r.Quiet());
}
