// Closed tensor operations run ahead and replayed (TensorReplay), with their timing taken
// from the memo when a tile already stepped the same shape (TensorTimingMemo), against the
// same programs stepped cycle by cycle: every cycle's pc, stall, wait and activity, the
// registers, and at the end the SRAM bytes, its access counts and peak, and the counters.
// The programs stress what the memo's key must tell apart: a and b in the same words (the
// same array, or one word apart), sources with stride 0, binary16 halves, operations in
// place, each shape again at a base one bank interleave on (same key, values elsewhere), and
// b moved off a's words onto the same banks (another key).
#include <catch2/catch.hpp>

#include <array>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "common/seeds.h"
#include "fast_pair.h"
#include "fast_tile.h"
#include "isa/isa.h"

using namespace wafersim;
using fabric::FastTile;

namespace {

constexpr int kRegionA = 4096, kRegionB = 12288, kRegionD = 20480, kRegionSize = 6144;
constexpr int kInterleave = 32;  // 8 banks of 4 bytes

struct Array {
  int base, stride;
  bool f16;
};

class ClosedOpProgram {
 public:
  explicit ClosedOpProgram(uint64_t seed) : rng_(seed) {}

  std::string Source(int ops) {
    for (int i = 0; i < ops; ++i) Op();
    src_ += "        halt\n";
    return src_;
  }

 private:
  int Range(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  // An array of n elements inside [region, region + kRegionSize - kInterleave), so that the
  // same array one interleave on still fits.
  Array Place(int region, int n, bool f16, bool stride_zero) {
    const int size = f16 ? 2 : 4;
    int stride = stride_zero ? 0 : Range(1, 3);
    if (Chance(0.2)) stride = -stride;
    const int span = (n > 0 ? n - 1 : 0) * std::abs(stride) * size + size;
    const int room = (kRegionSize - kInterleave - span) / size;
    int base = region + Range(0, room) * size;
    if (stride < 0) base += (n > 0 ? n - 1 : 0) * -stride * size;
    return {base, stride, f16};
  }

  void Descriptor(int desc, const Array& x, int n, int shift) {
    src_ += fmt::format("        li      r10, {}\n        li      r11, {}\n        li      r12, {}\n"
                        "        dmem    d{}, r10, r11, r12, {}\n",
                        x.base + shift, n, x.stride, desc, x.f16 ? "f16" : "f32");
  }

  void Op() {
    static const char* const kFns[] = {"tfmac", "tfadd", "tfmul", "tfmuls", "tfadds", "tfmax", "tfmov",
                                       "tfdot", "tfsum", "tfmaxr"};
    const int fn = Range(0, 9);
    const bool has_b = fn == 0 || fn == 1 || fn == 2 || fn == 5 || fn == 7;
    const bool reduction = fn >= 7;
    const int n = Range(0, 40);
    const bool all_f16 = Chance(0.4);
    auto f16 = [&] { return all_f16 || Chance(0.3); };
    const Array a = Place(kRegionA, n, f16(), Chance(0.1));
    Array b = Place(kRegionB, n, f16(), Chance(0.1));
    if (has_b && Chance(0.35)) {
      // b in a's words: the same array, or a few bytes off it.
      b = a;
      if (Chance(0.5)) b.base += (b.f16 ? 2 : 4) * Range(-2, 2);
    }
    const bool overlapping = has_b && b.base - a.base < 64 && a.base - b.base < 64;
    const bool in_place = !reduction && Chance(0.25) && a.stride != 0;
    const Array d = in_place ? a : Place(kRegionD, n, f16(), false);
    const std::string scalar = fmt::format("r{}", Range(1, 9));
    // The shape again at bases one interleave on (the memo's key is the same); and b in a's
    // words moved to its own region, on the same banks (only b_minus_a tells them apart).
    struct Variant {
      int shift, b_shift;
    };
    std::vector<Variant> variants = {{0, 0}, {kInterleave, 0}};
    if (overlapping) variants.insert(variants.begin() + 1, Variant{0, kRegionB - kRegionA});
    for (const auto [shift, b_shift] : variants) {
      Descriptor(1, a, n, shift);
      if (has_b) Descriptor(2, b, n, shift + b_shift);
      if (!reduction && !in_place) Descriptor(3, d, n, shift);
      const char* dd = in_place ? "d1" : "d3";
      src_ += fmt::format("        li      {}, {}\n", scalar, Range(-1000, 1000) * 1000 + 0x3f000000);
      switch (fn) {
        case 0: src_ += fmt::format("        tfmac   {}, d1, d2, {}\n", dd, scalar); break;
        case 3: src_ += fmt::format("        tfmuls  {}, d1, {}\n", dd, scalar); break;
        case 4: src_ += fmt::format("        tfadds  {}, d1, {}\n", dd, scalar); break;
        case 6: src_ += fmt::format("        tfmov   {}, d1\n", dd); break;
        case 7: src_ += fmt::format("        tfdot   r{}, d1, d2\n", Range(1, 9)); break;
        case 8: src_ += fmt::format("        tfsum   r{}, d1\n", Range(1, 9)); break;
        case 9: src_ += fmt::format("        tfmaxr  r{}, d1\n", Range(1, 9)); break;
        default: src_ += fmt::format("        {}   {}, d1, d2\n", kFns[fn], dd); break;
      }
    }
  }

  std::mt19937_64 rng_;
  std::string src_ = "        .text\nmain:\n";
};

struct PairTotals {
  uint64_t run_ahead = 0, memo_timed = 0;
};

// Runs `prog` on a tile running closed operations ahead and on one stepping them.
void ComparePair(const isa::Program& prog, const fabric::TileSpec& spec, const std::string& where, PairTotals& t) {
  FastTile a(2, 1, spec), b(2, 1, spec);
  b.SetRunAhead(false);
  a.Load(prog);
  b.Load(prog);
  const fabric::LinkBundle quiet{};
  const std::array<const fabric::LinkBundle*, 4> in{&quiet, &quiet, &quiet, &quiet};
  std::array<fabric::LinkBundle, 4> out_a, out_b;
  INFO(where);
  for (uint64_t cycle = 0; cycle < 400000 && !(a.Halted() && b.Halted()); ++cycle) {
    a.Evaluate(in, out_a);
    b.Evaluate(in, out_b);
    INFO(fmt::format("cycle {}", cycle));
    tb::RequireSameCycle(a, b);
    a.Update();
    b.Update();
  }
  REQUIRE(a.Halted());
  REQUIRE(b.Halted());
  tb::RequireSameEnd(a, b);
  t.run_ahead += a.Core().RunAheads();
  t.memo_timed += a.Core().MemoTimed();
}

isa::Program WithData(isa::Program p, uint64_t seed) {
  std::mt19937_64 rng(seed * 7919);
  for (const int region : {kRegionA, kRegionB, kRegionD}) {
    isa::DataSegment seg;
    seg.addr = static_cast<uint32_t>(region);
    seg.bytes.resize(kRegionSize);
    for (size_t i = 0; i < seg.bytes.size(); i += 2) {
      // Finite binary16 halves and binary32 words alike: no exponent of all ones.
      const uint16_t h = static_cast<uint16_t>(rng() & 0xbbffu);
      seg.bytes[i] = static_cast<uint8_t>(h);
      seg.bytes[i + 1] = static_cast<uint8_t>(h >> 8);
    }
    p.data.push_back(std::move(seg));
  }
  return p;
}

}  // namespace

TEST_CASE("closed tensor operations timed by the memo agree with stepping them, cycle by cycle", "[fast]") {
  struct Banks {
    int read_latency, write_latency;
  };
  // The same seeds on each: the shapes differ only in the banks' latencies.
  for (const Banks k : {Banks{1, 1}, Banks{1, 3}, Banks{2, 1}, Banks{3, 2}}) {
    fabric::TileSpec spec;
    spec.sram.read_latency = k.read_latency;
    spec.sram.write_latency = k.write_latency;
    PairTotals totals;
    for (const uint64_t seed : tb::Seeds(1, 60)) {
      const std::string source = ClosedOpProgram(seed).Source(16);
      const isa::Program prog = WithData(assembler::AssembleText(source, fmt::format("closed-{}.s", seed)), seed);
      ComparePair(prog, spec, fmt::format("read latency {}, write latency {}, seed {}:\n{}", k.read_latency,
                                          k.write_latency, seed, source),
                  totals);
    }
    // Each shape ran twice: the second took its timing from the memo.
    CHECK(totals.run_ahead >= 60 * 16);
    CHECK(totals.memo_timed * 3 >= totals.run_ahead);
  }
}
