#include "runtime/ffn_mapper.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/plan_chain.h"
#include "plan/plan_lowering.h"
#include "plan/plan_transform.h"
#include "runtime/gemv_cost.h"
#include "runtime/gemv_mapper.h"
#include "runtime/mapping_util.h"
#include "runtime/residual_mapper.h"
#include "runtime/rmsnorm_mapper.h"
#include "runtime/silu_mul_mapper.h"
#include "runtime/vector_cost.h"

namespace wafersim::runtime {

namespace {

// Cycles of one token through the five stages one after another, each by its plan's cost; a
// streamed vector stage adds a cycle per word it takes in and sends on.
double EstimatedCycles(int64_t d, int64_t ff, int p, int r, int lanes) {
  const int64_t dp = Share(d, p, 0), fr = ff / r;
  const double norm = RmsNormCycles(1, dp, p) + 2.0 * double(dp);
  const double gate_up = GemvBlockCost(2 * fr, dp, p, r, lanes).Cycles(1);
  const double silu = SiluMulCycles(fr) + 3.0 * double(fr);
  const double down = GemvBlockCost(dp, fr, r, p, lanes).Cycles(1);
  const double residual = ResidualCycles(dp) + 3.0 * double(dp);
  return norm + gate_up + silu + down + residual;
}

bool Fits(int64_t d, int64_t ff, int p, int r, uint32_t es, const fabric::FabricConfig& f) {
  const auto sram = static_cast<uint64_t>(f.sram_bytes);
  const int64_t dp = Share(d, p, 0), fr = ff / r;
  return GemvTileSramBytes(2 * fr, dp, es) <= sram && GemvTileSramBytes(dp, fr, es) <= sram &&
         uint64_t(12 * fr + 128) <= sram;
}


}  // namespace

FfnLayout ChooseFfnLayout(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return ChooseFfnLayout(req, fabric, 0, 0, 0);
}

FfnLayout ChooseFfnLayout(const KernelRequest& req, const fabric::FabricConfig& mesh, int columns, int width,
                          int height) {
  fabric::FabricConfig fabric = mesh;  // the room, for the size checks
  if (width > 0) fabric.width = width;
  if (height > 0) fabric.height = height;
  const int64_t d = req.d_model, ff = req.d_ff;
  if (d < 1 || d > 1'000'000) throw std::invalid_argument(fmt::format("--d-model: {} must be in 1..1,000,000", d));
  if (ff < 1 || ff > 1'000'000) throw std::invalid_argument(fmt::format("--d-ff: {} must be in 1..1,000,000", ff));
  const uint32_t es = ElementBytes(req);  // the weights'; the activations stream in binary32
  const int lanes = es == 4 ? 1 : fabric.simd_width;
  if (fabric.colors < 5) {
    throw std::invalid_argument(fmt::format("router.colors: ffn needs 5 colors, the fabric has {}", fabric.colors));
  }
  auto size_ok = [&](int p, int r) { return 2 * p + 1 <= fabric.width && r + 2 <= fabric.height; };
  if (req.region_width > 0 || req.region_height > 0) {
    const int p = req.region_width, r = req.region_height;
    if (p < 1 || r < 1) throw std::invalid_argument("--region: ffn takes PxR, both at least 1");
    if (p > d) throw std::invalid_argument(fmt::format("--region {}x{}: P is at most --d-model ({})", p, r, d));
    if (ff % r != 0) throw std::invalid_argument(fmt::format("--region {}x{}: R must divide --d-ff ({})", p, r, ff));
    if (!size_ok(p, r)) {
      throw std::invalid_argument(fmt::format("--region {}x{}: the ffn takes {}x{} tiles, the mesh is {}x{}", p, r,
                                              2 * p + 1, r + 2, fabric.width, fabric.height));
    }
    return {p, r, EstimatedCycles(d, ff, p, r, lanes)};
  }
  FfnLayout best;
  best.estimated_cycles = std::numeric_limits<double>::infinity();
  const int p_max = static_cast<int>(std::min<int64_t>(d, (fabric.width - 1) / 2));
  const int r_max = static_cast<int>(std::min<int64_t>(ff, fabric.height - 2));
  for (int r = 1; r <= r_max; ++r) {
    if (ff % r != 0) continue;
    for (int p = columns > 0 ? columns : 1; p <= (columns > 0 ? std::min(columns, p_max) : p_max); ++p) {
      if (!Fits(d, ff, p, r, es, fabric)) continue;
      const double c = EstimatedCycles(d, ff, p, r, lanes);
      if (c < best.estimated_cycles) best = {p, r, c};
    }
  }
  if (best.columns == 0) {
    throw std::invalid_argument(fmt::format(
        "ffn d_model {} d_ff {}: no layout fits the {}x{} mesh ({} bytes of SRAM a tile); use a larger --mesh", d, ff,
        fabric.width, fabric.height, fabric.sram_bytes));
  }
  return best;
}

FfnStages BuildFfnStages(const KernelRequest& req, const fabric::FabricConfig& fabric, int p, int r,
                         const std::vector<float>& h, const ResidualStreams& residual) {
  const int64_t d = req.d_model, ff = req.d_ff;
  auto request = [&](const char* kernel, uint64_t seed_offset) {
    KernelRequest k;
    k.kernel = kernel;
    k.seed = req.seed + seed_offset;
    k.stream_ports = true;
    k.tokens = 1;
    return k;
  };
  KernelRequest rn = request("rmsnorm", 1);
  rn.d_model = d;
  rn.region_width = p;
  rn.region_height = 1;
  rn.inputs["x"] = h;

  // W_gate and W_up, fused: tile row i of the GEMV holds rows [i s, (i + 1) s) of each (s =
  // d_ff / R), the gate's first, so its sums leave east as that slice of g, then of u: what
  // the SiLU-multiply tile of row i takes.
  KernelRequest rgu = request("gemv", 2);
  rgu.m = 2 * ff;
  rgu.n = d;
  rgu.region_width = p;
  rgu.region_height = r;
  rgu.dtype = req.dtype;
  {
    std::mt19937_64 rng(req.seed + 2);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    const auto scale = static_cast<float>(1.0 / std::sqrt(double(d)));
    std::vector<float> w_gate(static_cast<size_t>(ff * d)), w_up(static_cast<size_t>(ff * d));
    for (auto& v : w_gate) v = scale * dist(rng);
    for (auto& v : w_up) v = scale * dist(rng);
    std::vector<float> w(static_cast<size_t>(2 * ff * d));
    const int64_t slice = ff / r;
    for (int64_t i = 0; i < 2 * ff; ++i) {
      const int64_t row = i / (2 * slice), within = i % (2 * slice);
      const bool is_gate = within < slice;
      const int64_t f = row * slice + (is_gate ? within : within - slice);
      std::copy_n(&(is_gate ? w_gate : w_up)[static_cast<size_t>(f * d)], d, &w[static_cast<size_t>(i * d)]);
    }
    rgu.inputs["W"] = std::move(w);
  }
  KernelRequest rs = request("silu_mul", 3);
  rs.d_model = ff;
  rs.region_width = 1;
  rs.region_height = r;
  KernelRequest rd = request("gemv", 4);
  rd.m = d;
  rd.n = ff;
  rd.region_width = r;  // s's pieces split as the SiLU tiles hold them, across what becomes the rows
  rd.region_height = p;
  rd.weight_scale = 1.0 / std::sqrt(double(ff));
  rd.dtype = req.dtype;
  KernelRequest rr = request("residual", 5);
  rr.d_model = d;
  rr.region_width = p;
  rr.region_height = 1;
  rr.inputs["r"] = h;
  return {BuildRmsNormPlan(rn, fabric), BuildGemvPlan(rgu, fabric), BuildSiluMulPlan(rs, fabric),
          plan::Transposed(BuildGemvPlan(rd, fabric)), BuildChainedResidualPlan(rr, fabric, residual)};
}

void NormReference(const std::vector<double>& h, const std::vector<double>& eh, const std::vector<float>& g, int p,
                   std::vector<double>& z, std::vector<double>& ez) {
  const auto d = static_cast<int64_t>(h.size());
  // Its input off by eh: each z_j by g_j inv eh_j, and every z by the inverse's change.
  double ss = 0, dss = 0;
  for (int64_t j = 0; j < d; ++j) {
    ss += h[j] * h[j];
    dss += std::fabs(h[j]) * eh[j];
  }
  const double inv = 1.0 / std::sqrt(ss / double(d) + double(kRmsNormEps));
  const double rel_norm = RmsNormRelativeBound(d, p), dinv = dss / std::max(ss, 1e-300);
  z.assign(static_cast<size_t>(d), 0.0);
  ez.assign(static_cast<size_t>(d), 0.0);
  for (int64_t j = 0; j < d; ++j) {
    z[j] = h[j] * inv * g[j];
    ez[j] = rel_norm * std::fabs(z[j]) + std::fabs(g[j]) * inv * eh[j] + std::fabs(z[j]) * dinv;
  }
}

void FfnReference(const FfnStages& stages, const std::vector<double>& h, const std::vector<double>& eh, int p, int r,
                  std::vector<double>& y, std::vector<double>& ey) {
  const auto &g = Values(stages.norm, "g"), &wgu = Values(stages.gate_up, "W"), &wd = Values(stages.down, "W");
  const auto d = static_cast<int64_t>(h.size()), ff = static_cast<int64_t>(wgu.size()) / d / 2;
  std::vector<double> z, ez;
  NormReference(h, eh, g, p, z, ez);
  // Binary16 weights: each GEMV tile rounds its binary32 x to binary16 as it stores it.
  const bool f16 = stages.gate_up.tensors.at("W").dtype == DType::kFp16;
  auto rounded = [&](std::vector<double>& v, std::vector<double>& e) {
    if (!f16) return;
    for (size_t i = 0; i < v.size(); ++i) e[i] += kU16 * (std::fabs(v[i]) + e[i]) + kHalfSubnormal;
  };
  rounded(z, ez);
  // The fused GEMV's rows: per tile row, a slice of the gate's rows then the same slice of up's.
  const int64_t slice = ff / r;
  std::vector<double> gu, egu;
  GemvReference(wgu, 2 * ff, d, z, ez, gu, egu);
  std::vector<double> gate(ff), up(ff), egate(ff), eup(ff);
  for (int64_t i = 0; i < 2 * ff; ++i) {
    const int64_t row = i / (2 * slice), within = i % (2 * slice);
    const bool is_gate = within < slice;
    const int64_t f = row * slice + (is_gate ? within : within - slice);
    (is_gate ? gate : up)[f] = gu[i];
    (is_gate ? egate : eup)[f] = egu[i];
  }
  const double rel_silu = 1.01 * (kExpF32RelativeError + 4 * kU + 2 * kRsqrtF32RelativeError);
  std::vector<double> s(ff), es(ff);
  for (int64_t f = 0; f < ff; ++f) {
    const double sig = 1.0 / (1.0 + std::exp(-gate[f])), silu = gate[f] * sig;
    s[f] = silu * up[f];
    const double dsilu = sig * (1.0 + gate[f] * (1.0 - sig));
    es[f] = rel_silu * std::fabs(s[f]) + std::fabs(dsilu * up[f]) * egate[f] + std::fabs(silu) * eup[f] + 0x1p-140;
  }
  rounded(s, es);
  std::vector<double> down, edown;
  GemvReference(wd, d, ff, s, es, down, edown);
  y.assign(d, 0.0);
  ey.assign(d, 0.0);
  for (int64_t k = 0; k < d; ++k) {
    y[k] = h[k] + down[k];
    ey[k] = eh[k] + edown[k] + kU * std::fabs(y[k]);
  }
}

namespace {

plan::Plan Build(const KernelRequest& req, const fabric::FabricConfig& fabric,
                 std::vector<StageStamps>* stages) {
  const FfnLayout layout = ChooseFfnLayout(req, fabric);
  const int p = layout.columns, r = layout.rows;
  const int64_t d = req.d_model, ff = req.d_ff;

  std::vector<float> h(static_cast<size_t>(d));
  {
    std::mt19937_64 rng(req.seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (auto& v : h) v = dist(rng);
  }
  CheckInputNames(req, {"h"});
  TakeInput(req, "h", h);

  FfnStages st = BuildFfnStages(req, fabric, p, r, h, {});
  const double compute_bound = st.norm.cost.compute_bound_cycles + st.gate_up.cost.compute_bound_cycles +
                               st.silu_mul.cost.compute_bound_cycles + st.down.cost.compute_bound_cycles +
                               st.residual.cost.compute_bound_cycles;
  std::vector<double> y, ey;
  FfnReference(st, std::vector<double>(h.begin(), h.end()), std::vector<double>(h.size(), 0.0), p, r, y, ey);
  plan::Plan ffn = plan::Chain({{"norm", plan::Moved(std::move(st.norm), 0, 0)},
                                {"gate_up", plan::Moved(std::move(st.gate_up), 0, 1)},
                                {"silu_mul", plan::Moved(std::move(st.silu_mul), p, 1)},
                                {"down", plan::Moved(std::move(st.down), p + 1, 1)},
                                {"residual", plan::Moved(std::move(st.residual), p + 1, r + 1)}},
                               {{0, "y", 1, "x"}, {1, "y", 2, "gu"}, {2, "y", 3, "x"}, {3, "y", 4, "x"}}, fabric, stages);
  ffn.reference = y;
  ffn.tolerance = DoubledBound(ey);
  ffn.kernel = "ffn";
  ffn.description = fmt::format(
      "y = h + W_down (silu(W_gate n) * W_up n), n = rmsnorm(h), d_model {} d_ff {}, {}, resident on {}x{} "
      "tiles (P {} columns, R {} rows): {}",
      d, ff, req.dtype == DType::kFp16 ? "binary16 weights, binary32 activations" : "binary32", 2 * p + 1, r + 2, p,
      r, ffn.description);
  ffn.parameters = {{"d_model", d}, {"d_ff", ff}, {"dtype", req.dtype}, {"region", fmt::format("{}x{}", p, r)},
                    {"seed", req.seed}};
  ffn.cost.estimated_cycles = layout.estimated_cycles;
  ffn.cost.compute_bound_cycles = compute_bound;
  ffn.cost.macs_per_tile_cycle = 1;
  return ffn;
}

}  // namespace

plan::Plan BuildFfnPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return Build(req, fabric, nullptr);
}

KernelMapping MapFfn(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::LowerWithStages([&](std::vector<StageStamps>* stages) { return Build(req, fabric, stages); }, fabric);
}

}  // namespace wafersim::runtime
