// The first firmware on the RTL tile (in lockstep with the reference model), each checked
// against a double-precision reference with a stated tolerance, and held to its cycle cost.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "tile/kernel_runner.h"

using namespace wafersim;
using namespace wafersim::tb;

namespace {

std::vector<float> Random(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Relative error of a binary32 result against a double reference, scaled by `scale` (the
// sum of magnitudes for sums, where cancellation makes plain relative error meaningless).
double Err(float got, double want, double scale) { return std::abs(static_cast<double>(got) - want) / scale; }

}  // namespace

TEST_CASE("dot product kernel", "[kernel]") {
  const size_t n = 512;
  const auto x = Random(n, 1), y = Random(n, 2);
  KernelRun k("dot");
  k.Word("n", n);
  k.Floats("x", x);
  k.Floats("y", y);
  const auto st = k.Run();
  REQUIRE(st.halted);
  REQUIRE(st.error == 0);
  double want = 0, mag = 0;
  for (size_t i = 0; i < n; ++i) want += double(x[i]) * y[i], mag += std::abs(double(x[i]) * y[i]);
  CHECK(Err(k.ReadFloat("result"), want, mag) < 1e-6);  // sequential binary32 FMAs
  CHECK(st.cycles < n + 40);                              // one element per cycle
}

TEST_CASE("AXPY kernel", "[kernel]") {
  const size_t n = 300;
  const auto x = Random(n, 3), y = Random(n, 4);
  KernelRun k("axpy");
  k.Word("n", n);
  k.Float("a", 0.75f);
  k.Floats("x", x);
  k.Floats("y", y);
  const auto st = k.Run();
  REQUIRE(st.error == 0);
  for (size_t i = 0; i < n; ++i) {
    const double want = double(y[i]) + 0.75 * x[i];
    REQUIRE(k.ReadFloat("y", static_cast<uint32_t>(i)) == static_cast<float>(std::fma(0.75f, x[i], y[i])));
    CHECK(std::abs(k.ReadFloat("y", static_cast<uint32_t>(i)) - want) <= 6e-8 * std::max(1.0, std::abs(want)));
  }
  CHECK(st.cycles < n + 40);
}

TEST_CASE("matrix-vector row block kernels, binary32 and binary16", "[kernel]") {
  const int rows = 16, cols = 128;
  const auto w = Random(rows * cols, 5), x = Random(cols, 6);
  for (const char* kernel : {"gemv_rows", "gemv_rows_f16"}) {
    const bool half = std::string(kernel).find("f16") != std::string::npos;
    KernelRun k(kernel);
    k.Word("rows", rows);
    k.Word("cols", cols);
    if (half) {
      k.Halves("W", w);
      k.Halves("x", x);
    } else {
      k.Floats("W", w);
      k.Floats("x", x);
    }
    const auto st = k.Run();
    REQUIRE(st.error == 0);
    for (int r = 0; r < rows; ++r) {
      double want = 0, mag = 0;
      for (int j = 0; j < cols; ++j) {
        // The reference uses the operands as stored (binary16 rounding is the data's, not
        // the kernel's error).
        const double a = half ? isa::AsFloat(isa::F16ToF32(isa::F32ToF16(isa::AsBits(w[r * cols + j])))) : w[r * cols + j];
        const double b = half ? isa::AsFloat(isa::F16ToF32(isa::F32ToF16(isa::AsBits(x[j])))) : x[j];
        want += a * b;
        mag += std::abs(a * b);
      }
      INFO(kernel << " row " << r);
      CHECK(Err(k.ReadFloat("y", static_cast<uint32_t>(r)), want, mag) < 1e-6);
    }
    // binary32: a cycle per element; binary16: four lanes.
    const double per_row = half ? cols / 4.0 : cols;
    CHECK(st.cycles < rows * (per_row + 12) + 30);
  }
}

TEST_CASE("receive-multiply-accumulate on a fabric stream", "[kernel]") {
  const size_t n = 200;
  const auto s = Random(n, 7), y = Random(n, 8);
  KernelRun k("recv_mac");
  k.Word("n", n);
  k.Float("a", -1.5f);
  k.Floats("y", y);
  for (float v : s) {
    noc::Wavelet w;
    w.color = 1;
    w.data = isa::AsBits(v);
    k.Ls().Feed(noc::Dir::West, w);
  }
  const auto st = k.Run();
  REQUIRE(st.error == 0);
  for (size_t i = 0; i < n; ++i) {
    REQUIRE(k.ReadFloat("y", static_cast<uint32_t>(i)) == std::fma(s[i], -1.5f, y[i]));
  }
  CHECK(st.cycles < n + 60);  // streams at the link's one wavelet per cycle
}

TEST_CASE("max and sum reductions", "[kernel]") {
  const size_t n = 777;
  const auto x = Random(n, 9, -50.0f, 50.0f);
  KernelRun k("reduce");
  k.Word("n", n);
  k.Floats("x", x);
  const auto st = k.Run();
  REQUIRE(st.error == 0);
  double sum = 0, mag = 0;
  float mx = -INFINITY;
  for (float v : x) sum += v, mag += std::abs(v), mx = std::max(mx, v);
  CHECK(k.ReadFloat("max") == mx);
  CHECK(Err(k.ReadFloat("sum"), sum, mag) < 1e-6);
}

TEST_CASE("exp kernel: range reduction and polynomial within 4 ulp", "[kernel]") {
  std::vector<float> x = Random(200, 10, -20.0f, 20.0f);
  for (float v : {0.0f, -0.0f, 1.0f, -1.0f, 88.7f, 89.0f, -87.0f, -100.0f, -104.0f, 1e-8f, 0.34657f})
    x.push_back(v);
  KernelRun k("exp");
  k.Word("n", x.size());
  k.Floats("x", x);
  const auto st = k.Run();
  REQUIRE(st.error == 0);
  for (size_t i = 0; i < x.size(); ++i) {
    const float got = k.ReadFloat("x", static_cast<uint32_t>(i));
    const double want = std::exp(double(x[i]));
    INFO("exp(" << x[i] << ") = " << got << ", want " << want);
    if (want > 3.4028234663852886e38) {
      CHECK(std::isinf(got));
    } else if (want < 1.1754943508222875e-38) {
      CHECK(std::abs(got - want) <= 4 * 1.401298464324817e-45);  // subnormal: absolute ulps
    } else {
      CHECK(std::abs(got - want) / want < 4 * 5.96e-8);
    }
  }
}

TEST_CASE("softmax kernel on one tile", "[kernel]") {
  const size_t n = 256;
  const auto x = Random(n, 11, -8.0f, 8.0f);
  KernelRun k("softmax");
  k.Word("n", n);
  k.Floats("x", x);
  const auto st = k.Run();
  REQUIRE(st.error == 0);
  double m = -INFINITY, s = 0;
  for (float v : x) m = std::max(m, double(v));
  for (float v : x) s += std::exp(double(v) - m);
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    const double want = std::exp(double(x[i]) - m) / s;
    const float got = k.ReadFloat("y", static_cast<uint32_t>(i));
    total += got;
    INFO("element " << i);
    CHECK(std::abs(got - want) / want < 2e-6);  // exp (4 ulp), the sum and 1/s: a few ulp
  }
  CHECK(total == Approx(1.0).epsilon(1e-5));
}
