// The RTL tile and the reference model in lockstep on random programs (1,000+ seeds in the
// default suite, more in the soak), with random SRAM refusals to exercise the core's stalls.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "common/seeds.h"
#include "tile/lockstep.h"
#include "tile/program_gen.h"

using namespace wafersim;
using namespace wafersim::tb;

namespace {

LockstepStats RunSeed(uint64_t seed, double refuse) {
  const GeneratedProgram gen = GenerateProgram(seed);
  const isa::Program prog = assembler::AssembleText(gen.source, fmt::format("random-{}.s", seed));
  TileBenchConfig cfg;
  cfg.sram.refuse_probability = refuse;
  cfg.sram.seed = seed;
  Lockstep ls(prog, cfg);
  for (const auto& w : gen.feed) ls.Feed(noc::Dir::West, w);
  const LockstepStats st = ls.Run(200000);
  if (!st.halted && !ls.Bench().Idle()) {
    throw std::runtime_error(fmt::format("seed {}: neither halted nor idle after {} cycles", seed, st.cycles));
  }
  if (gen.expects_error && st.error == 0) {
    throw std::runtime_error(fmt::format("seed {}: expected an error halt", seed));
  }
  if (!gen.expects_error && st.error != 0) {
    throw std::runtime_error(fmt::format("seed {}: unexpected error {} ({})", seed, st.error,
                                         ls.Model().DescribeError()));
  }
  return st;
}

}  // namespace

TEST_CASE("RTL tile and reference model agree on 1,200 random programs", "[tile][lockstep]") {
  uint64_t retired = 0, stalls = 0, errors = 0;
  const auto seeds = Seeds(1, 1200);
  for (uint64_t seed : seeds) {
    INFO("seed " << seed << " (reproduce: WAFERSIM_SEED=" << seed << " tile_tests \"RTL tile*\")");
    LockstepStats st;
    REQUIRE_NOTHROW(st = RunSeed(seed, seed % 3 == 0 ? 0.2 : 0.0));
    retired += st.retired;
    stalls += st.stall_cycles;
    errors += st.error != 0;
  }
  // The programs really ran: thousands of instructions, some stalls, some error halts.
  CHECK(retired > 80 * seeds.size());
  CHECK(stalls > 0);
  CHECK(errors > 0);
}

TEST_CASE("RTL tile lockstep soak", "[.soak][tile]") {
  for (uint64_t seed : Seeds(100000, 20000)) {
    INFO("seed " << seed << " (reproduce: WAFERSIM_SEED=" << seed << ")");
    REQUIRE_NOTHROW(RunSeed(seed, seed % 2 ? 0.3 : 0.0));
  }
}
