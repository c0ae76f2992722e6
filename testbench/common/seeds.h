// Seeds for random tests: first..first+N-1 with N from WAFERSIM_SEEDS (default `fallback`),
// or only WAFERSIM_SEED, to reproduce one failing seed.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace wafersim::tb {

inline std::vector<uint64_t> Seeds(uint64_t first, uint64_t fallback) {
  if (const char* one = std::getenv("WAFERSIM_SEED")) return {std::strtoull(one, nullptr, 10)};
  const char* env = std::getenv("WAFERSIM_SEEDS");
  const uint64_t n = env ? std::strtoull(env, nullptr, 10) : fallback;
  std::vector<uint64_t> seeds;
  for (uint64_t s = first; s < first + n; ++s) seeds.push_back(s);
  return seeds;
}

}  // namespace wafersim::tb
