// The `attention` kernel: --phase decode (one new query per sequence against the KV cache,
// attention_decode_mapper.h) or prefill (causal attention over the prompt,
// attention_prefill_mapper.h), and what the two mappers share: bands of region rows per
// (sequence, kv head) group, and the reference with its tolerance. Both are Plan builders.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/attention_cost.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"
#include "runtime/mapping_util.h"

namespace wafersim::runtime {

/// Throws std::invalid_argument naming the flag when --phase or the shape is wrong.
plan::Plan BuildAttentionPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapAttention(const KernelRequest& request, const fabric::FabricConfig& fabric);

namespace attention {

/// `plan` lowered; a program too long for instruction memory (its code grows with the groups
/// a tile holds) is refused with the groups per tile and what to change.
KernelMapping LowerGrouped(const plan::Plan& plan, const fabric::FabricConfig& fabric);

/// Checks --batch, --heads, --kv-heads and --head-dim, which decode and prefill share
/// (std::invalid_argument naming the flag); returns the kv heads (--kv-heads 0: --heads).
int CheckHeads(const KernelRequest& request);

/// One query row's attention in double, o = sum_t w_t v_t with w = softmax(scores) (scores
/// already scaled), into `o` (d elements), and into `tol` the largest error a binary32
/// computation may make: `eta[t]` bounds the relative error of the t-th weight as the fabric
/// applies it (exponentials, their arguments, rescalings), `roundings` the binary32 roundings
/// of the longest sum (l, and each element of O); the final 1/l and product add 3u.
void SoftmaxRow(const std::vector<double>& scores, const std::vector<double>& eta, int d, double roundings,
                const std::function<const float*(int64_t)>& v, double* o, double* tol);

}  // namespace attention

}  // namespace wafersim::runtime
