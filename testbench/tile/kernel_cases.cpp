#include "tile/kernel_cases.h"

#include <cmath>
#include <random>

#include <fmt/format.h>

#include "tile/kernel_runner.h"

namespace wafersim::tb {

namespace {
double Rel(double got, double want) { return std::abs(got - want) / std::max(1e-30, std::abs(want)); }
}  // namespace

std::vector<float> RandomFloats(size_t n, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

KernelOutcome RunDot(size_t n) {
  const auto x = RandomFloats(n, 1, -1, 1), y = RandomFloats(n, 2, -1, 1);
  KernelRun k("dot");
  k.Word("n", static_cast<uint32_t>(n));
  k.Floats("x", x);
  k.Floats("y", y);
  KernelOutcome o{"dot", fmt::format("n={}", n), k.Run(), double(n)};
  double want = 0, mag = 0;
  for (size_t i = 0; i < n; ++i) want += double(x[i]) * y[i], mag += std::abs(double(x[i]) * y[i]);
  o.max_error = std::abs(k.ReadFloat("result") - want) / mag;
  return o;
}

KernelOutcome RunAxpy(size_t n) {
  const auto x = RandomFloats(n, 3, -1, 1), y = RandomFloats(n, 4, -1, 1);
  KernelRun k("axpy");
  k.Word("n", static_cast<uint32_t>(n));
  k.Float("a", 0.75f);
  k.Floats("x", x);
  k.Floats("y", y);
  KernelOutcome o{"axpy", fmt::format("n={}", n), k.Run(), double(n)};
  for (size_t i = 0; i < n; ++i) {
    const float got = k.ReadFloat("y", static_cast<uint32_t>(i));
    o.exact &= got == std::fma(0.75f, x[i], y[i]);
    o.max_error = std::max(o.max_error, Rel(got, double(y[i]) + 0.75 * x[i]));
  }
  return o;
}

KernelOutcome RunGemvRows(int rows, int cols, bool f16) {
  const auto w = RandomFloats(static_cast<size_t>(rows) * cols, 5, -1, 1), x = RandomFloats(cols, 6, -1, 1);
  KernelRun k(f16 ? "gemv_rows_f16" : "gemv_rows");
  k.Word("rows", static_cast<uint32_t>(rows));
  k.Word("cols", static_cast<uint32_t>(cols));
  if (f16) {
    k.Halves("W", w);
    k.Halves("x", x);
  } else {
    k.Floats("W", w);
    k.Floats("x", x);
  }
  KernelOutcome o{f16 ? "gemv_rows_f16" : "gemv_rows", fmt::format("{}x{}", rows, cols), k.Run(),
                  double(rows) * cols / (f16 ? 4.0 : 1.0)};
  // The reference uses the operands as stored: binary16 rounding is the data's, not the kernel's.
  auto stored = [&](float v) {
    return f16 ? double(isa::AsFloat(isa::F16ToF32(isa::F32ToF16(isa::AsBits(v))))) : double(v);
  };
  for (int r = 0; r < rows; ++r) {
    double want = 0, mag = 0;
    for (int j = 0; j < cols; ++j) {
      const double p = stored(w[static_cast<size_t>(r) * cols + j]) * stored(x[j]);
      want += p;
      mag += std::abs(p);
    }
    o.max_error = std::max(o.max_error, std::abs(k.ReadFloat("y", static_cast<uint32_t>(r)) - want) / mag);
  }
  return o;
}

KernelOutcome RunRecvMac(size_t n) {
  const auto s = RandomFloats(n, 7, -1, 1), y = RandomFloats(n, 8, -1, 1);
  KernelRun k("recv_mac");
  k.Word("n", static_cast<uint32_t>(n));
  k.Float("a", -1.5f);
  k.Floats("y", y);
  for (float v : s) {
    noc::Wavelet w;
    w.color = 1;
    w.data = isa::AsBits(v);
    k.Ls().Feed(noc::Dir::West, w);
  }
  KernelOutcome o{"recv_mac", fmt::format("n={}", n), k.Run(), double(n)};
  for (size_t i = 0; i < n; ++i) {
    const float got = k.ReadFloat("y", static_cast<uint32_t>(i));
    o.exact &= got == std::fma(s[i], -1.5f, y[i]);
    o.max_error = std::max(o.max_error, Rel(got, double(y[i]) - 1.5 * s[i]));
  }
  return o;
}

KernelOutcome RunReduce(size_t n) {
  const auto x = RandomFloats(n, 9, -50, 50);
  KernelRun k("reduce");
  k.Word("n", static_cast<uint32_t>(n));
  k.Floats("x", x);
  KernelOutcome o{"reduce", fmt::format("n={}", n), k.Run(), 2.0 * n};
  double sum = 0, mag = 0;
  float mx = -INFINITY;
  for (float v : x) sum += v, mag += std::abs(v), mx = std::max(mx, v);
  o.exact = k.ReadFloat("max") == mx;
  o.max_error = std::abs(k.ReadFloat("sum") - sum) / mag;
  return o;
}

KernelOutcome RunExp(const std::vector<float>& x) {
  KernelRun k("exp");
  k.Word("n", static_cast<uint32_t>(x.size()));
  k.Floats("x", x);
  KernelOutcome o{"exp", fmt::format("n={}", x.size()), k.Run(), double(x.size())};
  for (size_t i = 0; i < x.size(); ++i) {
    const float got = k.ReadFloat("x", static_cast<uint32_t>(i));
    const double want = std::exp(double(x[i]));
    double ulps;
    if (want > 3.4028234663852886e38) {
      ulps = std::isinf(got) ? 0 : 1e9;
    } else {
      // One ulp of the correctly rounded result (the subnormal spacing below the normals).
      const double ulp = want < 1.1754943508222875e-38 ? 1.401298464324817e-45
                                                       : std::ldexp(1.0, std::ilogb(want) - 23);
      ulps = std::abs(got - want) / ulp;
    }
    o.max_error = std::max(o.max_error, ulps);
  }
  return o;
}

KernelOutcome RunSoftmax(size_t n) {
  const auto x = RandomFloats(n, 11, -8, 8);
  KernelRun k("softmax");
  k.Word("n", static_cast<uint32_t>(n));
  k.Floats("x", x);
  KernelOutcome o{"softmax", fmt::format("n={}", n), k.Run(), 3.0 * n};
  double m = -INFINITY, s = 0;
  for (float v : x) m = std::max(m, double(v));
  for (float v : x) s += std::exp(double(v) - m);
  for (size_t i = 0; i < n; ++i) {
    o.max_error = std::max(o.max_error, Rel(k.ReadFloat("y", static_cast<uint32_t>(i)), std::exp(double(x[i]) - m) / s));
  }
  return o;
}

}  // namespace wafersim::tb
