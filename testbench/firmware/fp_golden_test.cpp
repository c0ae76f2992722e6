// The golden floating-point semantics: binary16 conversions against the compiler's
// _Float16, and the special cases docs/isa.md defines (canonical NaN, signed zeros).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "isa/fp.h"

using namespace wafersim::isa;

TEST_CASE("binary16 to binary32 is exact for all 65536 halves", "[fp]") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    _Float16 x;
    const uint16_t bits = static_cast<uint16_t>(h);
    std::memcpy(&x, &bits, 2);
    const float ref = static_cast<float>(x);
    const uint32_t got = F16ToF32(bits);
    if (std::isnan(ref)) {
      CHECK(got == kCanonicalNan);
    } else {
      INFO("half 0x" << std::hex << h);
      CHECK(got == AsBits(ref));
    }
  }
}

TEST_CASE("binary32 to binary16 rounds to nearest even like _Float16, 4M inputs", "[fp]") {
  std::mt19937 rng(7);
  auto check = [](uint32_t f) {
    const _Float16 ref = static_cast<_Float16>(AsFloat(f));
    uint16_t ref_bits;
    std::memcpy(&ref_bits, &ref, 2);
    const uint16_t got = F32ToF16(f);
    if (std::isnan(AsFloat(f))) return got == kCanonicalNan16;
    return got == ref_bits;
  };
  int bad = 0;
  for (int i = 0; i < 4'000'000; ++i) {
    // Half of the inputs near the binary16 range, where rounding and subnormals happen.
    uint32_t f = rng();
    if (i & 1) f = (f & 0x80ffffffu) | ((100u + (rng() % 60)) << 23);
    if (!check(f) && ++bad < 5) FAIL_CHECK("input 0x" << std::hex << f);
  }
  for (uint32_t f : {0u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x477fe000u, 0x477ff000u,
                     0x33000000u, 0x33000001u, 0x387fc000u, 0x38800000u}) {
    CHECK(check(f));
  }
  CHECK(bad == 0);
}

TEST_CASE("NaN results are canonical; max and min order signed zeros and skip NaN", "[fp]") {
  const uint32_t snan = 0x7f800001u, qnan = 0xffc12345u, one = AsBits(1.0f), two = AsBits(2.0f);
  CHECK(FAdd(snan, one) == kCanonicalNan);
  CHECK(FMul(AsBits(INFINITY), 0) == kCanonicalNan);
  CHECK(FFma(qnan, one, one) == kCanonicalNan);
  CHECK(FMax(qnan, two) == two);
  CHECK(FMin(one, qnan) == one);
  CHECK(FMax(qnan, snan) == kCanonicalNan);
  CHECK(FMax(0x80000000u, 0u) == 0u);
  CHECK(FMin(0x80000000u, 0u) == 0x80000000u);
  CHECK(FToInt(qnan) == INT32_MAX);
  CHECK(FToInt(AsBits(3e9f)) == INT32_MAX);
  CHECK(FToInt(AsBits(-3e9f)) == INT32_MIN);
  CHECK(FToInt(AsBits(-2.75f)) == -2);
  CHECK(FFma(AsBits(1.0f + 0x1p-23f), AsBits(1.0f - 0x1p-23f), AsBits(-1.0f)) == AsBits(-0x1p-46f));
}
