// The `attention` kernel: --phase decode (one new query per sequence against the KV cache,
// attention_decode_mapper.h) or prefill (causal attention over the prompt,
// attention_prefill_mapper.h), and what the two mappers share: bands of region rows per
// (sequence, kv head) group, route words, and the reference with its tolerance.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "fabric_config.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// Throws std::invalid_argument naming the flag when --phase or the shape is wrong.
KernelMapping MapAttention(const KernelRequest& request, const fabric::FabricConfig& fabric);

namespace attention {

inline constexpr double kU = 0x1p-24;  ///< binary32 unit roundoff
/// The largest relative error of firmware/kernels/exp_f32.s on a normal result (derived in
/// docs/mapping.md; a result below 2^-126 is off by at most 2^-150 + E 2^-126).
inline constexpr double kExpF32RelativeError = 3.8e-7;
inline constexpr uint32_t kPortNorth = 1, kPortEast = 2, kPortSouth = 4, kPortWest = 8, kPortCore = 16;

inline uint32_t Route(uint32_t rx, uint32_t tx) { return rx | (tx << 5); }
inline uint32_t Align(uint32_t v, uint32_t a) { return (v + a - 1) / a * a; }
/// n items over p parts as evenly as possible: part i has Share(n, p, i) from Start(n, p, i).
inline int64_t Share(int64_t n, int64_t p, int64_t i) { return n / p + (i < n % p ? 1 : 0); }
inline int64_t Start(int64_t n, int64_t p, int64_t i) { return i * (n / p) + std::min<int64_t>(i, n % p); }
/// Assembly that makes `color` static with one switch position (clobbers r1, r2).
inline std::string RouteConfig(int color, uint32_t route) {
  return fmt::format("        li      r1, {}\n        rcfg    r1, 4, r0\n"
                     "        li      r2, {}\n        rcfg    r1, 0, r2\n",
                     color, route);
}

/// Region rows [row0, row0 + rows) serve groups [group0, group0 + groups) (a group is one
/// sequence's kv head).
struct Band {
  int row0, rows, group0, groups;
};
/// One band of rows per group, or with more groups than rows one row per band holding several.
std::vector<Band> MakeBands(int64_t groups, int rows);

/// One query row's attention in double, o = sum_t w_t v_t with w = softmax(scores) (scores
/// already scaled), into `o` (d elements), and into `tol` the largest error a binary32
/// computation may make: `eta[t]` bounds the relative error of the t-th weight as the fabric
/// applies it (exponentials, their arguments, rescalings), `roundings` the binary32 roundings
/// of the longest sum (l, and each element of O); the final 1/l and product add 3u.
void SoftmaxRow(const std::vector<double>& scores, const std::vector<double>& eta, int d, double roundings,
                const std::function<const float*(int64_t)>& v, double* o, double* tol);

}  // namespace attention

}  // namespace wafersim::runtime
