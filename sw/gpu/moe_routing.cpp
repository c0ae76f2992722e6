#include "gpu/moe_routing.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::gpu {

namespace {
/// A double in [0, 1) from the top 53 bits.
double Uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
}  // namespace

std::vector<int64_t> RouteTokens(int64_t tokens, int64_t experts, int64_t top_k, const Routing& r) {
  if (tokens <= 0) throw std::invalid_argument(fmt::format("--tokens {}: must be a positive integer", tokens));
  if (experts <= 0) throw std::invalid_argument(fmt::format("--experts {}: must be a positive integer", experts));
  if (top_k <= 0 || top_k > experts) {
    throw std::invalid_argument(fmt::format("--top-k {}: must be 1..{} (--experts)", top_k, experts));
  }
  if (experts > 4096) throw std::invalid_argument(fmt::format("--experts {}: at most 4096", experts));
  std::vector<int64_t> counts(static_cast<size_t>(experts), 0);
  if (r.kind == "balanced") {
    const int64_t total = tokens * top_k;
    for (int64_t e = 0; e < experts; ++e) counts[e] = total / experts + (e < total % experts ? 1 : 0);
    return counts;
  }
  std::vector<double> weight(static_cast<size_t>(experts), 1.0);
  if (r.kind == "zipf") {
    if (!(r.skew >= 0) || r.skew > 10) throw std::invalid_argument(fmt::format("--skew {}: must be in [0, 10]", r.skew));
    for (int64_t e = 0; e < experts; ++e) weight[e] = 1.0 / std::pow(static_cast<double>(e + 1), r.skew);
  } else if (r.kind != "uniform") {
    throw std::invalid_argument(fmt::format("--routing {}: unknown (known: balanced, uniform, zipf)", r.kind));
  }
  if (tokens * top_k > 200'000'000) {
    throw std::invalid_argument(fmt::format("--tokens {}: at most 2e8 routed token copies", tokens));
  }
  std::vector<double> cumulative(weight.size());
  std::partial_sum(weight.begin(), weight.end(), cumulative.begin());
  const double total_weight = cumulative.back();
  std::mt19937_64 rng(r.seed);
  std::vector<int64_t> picked;
  for (int64_t t = 0; t < tokens; ++t) {
    picked.clear();
    while (static_cast<int64_t>(picked.size()) < top_k) {
      // Draw by weight; redraw an expert this token already has (a few tries, then take the
      // heaviest expert it does not have, so the loop always ends).
      int64_t e = -1;
      for (int tries = 0; tries < 64 && e < 0; ++tries) {
        const double u = Uniform01(rng) * total_weight;
        const int64_t c = std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin();
        const int64_t cand = std::min<int64_t>(c, experts - 1);
        if (std::find(picked.begin(), picked.end(), cand) == picked.end()) e = cand;
      }
      for (int64_t c = 0; e < 0 && c < experts; ++c) {
        if (std::find(picked.begin(), picked.end(), c) == picked.end()) e = c;
      }
      picked.push_back(e);
      ++counts[e];
    }
  }
  return counts;
}

std::vector<int64_t> ParseExpertTokens(const std::string& text) {
  std::vector<int64_t> counts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (part.empty() || used != part.size() || v < 0) {
      throw std::invalid_argument(
          fmt::format("--expert-tokens {}: expected a comma-separated list of token counts (>= 0)", text));
    }
    counts.push_back(v);
  }
  if (counts.empty() || (!text.empty() && text.back() == ',')) {
    throw std::invalid_argument(
        fmt::format("--expert-tokens {}: expected a comma-separated list of token counts (>= 0)", text));
  }
  return counts;
}

}  // namespace wafersim::gpu
