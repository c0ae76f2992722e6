// A mapping run on fast tiles against the same mapping on RTL tiles: both right, with the same
// cycles, phases and output.
#pragma once

#include <catch2/catch.hpp>

#include "runtime/kernel_run.h"

namespace wafersim::testbench {

inline void CheckSameRun(const runtime::KernelResult& rtl, const runtime::KernelResult& fast) {
  INFO(rtl.check << "; " << fast.check);
  CHECK(rtl.correct);
  CHECK(fast.correct);
  CHECK(fast.cycles == rtl.cycles);
  REQUIRE(fast.phases.size() == rtl.phases.size());
  for (size_t i = 0; i < rtl.phases.size(); ++i) CHECK(fast.phases[i].max_cycles == rtl.phases[i].max_cycles);
  CHECK(fast.output == rtl.output);
}

}  // namespace wafersim::testbench
