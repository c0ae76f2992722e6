// Two fast tiles that must behave alike (other colors, running tensor operations ahead or
// stepping them): what a test compares every cycle, after evaluation, and at the end.
#pragma once

#include <catch2/catch.hpp>

#include "fast_tile.h"

namespace wafersim::tb {

/// The cycle just evaluated: pc, retirement, stall, wait, classification, registers.
inline void RequireSameCycle(const fabric::FastTile& a, const fabric::FastTile& b) {
  REQUIRE(a.Pc() == b.Pc());
  REQUIRE(a.Retired() == b.Retired());
  REQUIRE(a.Stalled() == b.Stalled());
  REQUIRE(a.Wait() == b.Wait());
  REQUIRE(a.LastActivity() == b.LastActivity());
  for (int i = 0; i < 16; ++i) REQUIRE(a.Reg(i) == b.Reg(i));
}

/// The end: the SRAM's bytes, accesses and peak, the error, and every counter.
inline void RequireSameEnd(const fabric::FastTile& a, const fabric::FastTile& b) {
  REQUIRE(a.Error() == b.Error());
  REQUIRE(a.Sram().Bytes() == b.Sram().Bytes());
  REQUIRE(a.Sram().Reads() == b.Sram().Reads());
  REQUIRE(a.Sram().Writes() == b.Sram().Writes());
  REQUIRE(a.Sram().PeakBytes() == b.Sram().PeakBytes());
  REQUIRE(a.Counters().retired == b.Counters().retired);
  REQUIRE(a.Counters().dispatched == b.Counters().dispatched);
  REQUIRE(a.Counters().cycles == b.Counters().cycles);
  REQUIRE(a.Counters().sent == b.Counters().sent);
}

}  // namespace wafersim::tb
