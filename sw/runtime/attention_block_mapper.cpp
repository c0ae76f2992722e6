#include "runtime/attention_block_mapper.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/plan_chain.h"
#include "plan/plan_lowering.h"
#include "plan/plan_transform.h"
#include "runtime/attention_cost.h"
#include "runtime/attention_mapper.h"
#include "runtime/band_rope_plan.h"
#include "runtime/gemv_cost.h"
#include "runtime/gemv_mapper.h"
#include "runtime/mapping_util.h"
#include "runtime/residual_mapper.h"
#include "runtime/rmsnorm_mapper.h"
#include "runtime/rope_mapper.h"
#include "runtime/vector_cost.h"

namespace wafersim::runtime {

namespace {

struct Shape {
  int64_t d, heads, groups, hd, context;
  uint32_t es;  ///< bytes of a weight: 4, or 2 (binary16 weights; the activations stay binary32)
  int64_t Hpg() const { return heads / groups; }
  int64_t QkvRows() const { return (heads + 2 * groups) * hd; }
};

Shape CheckShape(const KernelRequest& req) {
  if (req.phase != "decode") {
    throw std::invalid_argument(fmt::format("--phase {}: attention_block runs decode", req.phase));
  }
  if (req.batch != 1) throw std::invalid_argument(fmt::format("--batch {}: attention_block runs one sequence", req.batch));
  if (req.d_model < 1 || req.d_model > 1'000'000) {
    throw std::invalid_argument(fmt::format("--d-model: {} must be in 1..1,000,000", req.d_model));
  }
  KernelRequest heads = req;
  const int kv = attention::CheckHeads(heads);
  if (req.head_dim % 2 != 0) throw std::invalid_argument(fmt::format("--head-dim: {} must be even for RoPE", req.head_dim));
  if (req.context < 0 || req.context > 10'000'000) {
    throw std::invalid_argument(fmt::format("--context: {} must be in 0..10,000,000", req.context));
  }
  const uint32_t es = ElementBytes(req);
  if (req.rope_base != 0 && (!(req.rope_base > 1) || !std::isfinite(req.rope_base))) {
    throw std::invalid_argument(fmt::format("--rope-base: {} must be a finite number above 1", req.rope_base));
  }
  return {req.d_model, req.heads, kv, req.head_dim, req.context, es};
}

// A tile's SRAM in the attention decode plan with `groups` groups and `tokens` rows each
// (its layout, attention_decode_mapper.cpp, with room).
uint64_t AttentionTileBytes(const Shape& s, int64_t groups, int64_t tokens) {
  const uint64_t row = Align64(4 * static_cast<uint64_t>(s.hd), 32);
  const uint64_t heads = static_cast<uint64_t>(groups * s.Hpg());
  return 32 + heads * row + 2 * static_cast<uint64_t>(groups) * (static_cast<uint64_t>(tokens) * row + 64) +
         4 * heads * (static_cast<uint64_t>(s.hd) + 1) + 4 * heads * static_cast<uint64_t>(tokens) + 4 * heads + 256;
}

struct Costs {
  bool fits;
  double cycles;
};

Costs Evaluate(const Shape& s, int p, int b, int a, const fabric::FabricConfig& f) {
  const auto sram = static_cast<uint64_t>(f.sram_bytes);
  const int64_t dp = Share(s.d, p, 0), gpb = s.groups / b, tokens = s.context + 1;
  const int64_t qkv_rows = s.QkvRows() / b, o_cols = s.heads * s.hd / b;
  BandRopeShape rope{b, static_cast<int>(gpb * s.Hpg()), static_cast<int>(gpb), static_cast<int>(s.hd)};
  const int lanes = s.es == 4 ? 1 : f.simd_width;
  const bool fits = GemvTileSramBytes(qkv_rows, dp, s.es) <= sram && GemvTileSramBytes(dp, o_cols, s.es) <= sram &&
                    AttentionTileBytes(s, gpb, Share(tokens, a, 0)) <= sram &&
                    uint64_t(4 * BandSliceElements(rope) + 12 * s.hd + 256) <= sram &&
                    BandSliceElements(rope) <= kMaxDescriptorLength && 2 * p + 1 + a <= f.width && b + 2 <= f.height;
  if (!fits) return {false, 0};
  const double norm = RmsNormCycles(1, dp, p) + 2.0 * double(dp);
  const double qkv = GemvBlockCost(qkv_rows, dp, p, b, lanes).Cycles(1);
  const double rot = double(rope.q_heads + rope.kv_groups);
  const double rope_cycles = 2.0 * double(BandSliceElements(rope)) + rot * (3.0 * double(s.hd) + 40) + 40;
  const double attention = AttentionDecodeCycles({s.groups, s.Hpg(), s.hd, s.hd, 1, a, b}, tokens);
  const double o_proj = GemvBlockCost(dp, o_cols, b, p, lanes).Cycles(1);
  const double residual = ResidualCycles(dp) + 3.0 * double(dp);
  return {true, norm + qkv + rope_cycles + attention + o_proj + residual};
}

// 1, 2, 3, 4, 6, 8, 12, ... up to `top` (and `top`): the sizes the layout search tries.
std::vector<int> Sizes(int top) {
  std::vector<int> v;
  for (int x = 1; x <= top; x = x < 2 ? x + 1 : (x % 3 == 0 ? x / 3 * 4 : x / 2 * 3)) v.push_back(x);
  if (v.empty() || v.back() != top) v.push_back(top);
  return v;
}

}  // namespace

std::vector<plan::PlanLink> AttentionBlockLinks() {
  return {{0, "y", 1, "x"}, {1, "y", 2, "x"}, {2, "q", 3, "q"}, {2, "kv", 3, "kv_new"}, {3, "o", 4, "x"}, {4, "y", 5, "x"}};
}

void CheckAttentionBlockShape(const KernelRequest& req) { (void)CheckShape(req); }

AttentionBlockLayout ChooseAttentionBlockLayout(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return ChooseAttentionBlockLayout(req, fabric, {});
}

AttentionBlockLayout ChooseAttentionBlockLayout(const KernelRequest& req, const fabric::FabricConfig& mesh,
                                                const LayoutRoom& room) {
  const Shape s = CheckShape(req);
  fabric::FabricConfig fabric = mesh;  // the room, for the size checks
  if (room.width > 0) fabric.width = room.width;
  if (room.height > 0) fabric.height = room.height;
  if (fabric.colors < 8) {
    throw std::invalid_argument(fmt::format("router.colors: attention_block needs 8 colors, the fabric has {}",
                                            fabric.colors));
  }
  std::vector<int> ps, bs;
  if (req.region_width > 0 || req.region_height > 0) {
    const int p = req.region_width, b = req.region_height;
    if (p < 1 || b < 1) throw std::invalid_argument("--region: attention_block takes PxB, both at least 1");
    if (p > s.d) throw std::invalid_argument(fmt::format("--region {}x{}: P is at most --d-model ({})", p, b, s.d));
    if (s.groups % b != 0) {
      throw std::invalid_argument(fmt::format("--region {}x{}: B must divide the kv heads ({})", p, b, s.groups));
    }
    ps = {p};
    bs = {b};
  } else if (room.columns > 0) {
    ps = {room.columns};
    for (int b = 1; b <= s.groups; ++b) {
      if (s.groups % b == 0) bs.push_back(b);
    }
  } else {
    ps = Sizes(static_cast<int>(std::min<int64_t>(s.d, std::max(1, (fabric.width - 2) / 2))));
    for (int b = 1; b <= s.groups; ++b) {
      if (s.groups % b == 0) bs.push_back(b);
    }
  }
  AttentionBlockLayout best;
  best.estimated_cycles = std::numeric_limits<double>::infinity();
  for (const int b : bs) {
    for (const int p : ps) {
      for (const int a : Sizes(std::max(1, fabric.width - 2 * p - 1))) {
        const Costs c = Evaluate(s, p, b, a, fabric);
        if (c.fits && c.cycles < best.estimated_cycles) best = {p, b, a, c.cycles};
      }
    }
  }
  if (best.columns == 0) {
    throw std::invalid_argument(fmt::format(
        "attention_block d_model {}, {} heads ({} kv) x {}, context {}: no layout fits the {}x{} mesh ({} bytes of "
        "SRAM a tile){}; use a larger --mesh",
        s.d, s.heads, s.groups, s.hd, s.context, fabric.width, fabric.height, fabric.sram_bytes,
        ps.size() == 1 ? fmt::format(" with --region {}x{}", ps[0], bs[0]) : ""));
  }
  return best;
}

AttentionStages BuildAttentionStages(const KernelRequest& req, const fabric::FabricConfig& fabric,
                                     const AttentionBlockLayout& layout, std::vector<float> x,
                                     const std::vector<double>& ex, const ResidualStreams& residual_streams) {
  const Shape s = CheckShape(req);
  const int p = layout.columns, b = layout.bands, a = layout.attention_columns;
  const int64_t d = s.d, hd = s.hd, hpg = s.Hpg(), gpb = s.groups / b, qd = s.heads * hd;
  const double base = req.rope_base > 0 ? req.rope_base : 10000.0;

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
  rn.inputs["x"] = x;
  plan::Plan norm = BuildRmsNormPlan(rn, fabric);

  // W_q, W_k and W_v, fused with their rows in band order: band i's query heads, then for each
  // of its kv groups that group's K rows and V rows.
  KernelRequest rq = request("gemv", 2);
  rq.m = s.QkvRows();
  rq.n = d;
  rq.region_width = p;
  rq.region_height = b;
  rq.dtype = req.dtype;
  std::vector<int64_t> order;  // fused row -> row of [W_q; W_k; W_v]
  for (int64_t band = 0; band < b; ++band) {
    for (int64_t r = 0; r < gpb * hpg * hd; ++r) order.push_back(band * gpb * hpg * hd + r);
    for (int64_t g = band * gpb; g < (band + 1) * gpb; ++g) {
      for (int64_t e = 0; e < hd; ++e) order.push_back(qd + g * hd + e);
      for (int64_t e = 0; e < hd; ++e) order.push_back(qd + s.groups * hd + g * hd + e);
    }
  }
  {
    std::mt19937_64 rng(req.seed + 2);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    const auto scale = static_cast<float>(1.0 / std::sqrt(double(d)));
    std::vector<float> qkv(static_cast<size_t>(rq.m * d)), w(qkv.size());
    for (auto& v : qkv) v = scale * dist(rng);
    for (size_t i = 0; i < order.size(); ++i) {
      std::copy_n(&qkv[static_cast<size_t>(order[i] * d)], d, &w[i * static_cast<size_t>(d)]);
    }
    rq.inputs["W"] = std::move(w);
  }
  plan::Plan qkv = BuildGemvPlan(rq, fabric);

  BandRopeShape rope_shape{b, static_cast<int>(gpb * hpg), static_cast<int>(gpb), static_cast<int>(hd), s.context,
                           base, req.seed + 3};
  plan::Plan rope = BuildBandRopePlan(rope_shape, fabric);

  // The sub-block up to attention in double precision, with each value's error bound: the
  // queries and the new K and V row the fabric will hand attention.
  std::vector<double> z(d), ez(d);
  {
    // x is held to within ex: each z_j moves by g_j inv ex_j, and every z by the inverse's change.
    const auto& g = Values(norm, "g");
    double ss = 0, dss = 0;
    for (int64_t j = 0; j < d; ++j) {
      ss += double(x[j]) * x[j];
      dss += std::fabs(double(x[j])) * ex[j];
    }
    const double inv = 1.0 / std::sqrt(ss / double(d) + double(kRmsNormEps));
    const double rel = RmsNormRelativeBound(d, p), dinv = dss / std::max(ss, 1e-300);
    for (int64_t j = 0; j < d; ++j) {
      z[j] = double(x[j]) * inv * g[j];
      ez[j] = rel * std::fabs(z[j]) + std::fabs(double(g[j])) * inv * ex[j] + std::fabs(z[j]) * dinv;
    }
  }
  std::vector<double> fused, efused;
  // Binary16 weights: each GEMV tile rounds its binary32 x to binary16 as it stores it.
  auto rounded = [&](const std::vector<double>& v, std::vector<double> e) {
    if (s.es == 2) {
      for (size_t i = 0; i < v.size(); ++i) e[i] += kU16 * (std::fabs(v[i]) + e[i]) + kHalfSubnormal;
    }
    return e;
  };
  GemvReference(Values(qkv, "W"), s.QkvRows(), d, z, rounded(z, ez), fused, efused);
  std::vector<double> qkvd(fused.size()), eqkv(fused.size());  // in [q; k; v] order
  for (size_t i = 0; i < order.size(); ++i) {
    qkvd[static_cast<size_t>(order[i])] = fused[i];
    eqkv[static_cast<size_t>(order[i])] = efused[i];
  }
  auto rotate_head = [&](int64_t at) {  // q and k heads, as rope_band_tile.s turns them
    for (int64_t i = 0; i < hd / 2; ++i) {
      const double ang = RopeAngle(s.context, i, hd, base), c = std::cos(ang), sn = std::sin(ang);
      const size_t e = static_cast<size_t>(at + 2 * i), o = e + 1;
      const double xe = qkvd[e], xo = qkvd[o], exe = eqkv[e], exo = eqkv[o];
      qkvd[e] = xe * c - xo * sn;
      qkvd[o] = xe * sn + xo * c;
      eqkv[e] = 1.01 * (2 * kU * (std::fabs(xe * c) + std::fabs(xo * sn)) + kU * std::fabs(qkvd[e])) +
                std::fabs(c) * exe + std::fabs(sn) * exo + 0x1p-148;
      eqkv[o] = 1.01 * (2 * kU * (std::fabs(xe * sn) + std::fabs(xo * c)) + kU * std::fabs(qkvd[o])) +
                std::fabs(sn) * exe + std::fabs(c) * exo + 0x1p-148;
    }
  };
  for (int64_t h = 0; h < s.heads + s.groups; ++h) rotate_head(h * hd);
  auto floats = [&](int64_t from, int64_t count) {
    std::vector<float> v(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) v[i] = static_cast<float>(qkvd[static_cast<size_t>(from + i)]);
    return v;
  };

  // Attention takes those values (rounded to binary32) as its inputs: its own reference and
  // bound are for them; the fabric's differ by the bounds above, carried through below.
  KernelRequest ra = request("attention", 4);
  ra.phase = "decode";
  ra.batch = 1;
  ra.heads = static_cast<int>(s.heads);
  ra.kv_heads = static_cast<int>(s.groups);
  ra.head_dim = static_cast<int>(hd);
  ra.context = static_cast<int>(s.context);
  ra.region_width = a;
  ra.region_height = b;
  ra.inputs["q"] = floats(0, qd);
  ra.inputs["k_new"] = floats(qd, s.groups * hd);
  ra.inputs["v_new"] = floats(qd + s.groups * hd, s.groups * hd);
  plan::Plan attention = BuildAttentionPlan(ra, fabric);
  // The band's last tile holds the new K and V row as the fabric computed them, not as the
  // reference rounds them: only the older rows are checked word by word.
  std::erase_if(attention.sram_expected, [&](const plan::SramExpectation& e) { return e.x == a - 1; });

  KernelRequest ro = request("gemv", 5);
  ro.m = d;
  ro.n = qd;
  ro.region_width = b;  // each band's heads enter its row
  ro.region_height = p;
  ro.weight_scale = 1.0 / std::sqrt(double(qd));
  ro.dtype = req.dtype;
  plan::Plan o_proj = plan::Transposed(BuildGemvPlan(ro, fabric));
  KernelRequest rr = request("residual", 6);
  rr.d_model = d;
  rr.region_width = p;
  rr.region_height = 1;
  rr.inputs["r"] = x;
  plan::Plan residual = BuildChainedResidualPlan(rr, fabric, residual_streams);

  // Attention's output off by the inputs' errors, to first order: each score by
  // scale (|dq| |k| + |q| |dk|), each weight p_t by p_t (ds_t + sum p ds), each output
  // element by sum_t p_t |v_t - o| ds_t + p_new |dv|. The inputs' errors include their
  // rounding to binary32.
  const auto &kc = Values(attention, "k_cache"), &vc = Values(attention, "v_cache");
  const std::vector<double>& o_ref = attention.reference;
  std::vector<double> o(o_ref), eo(attention.tolerance);
  const double scale = 1.0 / std::sqrt(double(hd));
  for (int64_t h = 0; h < s.heads; ++h) {
    const int64_t g = h / hpg, tokens = s.context + 1;
    const double* q = &qkvd[static_cast<size_t>(h * hd)];
    const double* eq = &eqkv[static_cast<size_t>(h * hd)];
    auto key = [&](int64_t t, int64_t e) {
      return t < s.context ? double(kc[static_cast<size_t>((g * s.context + t) * hd + e)])
                           : qkvd[static_cast<size_t>(qd + g * hd + e)];
    };
    auto value = [&](int64_t t, int64_t e) {
      return t < s.context ? double(vc[static_cast<size_t>((g * s.context + t) * hd + e)])
                           : qkvd[static_cast<size_t>(qd + s.groups * hd + g * hd + e)];
    };
    std::vector<double> sc(tokens), ds(tokens);
    for (int64_t t = 0; t < tokens; ++t) {
      double dot = 0, err = 0;
      for (int64_t e = 0; e < hd; ++e) {
        const double k = key(t, e);
        dot += q[e] * k;
        err += (eq[e] + kU * std::fabs(q[e])) * std::fabs(k);
        if (t == s.context) {
          const size_t at = static_cast<size_t>(qd + g * hd + e);
          err += std::fabs(q[e]) * (eqkv[at] + kU * std::fabs(qkvd[at]));
        }
      }
      sc[t] = dot * scale;
      ds[t] = err * scale;
    }
    const double m = *std::max_element(sc.begin(), sc.end());
    double total = 0;
    for (auto& v : sc) total += (v = std::exp(v - m));
    for (auto& v : sc) v /= total;
    for (int64_t e = 0; e < hd; ++e) {
      const size_t at = static_cast<size_t>(h * hd + e);
      const size_t vn = static_cast<size_t>(qd + s.groups * hd + g * hd + e);
      double err = sc[tokens - 1] * (eqkv[vn] + kU * std::fabs(qkvd[vn]));
      for (int64_t t = 0; t < tokens; ++t) err += sc[t] * std::fabs(value(t, e) - o[at]) * 2 * ds[t];
      eo[at] += 1.5 * err;
    }
  }
  std::vector<double> y, ey;
  GemvReference(Values(o_proj, "W"), d, qd, o, rounded(o, eo), y, ey);
  AttentionStages st{std::move(norm), std::move(qkv), std::move(rope), std::move(attention), std::move(o_proj),
                      std::move(residual), std::vector<double>(d), std::vector<double>(d)};
  for (int64_t k = 0; k < d; ++k) {
    st.h[k] = double(x[k]) + y[k];
    st.eh[k] = ey[k] + ex[k] + kU * std::fabs(st.h[k]);
  }
  return st;
}

namespace {

plan::Plan Build(const KernelRequest& req, const fabric::FabricConfig& fabric,
                 std::vector<StageStamps>* stages) {
  const AttentionBlockLayout layout = ChooseAttentionBlockLayout(req, fabric);
  const Shape s = CheckShape(req);
  const int p = layout.columns, b = layout.bands, a = layout.attention_columns;
  const int64_t d = s.d, hd = s.hd;
  std::vector<float> x(static_cast<size_t>(d));
  {
    std::mt19937_64 rng(req.seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (auto& v : x) v = dist(rng);
  }
  CheckInputNames(req, {"x"});
  TakeInput(req, "x", x);
  AttentionStages st = BuildAttentionStages(req, fabric, layout, x, std::vector<double>(x.size(), 0.0), {});
  double compute_bound = 0;
  for (const plan::Plan* stage :
       std::initializer_list<const plan::Plan*>{&st.norm, &st.qkv, &st.rope, &st.attention, &st.o_proj, &st.residual}) {
    compute_bound += stage->cost.compute_bound_cycles;
  }
  plan::Plan block = plan::Chain({{"norm", plan::Moved(std::move(st.norm), 0, 0)},
                                  {"qkv", plan::Moved(std::move(st.qkv), 0, 1)},
                                  {"rope", plan::Moved(std::move(st.rope), p, 1)},
                                  {"attention", plan::Moved(std::move(st.attention), p + 1, 1)},
                                  {"o_proj", plan::Moved(std::move(st.o_proj), p + 1 + a, 1)},
                                  {"residual", plan::Moved(std::move(st.residual), p + 1 + a, b + 1)}},
                                 AttentionBlockLinks(), fabric, stages);
  block.reference = st.h;
  block.tolerance = DoubledBound(st.eh);
  block.kernel = "attention_block";
  block.description = fmt::format(
      "h = x + W_o attention(rope(W_qkv rmsnorm(x))), d_model {}, {} heads ({} kv) x {}, context {} + 1, {}, "
      "resident on {}x{} tiles (P {}, B {} bands, A {} attention columns): {}",
      d, s.heads, s.groups, hd, s.context,
      s.es == 2 ? "binary16 weights, binary32 activations and KV cache" : "binary32", 2 * p + 1 + a, b + 2, p, b, a,
      block.description);
  block.parameters = {{"d_model", d},        {"heads", s.heads}, {"kv_heads", s.groups}, {"dtype", req.dtype},
                      {"head_dim", hd},      {"context", s.context},
                      {"region", fmt::format("{}x{}", p, b)}, {"attention_columns", a}, {"seed", req.seed}};
  block.cost.estimated_cycles = layout.estimated_cycles;
  block.cost.compute_bound_cycles = compute_bound;
  block.cost.macs_per_tile_cycle = 1;
  return block;
}

}  // namespace

plan::Plan BuildAttentionBlockPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return Build(req, fabric, nullptr);
}

KernelMapping MapAttentionBlock(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::LowerWithStages([&](std::vector<StageStamps>* stages) { return Build(req, fabric, stages); }, fabric);
}

}  // namespace wafersim::runtime
