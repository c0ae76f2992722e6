#include "runtime/attention_mapper.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/plan_lowering.h"
#include "runtime/attention_decode_mapper.h"
#include "runtime/attention_prefill_mapper.h"

namespace wafersim::runtime {

plan::Plan BuildAttentionPlan(const KernelRequest& request, const fabric::FabricConfig& fabric) {
  if (request.phase == "decode") return BuildAttentionDecodePlan(request, fabric);
  if (request.phase == "prefill") return BuildAttentionPrefillPlan(request, fabric);
  throw std::invalid_argument(fmt::format("--phase: '{}' is not decode or prefill", request.phase));
}

KernelMapping MapAttention(const KernelRequest& request, const fabric::FabricConfig& fabric) {
  if (request.phase == "decode") return MapAttentionDecode(request, fabric);
  if (request.phase == "prefill") return MapAttentionPrefill(request, fabric);
  throw std::invalid_argument(fmt::format("--phase: '{}' is not decode or prefill", request.phase));
}

namespace attention {

int CheckHeads(const KernelRequest& req) {
  if (req.batch < 1) throw std::invalid_argument(fmt::format("--batch: {} must be at least 1", req.batch));
  if (req.heads < 1) throw std::invalid_argument(fmt::format("--heads: {} must be at least 1", req.heads));
  const int kv_heads = req.kv_heads == 0 ? req.heads : req.kv_heads;
  if (kv_heads < 1 || req.heads % kv_heads != 0) {
    throw std::invalid_argument(
        fmt::format("--kv-heads: {} must be at least 1 and divide --heads {}", req.kv_heads, req.heads));
  }
  if (req.head_dim < 1 || req.head_dim > 4096) {
    throw std::invalid_argument(fmt::format("--head-dim: {} must be in 1..4096", req.head_dim));
  }
  return kv_heads;
}

KernelMapping LowerGrouped(const plan::Plan& plan, const fabric::FabricConfig& fabric) {
  try {
    return plan::Lower(plan, fabric);
  } catch (const std::invalid_argument& e) {
    int64_t groups = 0;
    for (const auto& t : plan.tiles) groups = std::max(groups, t.program.params.at("GROUPS"));
    throw std::invalid_argument(fmt::format("{} ({} groups per tile; use a taller --region or --mesh)", e.what(), groups));
  }
}

// With w_t the exact weights and the fabric's weights w_t (1 + eta_t) before normalizing, the
// numerator sum w (1 + eta) v plus its rounding errors, over the denominator sum w (1 + eta)
// plus its own, differs from o by at most
//   [sum w_t eta_t |v_t - o| + c u (1 + eta_max) (sum w_t |v_t| + |o|)] / (1 - eta_mean - c u (1 + eta_max))
// (c = roundings), then 1/l by Newton (2u) and the product (u) add 3u, with room: 4u.
void SoftmaxRow(const std::vector<double>& scores, const std::vector<double>& eta, int d, double roundings,
                const std::function<const float*(int64_t)>& v, double* o, double* tol) {
  const int64_t n = static_cast<int64_t>(scores.size());
  const double m = *std::max_element(scores.begin(), scores.end());
  std::vector<double> w(scores.size());
  double total = 0, eta_max = 0, eta_mean = 0;
  for (int64_t t = 0; t < n; ++t) {
    w[t] = std::exp(scores[t] - m);
    total += w[t];
    eta_max = std::max(eta_max, eta[t]);
  }
  for (int64_t t = 0; t < n; ++t) {
    w[t] /= total;
    eta_mean += w[t] * eta[t];
  }
  const double c = roundings * kU * (1 + eta_max);
  for (int i = 0; i < d; ++i) {
    double sum = 0, abs_sum = 0;
    for (int64_t t = 0; t < n; ++t) {
      sum += w[t] * v(t)[i];
      abs_sum += w[t] * std::fabs(v(t)[i]);
    }
    double spread = 0;
    for (int64_t t = 0; t < n; ++t) spread += w[t] * eta[t] * std::fabs(v(t)[i] - sum);
    // Exponentials below 2^-126 (subnormal, or 0 below e^-103.98): at most 2^-150 + E 2^-126
    // off each, against l >= 1.
    const double tiny = double(n) * (0x1p-150 + kExpF32RelativeError * 0x1p-126) * (abs_sum + std::fabs(sum) + 1);
    const double err = (spread + c * (abs_sum + std::fabs(sum)) + tiny) / (1 - eta_mean - c);
    o[i] = sum;
    tol[i] = err + 4 * kU * (std::fabs(sum) + err);
  }
}

}  // namespace attention

}  // namespace wafersim::runtime
