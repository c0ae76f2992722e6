// Router-cycles per second of the Verilated mesh_router and of FastRouter on the same random
// load: the lockstep test's stimulus (no error inputs, credit limit 4), recorded once and
// replayed into each model, so only the models are timed. Both must drive identical outputs
// (a checksum over every output of every cycle), or the program fails.
//
//   build/fast_router_bench [cycles] [seed]      (defaults: 200000 cycles, seed 1)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "Vmesh_router.h"
#include "Vmesh_router_c24.h"
#include "fast_router.h"
#include "fast_router_rtl.h"
#include "fast_router_stimulus.h"
#include "verilated.h"

using namespace wafersim;
using namespace wafersim::tb;
using fabric::FastRouter;

namespace {

constexpr int kX = 5, kY = 5, kCreditLimit = 4;

uint64_t Mix(uint64_t sum, const FastRouter::Outputs& out) {
  uint64_t h = sum ^ out.valid ^ (uint64_t{out.err} << 8);
  for (int p = 0; p < FastRouter::kPorts; ++p) {
    h = (h ^ out.flit[p]) * 0x100000001b3ull;
    h = (h ^ out.credit[p] ^ (uint64_t{out.nonempty[p]} << 32)) * 0x100000001b3ull;
    h = (h ^ out.full[p]) * 0x100000001b3ull;
  }
  return h;
}

struct Load {
  std::vector<FastRouter::Inputs> inputs;
  double wavelets_per_cycle = 0;  // leaving the router, all outputs
  double quiet_share = 0;         // cycles a fabric could skip
};

// The stimulus reacting to a FastRouter (the RTL would drive the same outputs).
Load Record(int colors, int depth, int cycles, uint64_t seed) {
  StimulusConfig sc;
  sc.colors = colors;
  sc.credit_limit = kCreditLimit;
  sc.upstream_credits = kCreditLimit;
  sc.x = kX;
  sc.y = kY;
  RouterStimulus stimulus(sc, seed);
  FastRouter router(colors, depth, kX, kY, kCreditLimit);
  Load load;
  load.inputs.reserve(static_cast<size_t>(cycles));
  uint64_t quiet = 0;
  for (int i = 0; i < cycles; ++i) {
    load.inputs.push_back(stimulus.Next());
    quiet += router.Quiet() && load.inputs.back().Quiet();
    FastRouter::Outputs out;
    router.Evaluate(load.inputs.back(), out);
    stimulus.Observe(out);
    router.Update();
  }
  load.wavelets_per_cycle = static_cast<double>(stimulus.Coverage().wavelets_out) / cycles;
  load.quiet_share = static_cast<double>(quiet) / cycles;
  return load;
}

struct Timing {
  double cycles_per_s;
  uint64_t checksum;
};

// Best of `repeats` runs over the whole load.
template <class Router>
Timing Time(Router& router, const Load& load, int repeats, void (*reset)(Router&)) {
  Timing best{0, 0};
  for (int r = 0; r < repeats; ++r) {
    reset(router);
    uint64_t sum = 0;
    FastRouter::Outputs out;
    const auto t0 = std::chrono::steady_clock::now();
    for (const FastRouter::Inputs& in : load.inputs) {
      router.Evaluate(in, out);
      sum = Mix(sum, out);
      router.Update();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rate = static_cast<double>(load.inputs.size()) / s;
    if (rate > best.cycles_per_s) best = {rate, sum};
  }
  return best;
}

template <class Model>
bool Compare(const char* name, int colors, int depth, int cycles, uint64_t seed) {
  const Load load = Record(colors, depth, cycles, seed);
  VerilatedContext context;
  RtlRouter<Model> rtl(&context, "rtl", colors);
  FastRouter fast(colors, depth, kX, kY, kCreditLimit);
  const Timing t_rtl = Time<RtlRouter<Model>>(rtl, load, 2, [](RtlRouter<Model>& r) { r.Reset(kX, kY, kCreditLimit); });
  const Timing t_fast = Time<FastRouter>(fast, load, 5, [](FastRouter& r) { r.Reset(); });
  std::printf("%-22s %9.2f %7.1f%% %14.0f %14.0f %8.1fx %s\n", name, load.wavelets_per_cycle, 100 * load.quiet_share,
              t_rtl.cycles_per_s, t_fast.cycles_per_s, t_fast.cycles_per_s / t_rtl.cycles_per_s,
              t_rtl.checksum == t_fast.checksum ? "yes" : "NO");
  return t_rtl.checksum == t_fast.checksum;
}

int ParseArg(const char* text, const char* what) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 1 || v > 100'000'000) {
    std::fprintf(stderr, "fast_router_bench: %s '%s' is not a whole number in 1..100000000\n", what, text);
    std::exit(2);
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3) {
    std::fprintf(stderr, "usage: fast_router_bench [cycles] [seed]\n");
    return 2;
  }
  const int cycles = argc > 1 ? ParseArg(argv[1], "cycles") : 200'000;
  const uint64_t seed = argc > 2 ? static_cast<uint64_t>(ParseArg(argv[2], "seed")) : 1;
  std::printf("one router, %d cycles of the lockstep stimulus (seed %llu, credit limit 4, no error inputs)\n", cycles,
              static_cast<unsigned long long>(seed));
  std::printf("%-22s %9s %8s %14s %14s %9s %s\n", "build", "out/cyc", "quiet", "verilated c/s", "fast c/s",
              "speedup", "same outputs");
  bool same = Compare<Vmesh_router>("8 colors, 16 deep", 8, 16, cycles, seed);
  same = Compare<Vmesh_router_c24>("24 colors, 4 deep", 24, 4, cycles, seed) && same;
  for (const auto& [colors, depth] : {std::pair{8, 4}, std::pair{24, 4}}) {
    const FastRouter r(colors, depth, 0, 0, depth);
    std::printf("FastRouter bytes at %d colors, depth %d: %zu\n", colors, depth, r.Bytes());
  }
  if (!same) {
    std::fprintf(stderr, "fast_router_bench: the models' outputs differ\n");
    return 1;
  }
  return 0;
}
