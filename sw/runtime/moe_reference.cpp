#include "runtime/moe_reference.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "isa/fp.h"

namespace wafersim::runtime {

namespace {

float ToF16(float v) { return isa::AsFloat(isa::F16ToF32(isa::F32ToF16(isa::AsBits(v)))); }

}  // namespace

MoeInputs RandomMoeInputs(const MoeShape& s, const MoeFormat& format, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  // The same draws for either format: binary16 storage rounds the weights once.
  auto stored = [&](float v) { return format.f16 ? ToF16(v) : v; };
  const size_t d = static_cast<size_t>(s.d_model), f = static_cast<size_t>(s.d_ff);
  MoeInputs in;
  in.x.resize(static_cast<size_t>(s.tokens) * d);
  in.gate.resize(static_cast<size_t>(s.experts) * d);
  for (auto& v : in.x) v = dist(rng);
  for (auto& v : in.gate) v = stored(dist(rng));
  // Projections scaled by 1/sqrt(fan-in), as a trained layer's are, so the hidden units and
  // the output stay near unit size.
  const float in_scale = 1.0f / std::sqrt(float(s.d_model)), out_scale = 1.0f / std::sqrt(float(s.d_ff));
  for (int e = 0; e < s.experts; ++e) {
    for (auto* w : {&in.w1, &in.w3, &in.w2}) {
      const float scale = w == &in.w2 ? out_scale : in_scale;
      std::vector<float> m(f * d);
      for (auto& v : m) v = stored(dist(rng) * scale);
      w->push_back(std::move(m));
    }
  }
  return in;
}

MoeAnswer MoeReference(const MoeShape& s, const MoeFormat& format, const MoeInputs& in,
                       const std::vector<int>& tiles_per_expert, int max_hidden_per_tile) {
  const double u = std::ldexp(1.0, -24);
  const size_t d = static_cast<size_t>(s.d_model);
  // The tokens as the tiles hold them: binary16 storage rounds them once, in the gate tile, and
  // nothing else on the fabric rounds to binary16 (the weights go in as stored, the products
  // and sums are binary32), so the binary32 bound below holds against the values as stored.
  std::vector<float> tokens = in.x;
  if (format.f16) {
    for (auto& v : tokens) v = ToF16(v);
  }
  const size_t lanes = format.f16 ? static_cast<size_t>(format.lanes) : 1;
  MoeAnswer a;
  a.tokens_per_expert.assign(static_cast<size_t>(s.experts), 0);
  a.y.assign(static_cast<size_t>(s.tokens) * d, 0.0);
  a.tolerance.assign(a.y.size(), 0.0);
  std::vector<double> err(d), magnitude(d);
  for (int t = 0; t < s.tokens; ++t) {
    const float* x = &tokens[static_cast<size_t>(t) * d];
    // The gate's logits as the fabric computes them (per lane a chain of fused multiply-adds
    // from +0, then the lanes added in order), for the choice; in double, with their error
    // bounds, for the weights. With L lanes a chain is ceil(D/L) + L - 1 roundings, within D's
    // bound (for D < L the extra lanes add zeros, exactly).
    std::vector<uint32_t> logit_bits(static_cast<size_t>(s.experts));
    std::vector<double> logit(static_cast<size_t>(s.experts)), logit_err(static_cast<size_t>(s.experts));
    std::vector<uint32_t> acc(lanes);
    for (int e = 0; e < s.experts; ++e) {
      const float* g = &in.gate[static_cast<size_t>(e) * d];
      std::fill(acc.begin(), acc.end(), 0u);
      double sum = 0, mag = 0;
      for (size_t i = 0; i < d; ++i) {
        acc[i % lanes] = isa::FFma(isa::AsBits(g[i]), isa::AsBits(x[i]), acc[i % lanes]);
        sum += double(g[i]) * double(x[i]);
        mag += std::fabs(double(g[i]) * double(x[i]));
      }
      logit_bits[e] = acc[0];
      for (size_t k = 1; k < lanes; ++k) logit_bits[e] = isa::FAdd(logit_bits[e], acc[k]);
      logit[e] = sum;
      logit_err[e] = double(d) * u * mag;
    }
    // Top-k as the gate tile does it: k passes, each taking the first largest not yet taken.
    std::vector<int> chosen;
    std::vector<bool> taken(static_cast<size_t>(s.experts), false);
    for (int j = 0; j < s.top_k; ++j) {
      int best = -1;
      uint32_t best_bits = isa::kNegInf;
      for (int e = 0; e < s.experts; ++e) {
        if (!taken[e] && isa::FLt(best_bits, logit_bits[e])) {
          best = e;
          best_bits = logit_bits[e];
        }
      }
      if (best < 0) break;  // only NaN logits left: the tile takes none either
      taken[best] = true;
      chosen.push_back(best);
      ++a.tokens_per_expert[best];
    }
    a.chosen.push_back(chosen);
    if (chosen.empty()) continue;

    // Weights: the softmax of the chosen logits. First-order error: the logits' errors (twice,
    // through the shift and the sum), the shift's rounding, and the binary32 steps (exp_f32
    // under 4 ulp, the sum k, Newton's reciprocal 3, the scaling 1), with room.
    const double top = logit[chosen[0]];
    double z_sum = 0, max_logit_err = 0, max_shift = 0;
    for (int c : chosen) {
      z_sum += std::exp(logit[c] - top);
      max_logit_err = std::max(max_logit_err, logit_err[c]);
      max_shift = std::max(max_shift, std::fabs(logit[c] - top));
    }
    const double weight_rel = 2 * max_logit_err + 2 * u * max_shift + (12 + s.top_k) * u;

    std::fill(err.begin(), err.end(), 0.0);
    std::fill(magnitude.begin(), magnitude.end(), 0.0);
    int combine_tiles = 0;
    for (int c : chosen) {
      combine_tiles += tiles_per_expert[c];
      const double w = std::exp(logit[c] - top) / z_sum;
      for (int i = 0; i < s.d_ff; ++i) {
        const float* w1 = &in.w1[c][static_cast<size_t>(i) * d];
        const float* w3 = &in.w3[c][static_cast<size_t>(i) * d];
        const float* w2 = &in.w2[c][static_cast<size_t>(i) * d];
        double g = 0, g_mag = 0, up = 0, up_mag = 0;
        for (size_t q = 0; q < d; ++q) {
          g += double(w1[q]) * double(x[q]);
          g_mag += std::fabs(double(w1[q]) * double(x[q]));
          up += double(w3[q]) * double(x[q]);
          up_mag += std::fabs(double(w3[q]) * double(x[q]));
        }
        const double silu = g / (1.0 + std::exp(-g));
        // silu' is at most 1.1; exp_f32, 1 + e, the reciprocal and the product: under 10 ulp.
        const double silu_err = 1.1 * double(d) * u * g_mag + 10 * u * std::fabs(silu);
        const double h = silu * up * w;
        const double h_err = w * (std::fabs(up) * silu_err + std::fabs(silu) * double(d) * u * up_mag +
                                  2 * u * std::fabs(silu * up)) +
                             std::fabs(silu * up) * w * weight_rel;
        for (size_t j = 0; j < d; ++j) {
          const double p = h * double(w2[j]);
          a.y[static_cast<size_t>(t) * d + j] += p;
          err[j] += h_err * std::fabs(double(w2[j])) + double(max_hidden_per_tile) * u * std::fabs(p);
          magnitude[j] += std::fabs(p);
        }
      }
    }
    // The combine chain: one rounding per tile whose partial output is not zero.
    for (size_t j = 0; j < d; ++j) {
      a.tolerance[static_cast<size_t>(t) * d + j] = 2 * (err[j] + double(combine_tiles) * u * magnitude[j]) + 1e-30;
    }
  }
  for (size_t i = 0; i < a.tolerance.size(); ++i) {
    if (a.tolerance[i] == 0) a.tolerance[i] = 1e-30;  // a token with no expert: y is exactly 0
  }
  return a;
}

}  // namespace wafersim::runtime
