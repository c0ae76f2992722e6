// Floating-point semantics of the PE (docs/isa.md): binary32 with round to nearest even,
// full subnormal support, canonical NaN results; binary16 storage. Values are bit patterns.
// This is the golden arithmetic the RTL FPU must match bit for bit.
#pragma once

#include <cstdint>

namespace wafersim::isa {

inline constexpr uint32_t kCanonicalNan = 0x7fc00000u;
inline constexpr uint16_t kCanonicalNan16 = 0x7e00u;
inline constexpr uint32_t kNegInf = 0xff800000u;

uint32_t FAdd(uint32_t a, uint32_t b);
uint32_t FSub(uint32_t a, uint32_t b);
uint32_t FMul(uint32_t a, uint32_t b);
/// a * b + c with one rounding.
uint32_t FFma(uint32_t a, uint32_t b, uint32_t c);
uint32_t FMax(uint32_t a, uint32_t b);
uint32_t FMin(uint32_t a, uint32_t b);
bool FLt(uint32_t a, uint32_t b);
bool FLe(uint32_t a, uint32_t b);
bool FEq(uint32_t a, uint32_t b);
uint32_t IntToF(int32_t v);
int32_t FToInt(uint32_t a);
uint32_t F16ToF32(uint16_t h);
uint16_t F32ToF16(uint32_t f);

float AsFloat(uint32_t bits);
uint32_t AsBits(float f);

}  // namespace wafersim::isa
