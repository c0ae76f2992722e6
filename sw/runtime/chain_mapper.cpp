#include "runtime/chain_mapper.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/plan_chain.h"
#include "plan/plan_lowering.h"
#include "plan/plan_transform.h"
#include "runtime/gemv_mapper.h"
#include "runtime/mapping_util.h"
#include "runtime/residual_mapper.h"
#include "runtime/rmsnorm_mapper.h"

namespace wafersim::runtime {

namespace {

// Tiles across each kernel's region (at most): P splits d, Q1 x, Q2 the output.
constexpr int64_t kMaxSplit = 4;
constexpr int kGap = 1;  // tiles between regions


// The whole chain in double precision from the plans' own tensors, with an error bound that
// carries each stage's bound (its binary32 roundings, docs/mapping.md) through the later
// stages to first order, doubled.
void SetReference(plan::Plan& chain, const plan::Plan& g1, const plan::Plan& norm, const plan::Plan& g2,
                  const plan::Plan& res, int64_t n, int64_t d, int64_t m) {
  const auto &x = Values(g1, "x"), &w1 = Values(g1, "W"), &g = Values(norm, "g"), &w2 = Values(g2, "W"),
             &r = Values(res, "r");
  std::vector<double> y1(d), e1(d), z(d), ez(d);
  double ss = 0;
  for (int64_t i = 0; i < d; ++i) {
    double sum = 0, mag = 0;
    for (int64_t j = 0; j < n; ++j) {
      sum += double(w1[i * n + j]) * x[j];
      mag += std::fabs(double(w1[i * n + j]) * x[j]);
    }
    y1[i] = sum;
    e1[i] = 2.0 * double(n) * kU * mag;
    ss += sum * sum;
  }
  const double inv = 1.0 / std::sqrt(ss / double(d) + double(kRmsNormEps));
  double dinv = 0;  // relative change of the inverse from y1's errors
  for (int64_t k = 0; k < d; ++k) dinv += std::fabs(y1[k]) * e1[k];
  dinv /= std::max(ss, 1e-300);
  // The norm's region is transposed: its columns are the chain's rows.
  const double rel = RmsNormRelativeBound(d, norm.region.height);
  for (int64_t j = 0; j < d; ++j) {
    z[j] = y1[j] * inv * g[j];
    ez[j] = rel * std::fabs(z[j]) + std::fabs(g[j]) * inv * e1[j] + std::fabs(z[j]) * dinv;
  }
  chain.reference.assign(m, 0.0);
  chain.tolerance.assign(m, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    double sum = 0, mag = 0, carried = 0;
    for (int64_t j = 0; j < d; ++j) {
      sum += double(w2[i * d + j]) * z[j];
      mag += std::fabs(double(w2[i * d + j]) * z[j]);
      carried += std::fabs(double(w2[i * d + j])) * ez[j];
    }
    const double out = sum + r[i];
    chain.reference[i] = out;
    chain.tolerance[i] = 2.0 * (2.0 * double(d) * kU * mag + carried + kU * std::fabs(out)) + 0x1p-140;
  }
}

}  // namespace

plan::Plan BuildChainPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  const int64_t d = req.d_model;
  const int64_t n = req.n > 0 ? req.n : d, m = req.m > 0 ? req.m : d;
  if (d < 1 || d > 1'000'000) throw std::invalid_argument(fmt::format("--d-model: {} must be in 1..1,000,000", d));
  if (n > 1'000'000 || m > 1'000'000 || n < 0 || m < 0) {
    throw std::invalid_argument(fmt::format("--n/--m: {}/{} must be in 1..1,000,000", n, m));
  }
  if (req.dtype != DType::kFp32) {
    throw std::invalid_argument(fmt::format("--dtype {}: chain takes fp32 only", DTypeName(req.dtype)));
  }
  if (req.region_width > 0 || req.region_height > 0) {
    throw std::invalid_argument("--region: the chain places its four regions itself");
  }
  const int p = static_cast<int>(std::min({kMaxSplit, d, int64_t{fabric.height}}));
  const int q1 = static_cast<int>(std::min(kMaxSplit, n)), q2 = static_cast<int>(std::min(kMaxSplit, m));
  const int width = q1 + kGap + 1 + kGap + q2, height = p + kGap + 1;
  if (width > fabric.width || height > fabric.height) {
    throw std::invalid_argument(fmt::format("--mesh: the chain needs {}x{} tiles, the mesh is {}x{}", width, height,
                                            fabric.width, fabric.height));
  }

  auto request = [&](const char* kernel, uint64_t seed_offset) {
    KernelRequest r;
    r.kernel = kernel;
    r.seed = req.seed + seed_offset;
    r.stream_ports = true;
    r.tokens = 1;
    return r;
  };
  KernelRequest r1 = request("gemv", 0);
  r1.m = d;
  r1.n = n;
  r1.region_width = q1;
  r1.region_height = p;
  r1.weight_scale = 1.0 / std::sqrt(double(n));
  KernelRequest rn = request("rmsnorm", 1);
  rn.d_model = d;
  rn.region_width = p;
  rn.region_height = 1;
  KernelRequest r2 = request("gemv", 2);
  r2.m = m;
  r2.n = d;
  r2.region_width = p;  // z's pieces split as y1's, across what becomes the region's rows
  r2.region_height = q2;
  r2.weight_scale = 1.0 / std::sqrt(double(d));
  KernelRequest rr = request("residual", 3);
  rr.d_model = m;
  rr.region_width = q2;
  rr.region_height = 1;

  const plan::Plan g1 = plan::Moved(BuildGemvPlan(r1, fabric), 0, 0);
  const plan::Plan norm = plan::Moved(plan::Transposed(BuildRmsNormPlan(rn, fabric)), q1 + kGap, 0);
  const plan::Plan g2 = plan::Moved(plan::Transposed(BuildGemvPlan(r2, fabric)), q1 + 2 * kGap + 1, 0);
  const plan::Plan res = plan::Moved(BuildResidualPlan(rr, fabric), q1 + 2 * kGap + 1, p + kGap);
  plan::Plan chain = plan::Chain({{"gemv1", g1}, {"rmsnorm", norm}, {"gemv2", g2}, {"residual", res}},
                                 {{0, "y", 1, "x"}, {1, "y", 2, "x"}, {2, "y", 3, "x"}}, fabric);
  SetReference(chain, g1, norm, g2, res, n, d, m);
  chain.description = fmt::format("y = W2 rmsnorm(W1 x) + r, x {} -> {} -> {} binary32: {}", n, d, m,
                                  chain.description);
  chain.parameters = {{"n", n}, {"d_model", d}, {"m", m}, {"seed", req.seed}};
  chain.cost.compute_bound_cycles = std::max({g1.cost.compute_bound_cycles, norm.cost.compute_bound_cycles,
                                              g2.cost.compute_bound_cycles, res.cost.compute_bound_cycles});
  return chain;
}

KernelMapping MapChain(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::Lower(BuildChainPlan(req, fabric), fabric);
}

}  // namespace wafersim::runtime
