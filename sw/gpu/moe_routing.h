// Tokens per expert for an MoE layer: given as a list, or drawn from a seeded distribution.
// Draws use the raw 64-bit Mersenne Twister (std::mt19937_64, whose sequence the standard fixes)
// and no std:: distributions, so a seed gives the same counts on every compiler and library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wafersim::gpu {

struct Routing {
  std::string kind = "uniform";  ///< "balanced", "uniform" or "zipf"
  double skew = 1.0;             ///< zipf exponent: expert e is picked with weight 1/(e+1)^skew
  uint64_t seed = 1;
};

/// Each of `tokens` tokens picks `top_k` distinct experts of `experts`:
///  balanced: exactly even counts (the remainder to the first experts);
///  uniform:  every expert equally likely;
///  zipf:     expert e with weight 1/(e+1)^skew (a few hot experts).
/// Throws std::invalid_argument naming the flag for impossible inputs.
std::vector<int64_t> RouteTokens(int64_t tokens, int64_t experts, int64_t top_k, const Routing& r);
/// "12,0,7" -> {12, 0, 7}; throws naming --expert-tokens.
std::vector<int64_t> ParseExpertTokens(const std::string& text);

}  // namespace wafersim::gpu
