#include "runtime/model_head.h"

#include <algorithm>
#include <cmath>


#include "runtime/argmax_plan.h"
#include "runtime/ffn_mapper.h"
#include "runtime/gemv_cost.h"
#include "runtime/gemv_mapper.h"
#include "runtime/mapping_util.h"
#include "runtime/rmsnorm_mapper.h"
#include "runtime/vector_cost.h"

namespace wafersim::runtime {

namespace {

uint32_t ElementBytes(DType dtype) { return dtype == DType::kFp16 ? 2 : 4; }

}  // namespace

int HeadRows(int64_t vocab, int64_t d_model, int columns, DType dtype, const fabric::FabricConfig& fabric, int most) {
  const int64_t n_t = Share(d_model, columns, 0);
  // The argmax tile keeps its row's logits too.
  auto fits = [&](int q) {
    const int64_t m_t = Share(vocab, q, 0);
    return GemvTileSramBytes(m_t, n_t, ElementBytes(dtype)) <= static_cast<uint64_t>(fabric.sram_bytes) &&
           32 + 4 * m_t <= fabric.sram_bytes;
  };
  if (most < 1 || !fits(most)) return 0;
  int lo = 1, hi = most;  // the fewest that fit: fitting is monotone in Q
  while (lo < hi) {
    const int mid = lo + (hi - lo) / 2;
    if (fits(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

double HeadCycles(int64_t vocab, int64_t d_model, int columns, int rows, DType dtype,
                  const fabric::FabricConfig& fabric) {
  const int64_t dp = Share(d_model, columns, 0), m_t = Share(vocab, rows, 0);
  const int lanes = dtype == DType::kFp16 ? fabric.simd_width : 1;
  return RmsNormCycles(1, dp, columns) + 2.0 * double(dp) + GemvBlockCost(m_t, dp, columns, rows, lanes).Cycles(1) +
         5.0 * double(m_t) + 8.0 * rows + 20;
}

HeadStages BuildHeadStages(const KernelRequest& req, const fabric::FabricConfig& fabric, int p, int q,
                           const std::vector<float>& y) {
  const int64_t d = req.d_model;
  KernelRequest rn;
  rn.kernel = "rmsnorm";
  rn.seed = req.seed + 1;
  rn.stream_ports = true;
  rn.tokens = 1;
  rn.d_model = d;
  rn.region_width = p;
  rn.region_height = 1;
  rn.inputs["x"] = y;
  KernelRequest rh;
  rh.kernel = "gemv";
  rh.seed = req.seed + 2;
  rh.stream_ports = true;
  rh.m = req.vocab;
  rh.n = d;
  rh.region_width = p;
  rh.region_height = q;
  rh.weight_scale = 1.0 / std::sqrt(double(d));
  rh.dtype = req.dtype;
  std::vector<size_t> rows(static_cast<size_t>(q));
  for (int r = 0; r < q; ++r) rows[static_cast<size_t>(r)] = static_cast<size_t>(Share(req.vocab, q, r));
  return {BuildRmsNormPlan(rn, fabric), BuildGemvPlan(rh, fabric), BuildArgmaxPlan(rows, fabric)};
}

void HeadLogits(const HeadStages& stages, const std::vector<double>& y, const std::vector<double>& ey, int p,
                std::vector<double>& logit, std::vector<double>& bound) {
  std::vector<double> z, ez;
  NormReference(y, ey, Values(stages.norm, "g"), p, z, ez);
  // Binary16 weights: each GEMV tile rounds its binary32 x to binary16 as it stores it.
  if (stages.lm_head.tensors.at("W").dtype == DType::kFp16) {
    for (size_t i = 0; i < z.size(); ++i) ez[i] += kU16 * (std::fabs(z[i]) + ez[i]) + kHalfSubnormal;
  }
  const auto& w = Values(stages.lm_head, "W");
  const auto d = static_cast<int64_t>(z.size());
  GemvReference(w, static_cast<int64_t>(w.size()) / d, d, z, ez, logit, bound);
  for (double& b : bound) b *= 2.0;  // doubled, as every chained bound
}

void HeadReference(const HeadStages& stages, const std::vector<double>& y, const std::vector<double>& ey, int p,
                   std::vector<double>& top, std::vector<double>& tolerance) {
  std::vector<double> logit, bound;
  HeadLogits(stages, y, ey, p, logit, bound);
  const auto vocab = static_cast<int64_t>(logit.size());
  const auto best = static_cast<int64_t>(std::max_element(logit.begin(), logit.end()) - logit.begin());
  // The fabric's largest logit is within the largest bound of the reference's; its index is
  // any whose logit could, within the bounds, reach the largest's.
  const double widest = *std::max_element(bound.begin(), bound.end());
  int64_t spread = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    if (i != best && logit[i] + bound[i] >= logit[best] - bound[best]) {
      spread = std::max<int64_t>(spread, i > best ? i - best : best - i);
    }
  }
  top = {logit[best], double(best)};
  tolerance = {widest, double(spread)};
}

}  // namespace wafersim::runtime
