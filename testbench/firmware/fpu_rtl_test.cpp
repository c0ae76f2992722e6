// The RTL floating-point unit against the golden arithmetic (isa/fp.h, the host's IEEE
// binary32): bit for bit on millions of operands, with zeros, subnormals, infinities and NaNs.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <random>

#include "Vfpu_probe.h"
#include "isa/fp.h"
#include "verilated.h"

using namespace wafersim::isa;

namespace {

class Probe {
 public:
  Probe() : ctx_(std::make_unique<VerilatedContext>()), m_(std::make_unique<Vfpu_probe>(ctx_.get())) {}
  Vfpu_probe& Eval(uint32_t a, uint32_t b, uint32_t c) {
    m_->a_i = a;
    m_->b_i = b;
    m_->c_i = c;
    m_->eval();
    return *m_;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vfpu_probe> m_;
};

// Operands that exercise every path: specials, subnormals, values near each other.
class OperandSource {
 public:
  explicit OperandSource(uint64_t seed) : rng_(seed) {}
  uint32_t Next() {
    static const uint32_t kSpecial[] = {0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000,
                                        0x7f800001, 0xffc00001, 0x00000001, 0x80000001, 0x007fffff,
                                        0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f800000,
                                        0xbf800000, 0x00400000, 0x33800000, 0x4b000000};
    switch (rng_() % 8) {
      case 0: return kSpecial[rng_() % (sizeof kSpecial / sizeof kSpecial[0])];
      case 1: return (rng_() & 0x807fffffu);                               // subnormal or zero
      case 2: return (rng_() & 0x807fffffu) | ((rng_() % 4) << 23);        // near the normal edge
      case 3: return (rng_() & 0x807fffffu) | ((120u + rng_() % 16) << 23); // near 1.0
      case 4: return last_ ^ (rng_() & 0x8000000fu);                       // close to the previous
      default: return static_cast<uint32_t>(rng_());
    }
  }
  uint32_t Remember(uint32_t v) { return last_ = v; }

 private:
  std::mt19937_64 rng_;
  uint32_t last_ = 0x3f800000;
};

bool Same(uint32_t got, uint32_t want) { return got == want; }

uint64_t Count(uint64_t fallback) {
  const char* env = std::getenv("WAFERSIM_FP_SAMPLES");
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

}  // namespace

TEST_CASE("RTL fma, add and mul are bit-exact against the host on 1.2M operand sets", "[fp][rtl]") {
  Probe probe;
  OperandSource src(12345);
  uint64_t bad = 0;
  const uint64_t n = Count(1'200'000);
  for (uint64_t i = 0; i < n; ++i) {
    const uint32_t a = src.Remember(src.Next());
    const uint32_t b = src.Next();
    // The addend near the product half of the time, to exercise cancellation.
    uint32_t c = src.Next();
    if (i & 1) c = FMul(a, b) ^ 0x80000000u ^ (src.Next() & 0x7u);
    const auto& m = probe.Eval(a, b, c);
    const bool ok = Same(m.fma_o, FFma(a, b, c)) && Same(m.add_o, FAdd(a, b)) && Same(m.mul_o, FMul(a, b));
    if (!ok && ++bad <= 5) {
      FAIL_CHECK(std::hex << "a=0x" << a << " b=0x" << b << " c=0x" << c << ": fma 0x" << m.fma_o
                          << " want 0x" << FFma(a, b, c) << ", add 0x" << m.add_o << " want 0x"
                          << FAdd(a, b) << ", mul 0x" << m.mul_o << " want 0x" << FMul(a, b));
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("RTL comparisons, max/min and conversions match the golden semantics", "[fp][rtl]") {
  Probe probe;
  OperandSource src(777);
  uint64_t bad = 0;
  const uint64_t n = Count(1'200'000);
  for (uint64_t i = 0; i < n; ++i) {
    const uint32_t a = src.Remember(src.Next());
    const uint32_t b = (i % 3 == 0) ? a ^ (src.Next() & 0x80000001u) : src.Next();
    const uint32_t ai = (i & 1) ? a : static_cast<uint32_t>(static_cast<int32_t>(src.Next()) >> (i % 31));
    const auto& m = probe.Eval(a, b, 0);
    const uint32_t cmp = (FEq(a, b) ? 4u : 0u) | (FLe(a, b) ? 2u : 0u) | (FLt(a, b) ? 1u : 0u);
    bool ok = m.max_o == FMax(a, b) && m.min_o == FMin(a, b) && m.cmp_o == cmp &&
              m.f2i_o == static_cast<uint32_t>(FToInt(a)) && m.h2f_o == F16ToF32(static_cast<uint16_t>(a)) &&
              m.f2h_o == F32ToF16(a);
    if (!ok && ++bad <= 5) {
      FAIL_CHECK(std::hex << "a=0x" << a << " b=0x" << b << ": max 0x" << m.max_o << "/0x" << FMax(a, b)
                          << " min 0x" << m.min_o << "/0x" << FMin(a, b) << " cmp " << int(m.cmp_o) << "/"
                          << cmp << " f2i 0x" << m.f2i_o << "/0x" << FToInt(a) << " h2f 0x" << m.h2f_o
                          << "/0x" << F16ToF32(static_cast<uint16_t>(a)) << " f2h 0x" << m.f2h_o
                          << "/0x" << F32ToF16(a));
    }
    const auto& mi = probe.Eval(ai, 0, 0);
    if (mi.i2f_o != IntToF(static_cast<int32_t>(ai)) && ++bad <= 5) {
      FAIL_CHECK(std::hex << "int 0x" << ai << ": 0x" << mi.i2f_o << " want 0x" << IntToF(static_cast<int32_t>(ai)));
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("RTL binary16 conversions agree for every half and every half boundary", "[fp][rtl]") {
  Probe probe;
  for (uint32_t h = 0; h < 0x10000; ++h) {
    REQUIRE(probe.Eval(h, 0, 0).h2f_o == F16ToF32(static_cast<uint16_t>(h)));
    // Halfway points between neighbouring halves stress rounding to nearest even.
    const uint32_t f = F16ToF32(static_cast<uint16_t>(h));
    for (uint32_t delta : {0u, 0x1000u, 0x0fffu, 0x1001u}) {
      const uint32_t x = f + delta;
      REQUIRE(probe.Eval(x, 0, 0).f2h_o == F32ToF16(x));
    }
  }
}
