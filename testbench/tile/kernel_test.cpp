// The first firmware on the RTL tile (in lockstep with the reference model), each checked
// against a double-precision reference with a stated tolerance, and held to its cycle cost.
#include <catch2/catch.hpp>

#include "tile/kernel_cases.h"

using namespace wafersim::tb;

namespace {
void CheckRan(const KernelOutcome& o) {
  INFO(o.kernel << " " << o.size);
  REQUIRE(o.stats.halted);
  REQUIRE(o.stats.error == 0);
}
}  // namespace

TEST_CASE("dot product kernel", "[kernel]") {
  const auto o = RunDot(512);
  CheckRan(o);
  CHECK(o.max_error < 1e-6);            // sequential binary32 FMAs, of the sum of |x*y|
  CHECK(o.stats.cycles < o.bound + 40);  // one element per cycle
}

TEST_CASE("AXPY kernel", "[kernel]") {
  const auto o = RunAxpy(300);
  CheckRan(o);
  CHECK(o.exact);                        // every element is fmaf(a, x, y)
  CHECK(o.stats.cycles < o.bound + 40);
}

TEST_CASE("matrix-vector row block kernels, binary32 and binary16", "[kernel]") {
  for (bool f16 : {false, true}) {
    const auto o = RunGemvRows(16, 128, f16);
    CheckRan(o);
    CHECK(o.max_error < 1e-6);
    // A cycle per element (four binary16 lanes), plus a dozen per row for the loop.
    CHECK(o.stats.cycles < o.bound + 16 * 12 + 30);
  }
}

TEST_CASE("receive-multiply-accumulate on a fabric stream", "[kernel]") {
  const auto o = RunRecvMac(200);
  CheckRan(o);
  CHECK(o.exact);
  CHECK(o.stats.cycles < o.bound + 60);  // the link's one wavelet per cycle
}

TEST_CASE("max and sum reductions", "[kernel]") {
  const auto o = RunReduce(777);
  CheckRan(o);
  CHECK(o.exact);  // the maximum
  CHECK(o.max_error < 1e-6);
}

TEST_CASE("exp kernel: range reduction and polynomial within 4 ulp", "[kernel]") {
  std::vector<float> x = RandomFloats(200, 10, -20.0f, 20.0f);
  for (float v : {0.0f, -0.0f, 1.0f, -1.0f, 88.7f, 89.0f, -87.0f, -100.0f, -104.0f, 1e-8f, 0.34657f}) {
    x.push_back(v);
  }
  const auto o = RunExp(x);
  CheckRan(o);
  CHECK(o.max_error <= 4);
}

TEST_CASE("softmax kernel on one tile", "[kernel]") {
  const auto o = RunSoftmax(256);
  CheckRan(o);
  CHECK(o.max_error < 2e-6);  // exp (4 ulp), the sum and 1/s: a few ulp
}
