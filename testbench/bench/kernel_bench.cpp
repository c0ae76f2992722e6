// Cycle counts of the first firmware on one RTL tile (in lockstep with the reference model),
// against each kernel's lower bound on the tile: one binary32 element per cycle through the
// tensor path (four binary16 lanes), one wavelet per cycle from the fabric.
// Usage: kernel_bench
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "tile/kernel_runner.h"

using namespace wafersim;
using namespace wafersim::tb;

namespace {

std::vector<float> Random(size_t n, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

void Row(const char* kernel, const std::string& size, const LockstepStats& st, double bound,
         double err) {
  fmt::print("{:<16} {:>14} {:>9} {:>9.0f} {:>7.1f}% {:>9} {:>10.2e}\n", kernel, size, st.cycles, bound,
             100.0 * bound / st.cycles, st.retired, err);
}

}  // namespace

int main() {
  fmt::print("{:<16} {:>14} {:>9} {:>9} {:>8} {:>9} {:>10}\n", "kernel", "size", "cycles", "bound",
             "eff", "instrs", "max err");
  {
    const size_t n = 1024;
    const auto x = Random(n, 1, -1, 1), y = Random(n, 2, -1, 1);
    KernelRun k("dot");
    k.Word("n", n);
    k.Floats("x", x);
    k.Floats("y", y);
    const auto st = k.Run();
    double want = 0, mag = 0;
    for (size_t i = 0; i < n; ++i) want += double(x[i]) * y[i], mag += std::abs(double(x[i]) * y[i]);
    Row("dot", fmt::format("n={}", n), st, n, std::abs(k.ReadFloat("result") - want) / mag);
  }
  {
    const size_t n = 1024;
    const auto x = Random(n, 3, -1, 1), y = Random(n, 4, -1, 1);
    KernelRun k("axpy");
    k.Word("n", n);
    k.Float("a", 0.75f);
    k.Floats("x", x);
    k.Floats("y", y);
    const auto st = k.Run();
    double err = 0;
    for (size_t i = 0; i < n; ++i) {
      const double want = double(y[i]) + 0.75 * x[i];
      err = std::max(err, std::abs(k.ReadFloat("y", static_cast<uint32_t>(i)) - want) / std::max(1e-30, std::abs(want)));
    }
    Row("axpy", fmt::format("n={}", n), st, n, err);
  }
  for (const char* kernel : {"gemv_rows", "gemv_rows_f16"}) {
    const int rows = 32, cols = 256;
    const bool half = std::string(kernel).find("f16") != std::string::npos;
    const auto w = Random(rows * cols, 5, -1, 1), x = Random(cols, 6, -1, 1);
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
    auto q = [&](float v) { return half ? double(isa::AsFloat(isa::F16ToF32(isa::F32ToF16(isa::AsBits(v))))) : double(v); };
    double err = 0;
    for (int r = 0; r < rows; ++r) {
      double want = 0, mag = 0;
      for (int j = 0; j < cols; ++j) want += q(w[r * cols + j]) * q(x[j]), mag += std::abs(q(w[r * cols + j]) * q(x[j]));
      err = std::max(err, std::abs(k.ReadFloat("y", static_cast<uint32_t>(r)) - want) / mag);
    }
    Row(kernel, fmt::format("{}x{}", rows, cols), st, rows * cols / (half ? 4.0 : 1.0), err);
  }
  {
    const size_t n = 1024;
    const auto s = Random(n, 7, -1, 1), y = Random(n, 8, -1, 1);
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
    double err = 0;
    for (size_t i = 0; i < n; ++i) {
      const double want = double(y[i]) - 1.5 * s[i];
      err = std::max(err, std::abs(k.ReadFloat("y", static_cast<uint32_t>(i)) - want) / std::max(1e-30, std::abs(want)));
    }
    Row("recv_mac", fmt::format("n={}", n), st, n, err);
  }
  {
    const size_t n = 1024;
    const auto x = Random(n, 9, -50, 50);
    KernelRun k("reduce");
    k.Word("n", n);
    k.Floats("x", x);
    const auto st = k.Run();
    double sum = 0, mag = 0;
    for (float v : x) sum += v, mag += std::abs(v);
    Row("reduce", fmt::format("n={}", n), st, 2.0 * n, std::abs(k.ReadFloat("sum") - sum) / mag);
  }
  {
    const size_t n = 256;
    const auto x = Random(n, 10, -20, 20);
    KernelRun k("exp");
    k.Word("n", n);
    k.Floats("x", x);
    const auto st = k.Run();
    double err = 0;
    for (size_t i = 0; i < n; ++i) {
      const double want = std::exp(double(x[i]));
      err = std::max(err, std::abs(k.ReadFloat("x", static_cast<uint32_t>(i)) - want) / want);
    }
    Row("exp", fmt::format("n={}", n), st, n, err);
  }
  {
    const size_t n = 256;
    const auto x = Random(n, 11, -8, 8);
    KernelRun k("softmax");
    k.Word("n", n);
    k.Floats("x", x);
    const auto st = k.Run();
    double m = -INFINITY, s = 0, err = 0;
    for (float v : x) m = std::max(m, double(v));
    for (float v : x) s += std::exp(double(v) - m);
    for (size_t i = 0; i < n; ++i) {
      const double want = std::exp(double(x[i]) - m) / s;
      err = std::max(err, std::abs(k.ReadFloat("y", static_cast<uint32_t>(i)) - want) / want);
    }
    Row("softmax", fmt::format("n={}", n), st, 3.0 * n, err);
  }
  fmt::print("bound: elements through the tensor path at one per cycle (f16: four per cycle);\n"
             "exp and softmax are bounded by their tensor passes only (their exp is scalar).\n");
  return 0;
}
