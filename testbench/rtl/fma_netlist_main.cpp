// The yosys netlist of fp32_fma (scripts/synth fp32_fma) against the golden arithmetic:
// the synthesized gates compute the same bits as the RTL was verified to.
#include <cstdio>
#include <memory>
#include <random>

#include "Vfp32_fma.h"
#include "isa/fp.h"
#include "verilated.h"

int main() {
  auto ctx = std::make_unique<VerilatedContext>();
  Vfp32_fma m(ctx.get());
  std::mt19937_64 rng(99);
  static const uint32_t kSpecial[] = {0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000,
                                      0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0x3f800000};
  auto operand = [&]() -> uint32_t {
    switch (rng() % 4) {
      case 0: return kSpecial[rng() % 10];
      case 1: return static_cast<uint32_t>(rng()) & 0x807fffffu;
      default: return static_cast<uint32_t>(rng());
    }
  };
  int bad = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const uint32_t a = operand(), b = operand();
    const uint32_t c = (i & 1) ? wafersim::isa::FMul(a, b) ^ 0x80000000u : operand();
    m.a_i = a;
    m.b_i = b;
    m.c_i = c;
    m.eval();
    if (m.r_o != wafersim::isa::FFma(a, b, c) && ++bad <= 5) {
      std::printf("mismatch: a=%08x b=%08x c=%08x netlist=%08x golden=%08x\n", a, b, c, m.r_o,
                  wafersim::isa::FFma(a, b, c));
    }
  }
  std::printf("fp32_fma netlist: %d operand sets, %d mismatches\n", n, bad);
  m.final();
  return bad == 0 ? 0 : 1;
}
