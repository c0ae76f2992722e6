#include "isa/fp.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace wafersim::isa {

float AsFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint32_t AsBits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

namespace {
bool IsNan(uint32_t a) { return (a & 0x7fffffffu) > 0x7f800000u; }
uint32_t Canon(float r) { return std::isnan(r) ? kCanonicalNan : AsBits(r); }
}  // namespace

uint32_t FAdd(uint32_t a, uint32_t b) { return Canon(AsFloat(a) + AsFloat(b)); }
uint32_t FSub(uint32_t a, uint32_t b) { return Canon(AsFloat(a) - AsFloat(b)); }
uint32_t FMul(uint32_t a, uint32_t b) { return Canon(AsFloat(a) * AsFloat(b)); }
uint32_t FFma(uint32_t a, uint32_t b, uint32_t c) {
  return Canon(std::fma(AsFloat(a), AsFloat(b), AsFloat(c)));
}

uint32_t FMax(uint32_t a, uint32_t b) {
  if (IsNan(a)) return IsNan(b) ? kCanonicalNan : b;
  if (IsNan(b)) return a;
  if (((a | b) & 0x7fffffffu) == 0) return a & b;  // +0 unless both are -0
  return AsFloat(a) >= AsFloat(b) ? a : b;
}

uint32_t FMin(uint32_t a, uint32_t b) {
  if (IsNan(a)) return IsNan(b) ? kCanonicalNan : b;
  if (IsNan(b)) return a;
  if (((a | b) & 0x7fffffffu) == 0) return a | b;  // -0 if either is -0
  return AsFloat(a) <= AsFloat(b) ? a : b;
}

bool FLt(uint32_t a, uint32_t b) { return AsFloat(a) < AsFloat(b); }
bool FLe(uint32_t a, uint32_t b) { return AsFloat(a) <= AsFloat(b); }
bool FEq(uint32_t a, uint32_t b) { return AsFloat(a) == AsFloat(b); }

uint32_t IntToF(int32_t v) { return AsBits(static_cast<float>(v)); }

int32_t FToInt(uint32_t a) {
  if (IsNan(a)) return std::numeric_limits<int32_t>::max();
  const float f = AsFloat(a);
  if (f >= 2147483648.0f) return std::numeric_limits<int32_t>::max();
  if (f < -2147483648.0f) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(f);  // truncates toward zero
}

uint32_t F16ToF32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  if (exp == 0x1f) return man ? kCanonicalNan : sign | 0x7f800000u;
  if (exp == 0) {
    if (man == 0) return sign;
    int e = -1;  // normalise the subnormal
    do {
      man <<= 1;
      ++e;
    } while ((man & 0x400u) == 0);
    return sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (man & 0x3ffu) << 13;
  }
  return sign | (exp + 127 - 15) << 23 | man << 13;
}

uint16_t F32ToF16(uint32_t f) {
  const uint16_t sign = static_cast<uint16_t>((f >> 16) & 0x8000u);
  const uint32_t exp = (f >> 23) & 0xffu;
  uint32_t man = f & 0x7fffffu;
  if (exp == 0xff) return man ? kCanonicalNan16 : static_cast<uint16_t>(sign | 0x7c00u);
  int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return sign;  // below half the smallest subnormal: rounds to zero
    man |= 0x800000u;
    const int shift = 14 - e;
    uint32_t r = man >> shift;
    const uint32_t rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1))) ++r;  // may carry into the smallest normal
    return static_cast<uint16_t>(sign | r);
  }
  uint32_t r = man >> 13;
  const uint32_t rem = man & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) {
    if (++r == 0x400u) {
      r = 0;
      if (++e >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
    }
  }
  return static_cast<uint16_t>(sign | static_cast<uint32_t>(e) << 10 | r);
}

}  // namespace wafersim::isa
