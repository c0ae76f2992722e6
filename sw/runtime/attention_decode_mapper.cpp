#include "runtime/attention_decode_mapper.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "isa/fp.h"
#include "plan/plan_lowering.h"
#include "runtime/attention_cost.h"
#include "runtime/attention_mapper.h"

namespace wafersim::runtime {

namespace {

using namespace attention;

constexpr int kColorQ = 0;               // the groups' queries, from the west edge along each row
constexpr int kColorRowA = 1, kColorRowB = 2;  // reductions east along a row, alternating by column
constexpr int kColorColA = 3, kColorColB = 4;  // reductions south down the last column, alternating by row
constexpr int kColorMax = 5;             // the band's maximum, broadcast back from the root
constexpr int kColorKvNew = 6;           // the new token's K and V, to the root along its row
constexpr int kColorsNeeded = 7;
constexpr uint32_t kStampsAddr = 0;
int RowColor(int column) { return column % 2 == 0 ? kColorRowA : kColorRowB; }  // what column c sends east
int ColColor(int row) { return row % 2 == 0 ? kColorColA : kColorColB; }        // what row r sends south

/// A tile's SRAM: stamps, its heads' queries (rows padded to 8 words), per group K then the
/// partial sums [l per head, O per head], per group V, the scores, the maxima. Queries, K and
/// V hold `es`-byte elements (4 binary32, 2 binary16); sums, scores and maxima are binary32.
struct Layout {
  uint32_t es = 4, q = 32, row_stride = 0, acc = 0, s = 0, lmax = 0, end = 0;
  std::vector<uint32_t> k, v;
};

Layout MakeLayout(int heads, int groups, int64_t tokens, int d, uint32_t es) {
  Layout l;
  l.es = es;
  l.row_stride = Align(es * static_cast<uint32_t>(d), 32);
  uint32_t p = l.q + static_cast<uint32_t>(heads) * l.row_stride;
  const uint32_t kv_bytes = static_cast<uint32_t>(tokens) * l.row_stride;
  // K one step's words after q (a binary16 step reads 4 elements, 2 words): a dot product's
  // two operands never want the same bank.
  for (int g = 0; g < groups; ++g) {
    l.k.push_back(Align(p, 32) + (es == 4 ? 4 : 8));
    p = l.k.back() + kv_bytes;
  }
  l.acc = Align(p, 32);
  p = l.acc + 4 * static_cast<uint32_t>(heads) * (static_cast<uint32_t>(d) + 1);
  // V one bank after each head's O (when d is a multiple of 8): tfmac reads both per element.
  // A binary16 V moves a bank every second element against O's every element, so it meets
  // O's reads and writes whatever its offset (every offset measured the same at d 64).
  for (int g = 0; g < groups; ++g) {
    l.v.push_back(Align(p, 32) + 4 * ((static_cast<uint32_t>(heads) + 1) % 8));
    p = l.v.back() + kv_bytes;
  }
  l.s = p;
  p += 4 * static_cast<uint32_t>(heads) * static_cast<uint32_t>(tokens);
  l.lmax = p;
  l.end = p + 4 * static_cast<uint32_t>(heads);
  return l;
}

// An element as SRAM and the fabric carry it: a binary32 word, or a binary16 half (the value
// is already binary16, so the conversion is exact).
uint32_t Element(float v, uint32_t es) { return es == 4 ? isa::AsBits(v) : isa::F32ToF16(isa::AsBits(v)); }

/// The bands and the largest share of a region: the tile that needs the most SRAM.
struct Sizing {
  int width, height;
  std::vector<Band> bands;
  int64_t max_tokens;
  int max_groups;
  Layout worst;
};

Sizing MakeSizing(int64_t groups, int hpg, int64_t tokens, int d, uint32_t es, int width, int height) {
  Sizing p{width, height, MakeBands(groups, height), 0, 0, {}};
  for (const Band& b : p.bands) {
    p.max_tokens = std::max(p.max_tokens, Share(tokens, int64_t{b.rows} * width, 0));
    p.max_groups = std::max(p.max_groups, b.groups);
  }
  p.worst = MakeLayout(p.max_groups * hpg, p.max_groups, p.max_tokens, d, es);
  return p;
}

}  // namespace

plan::Plan BuildAttentionDecodePlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  const int kv_heads = CheckHeads(req);
  if (req.context < 0 || req.context > 10'000'000) {
    throw std::invalid_argument(fmt::format("--context: {} must be in 0..10,000,000", req.context));
  }
  // Binary16 keeps q, K and V (half the SRAM a cached token takes) and leaves the arithmetic
  // binary32; q is binary16 too, so a score's tfdot has every operand binary16 and runs
  // SimdWidth lanes.
  const uint32_t es = ElementBytes(req);
  const char* type_name = es == 4 ? "binary32" : "binary16";
  if (fabric.colors < kColorsNeeded) {
    throw std::invalid_argument(fmt::format("router.colors: attention decode needs {} colors, the fabric has {}",
                                            kColorsNeeded, fabric.colors));
  }
  const RegionSize asked = RequestedRegion(req, fabric);
  int pw = asked.width, ph = asked.height;
  const int d = req.head_dim, hpg = req.heads / kv_heads;
  const int64_t groups = int64_t{req.batch} * kv_heads, tokens = int64_t{req.context} + 1;

  // The largest share decides; with --fit the region grows (wider first) until it fits.
  Sizing sizing = MakeSizing(groups, hpg, tokens, d, es, pw, ph);
  while (sizing.worst.end > static_cast<uint64_t>(fabric.sram_bytes) && req.fit &&
         (pw < fabric.width || ph < fabric.height)) {
    if (pw < fabric.width) {
      pw = std::min(fabric.width, 2 * pw);
    } else {
      ph = std::min(fabric.height, 2 * ph);
    }
    sizing = MakeSizing(groups, hpg, tokens, d, es, pw, ph);
  }
  const Layout& w = sizing.worst;
  const int max_heads = sizing.max_groups * hpg;
  if (w.end > static_cast<uint64_t>(fabric.sram_bytes)) {
    const uint64_t kv = uint64_t{w.row_stride} * sizing.max_tokens * sizing.max_groups;
    throw std::invalid_argument(fmt::format(
        "attention decode (batch {}, {} kv heads, context {}, head dim {}) does not fit a {}x{} region: a tile needs "
        "{} bytes of SRAM (K cache {} bytes and V cache {} bytes: {} groups x {} tokens x {} bytes of {}; queries {} bytes; "
        "partial sums {} bytes; scores {} bytes; stamps and maxima {} bytes) but has {}; use a larger --mesh or "
        "--region, or --fit",
        req.batch, kv_heads, req.context, d, pw, ph, w.end, kv, kv, sizing.max_groups, sizing.max_tokens, w.row_stride,
        type_name,
        max_heads * w.row_stride, 4 * max_heads * (d + 1), 4 * max_heads * sizing.max_tokens, 32 + 4 * max_heads,
        fabric.sram_bytes));
  }
  if (int64_t{max_heads} * (d + 1) > 65535) {
    throw std::invalid_argument(fmt::format(
        "--heads/--head-dim: a tile's {} heads x {} partial sums exceed the 65,535 elements of a descriptor; use a "
        "taller --region or --mesh",
        max_heads, d + 1));
  }

  const plan::DType dtype = es == 4 ? plan::DType::kFp32 : plan::DType::kFp16;
  plan::Plan plan;
  plan.kernel = "attention";
  plan.region = {0, 0, pw, ph};
  const size_t output_size = static_cast<size_t>(int64_t{req.batch} * req.heads * d);
  plan.phases = {"q_receive", "scores", "max_allreduce", "softmax_pv", "sum_reduction"};
  plan.stamps_addr = kStampsAddr;
  plan.sram_bytes_per_tile = w.end;
  const Band& b0 = sizing.bands[0];
  plan.description = fmt::format(
      "attention decode: batch {}, {} heads ({} kv heads) x {}, context {} + 1 new token, {}; {}; on a {}x{} "
      "region of the {}x{} mesh",
      req.batch, req.heads, kv_heads, d, req.context,
      es == 4 ? "binary32" : "binary16 queries and KV cache, binary32 arithmetic",
      b0.groups > 1 ? fmt::format("rows of {} tiles holding up to {} (sequence, kv head) groups each", pw,
                                  sizing.max_groups)
                    : fmt::format("a band of {} rows ({} tiles) per (sequence, kv head) group", b0.rows, b0.rows * pw),
      pw, ph, fabric.width, fabric.height);

  // The inputs, from the seed: q in [-4, 4) so the softmax is far from uniform, K and V in
  // [-1, 1), as stored (binary16 storage: the reference uses the rounded values). Cache row
  // `context` of each group is the new token's K and V.
  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  auto stored = [&](float v) { return AsStored(v, es); };
  std::vector<float> q(static_cast<size_t>(int64_t{req.batch} * req.heads * d));
  std::vector<float> kc(static_cast<size_t>(groups * tokens * d)), vc(kc.size());
  for (auto& v : q) v = 4.0f * unit(rng);
  for (auto& v : kc) v = stored(unit(rng));
  for (auto& v : vc) v = stored(unit(rng));
  auto kat = [&](int64_t g, int64_t t) { return &kc[static_cast<size_t>((g * tokens + t) * d)]; };
  auto vat = [&](int64_t g, int64_t t) { return &vc[static_cast<size_t>((g * tokens + t) * d)]; };
  // A block gives q (batch x heads x d) and the new token's K and V (batch x kv heads x d)
  // from the projections before it; the cache's older rows stay seeded.
  CheckInputNames(req, {"q", "k_new", "v_new"});
  TakeInput(req, "q", q);
  for (auto& v : q) v = stored(v);
  for (const bool keys : {true, false}) {
    auto newest = [&](int64_t g) { return keys ? kat(g, tokens - 1) : vat(g, tokens - 1); };
    std::vector<float> fresh(static_cast<size_t>(groups * d));
    for (int64_t g = 0; g < groups; ++g) std::copy_n(newest(g), d, &fresh[static_cast<size_t>(g * d)]);
    TakeInput(req, keys ? "k_new" : "v_new", fresh);
    for (int64_t g = 0; g < groups; ++g) {
      for (int i = 0; i < d; ++i) newest(g)[i] = stored(fresh[static_cast<size_t>(g * d + i)]);
    }
  }

  // The reference, and its tolerance from the error bounds of each step (docs/mapping.md):
  // a score is a chain of d fused roundings (e_s <= d u sum|q k| / sqrt(d); binary16's four
  // lanes make it ceil(d/4) + 3 <= d, and its products are exact); exp's argument
  // (s_t - m) / sqrt(d) adds three roundings (subtract, scale, the scale itself), so p_t has
  // relative error eta_t <= expm1(e_s + 3u (|s_t - m| + e_s + e_max)) + kExpF32 (the maximum's
  // own error cancels: every p of a head shares it); l and O are sums of positive weights over
  // at most c = tokens per tile + band width + band height roundings; 1/l by Newton and the
  // final product add 3u. With binary16 storage nothing is rounded to binary16 on the fabric:
  // q, K and V go in as binary16 and are copied, not converted, so the bound is binary32's
  // against the inputs as stored.
  const double scale = 1.0 / std::sqrt(double(d));
  const float scale_f = static_cast<float>(scale);
  plan.reference.assign(output_size, 0.0);
  plan.tolerance.assign(output_size, 0.0);
  std::vector<double> sc(static_cast<size_t>(tokens)), mag(sc.size()), eta(sc.size());
  for (int64_t bi = 0; bi < req.batch; ++bi) {
    for (int h = 0; h < req.heads; ++h) {
      const int64_t g = bi * kv_heads + h / hpg;
      const Band* band = nullptr;
      for (const Band& b : sizing.bands) {
        if (g >= b.group0 && g < b.group0 + b.groups) band = &b;
      }
      const double roundings = double(Share(tokens, int64_t{band->rows} * pw, 0) + pw + band->rows);
      const float* qh = &q[static_cast<size_t>((bi * req.heads + h) * d)];
      double m = -INFINITY, e_max = 0;
      for (int64_t t = 0; t < tokens; ++t) {
        double sum = 0, a = 0;
        for (int i = 0; i < d; ++i) {
          sum += double(qh[i]) * kat(g, t)[i];
          a += std::fabs(double(qh[i]) * kat(g, t)[i]);
        }
        sc[t] = sum * scale;
        mag[t] = d * kU * a * scale;
        m = std::max(m, sc[t]);
        e_max = std::max(e_max, mag[t]);
      }
      for (int64_t t = 0; t < tokens; ++t) {
        eta[t] = std::expm1(mag[t] + 3 * kU * (m - sc[t] + mag[t] + e_max)) * (1 + kExpF32RelativeError) +
                 kExpF32RelativeError;
      }
      const size_t at = static_cast<size_t>((bi * req.heads + h) * d);
      SoftmaxRow(sc, eta, d, roundings, [&](int64_t t) { return vat(g, t); }, &plan.reference[at], &plan.tolerance[at]);
    }
  }

  // The tensors: q (a row per sequence's query head), the K and V caches before the append
  // (the `context` older rows of each group), and the new token's K and V, a K row then a V
  // row per group, as the root's row streams them.
  const int64_t context = req.context;
  plan.tensors["q"] = plan::Tensor{{int64_t{req.batch} * req.heads, d}, dtype, q};
  for (const bool keys : {true, false}) {
    std::vector<float> cache(static_cast<size_t>(groups * context * d));
    for (int64_t g = 0; g < groups; ++g) {
      for (int64_t t = 0; t < context; ++t) {
        std::copy_n(keys ? kat(g, t) : vat(g, t), d, &cache[static_cast<size_t>((g * context + t) * d)]);
      }
    }
    plan.tensors[keys ? "k_cache" : "v_cache"] = plan::Tensor{{groups * context, d}, dtype, std::move(cache)};
  }
  std::vector<float> kv_new(static_cast<size_t>(groups * 2 * d));
  for (int64_t g = 0; g < groups; ++g) {
    std::copy_n(kat(g, tokens - 1), d, &kv_new[static_cast<size_t>(2 * g * d)]);
    std::copy_n(vat(g, tokens - 1), d, &kv_new[static_cast<size_t>((2 * g + 1) * d)]);
  }
  plan.tensors["kv_new"] = plan::Tensor{{2 * groups, d}, dtype, std::move(kv_new)};

  const uint32_t scale_bits = isa::AsBits(scale_f);
  plan::Port q_in{"q", dtype, plan.tensors["q"].values.size(), {}, {}};
  plan::Port kv_in{"kv_new", dtype, plan.tensors["kv_new"].values.size(), {}, {}};
  plan::Port out{"o", plan::DType::kFp32, output_size, {}, {}};
  double io_words = 0;
  for (const Band& band : sizing.bands) {
    const int nt = band.rows * pw;
    const int root_row = band.row0 + band.rows - 1;
    const int heads = band.groups * hpg;
    for (int r = band.row0; r < band.row0 + band.rows; ++r) {
      for (int c = 0; c < pw; ++c) {
        const int64_t k = int64_t{r - band.row0} * pw + c;
        // The root, the band's last tile, holds the last tokens, the new one among them: it
        // gets the smaller share (it also takes the new K and V) unless that is none.
        const bool reversed = tokens < nt;
        const int64_t n = Share(tokens, nt, reversed ? nt - 1 - k : k);
        const int64_t t0 = reversed ? tokens - Start(tokens, nt, nt - 1 - k) - n : Start(tokens, nt, k);
        const bool root = c == pw - 1 && r == root_row, row_last = c == pw - 1, col_first = r == band.row0;
        const Layout l = MakeLayout(heads, band.groups, n, d, es);
        // Groups' K (and V) blocks are evenly spaced.
        const uint32_t kstep = band.groups > 1 ? l.k[1] - l.k[0] : 0, vstep = band.groups > 1 ? l.v[1] - l.v[0] : 0;
        for (int gi = 0; gi < band.groups; ++gi) {
          assert(l.k[gi] == l.k[0] + gi * kstep && l.v[gi] == l.v[0] + gi * vstep);
        }
        plan::PlanTile t;
        t.x = c;
        t.y = r;
        t.role = root ? "root" : "compute";
        t.program = {"kernels/attention_decode_tile.s",
                     {{"D", d}, {"HPG", hpg}, {"GROUPS", band.groups}, {"N", n}, {"DT", es * 8}, {"QADDR", l.q},
                      {"ROWB", l.row_stride}, {"KADDR", l.k[0]}, {"KSTEP", kstep}, {"VADDR", l.v[0]},
                      {"VSTEP", vstep}, {"ACC", l.acc}, {"SADDR", l.s}, {"LMAX", l.lmax}, {"SCALE", scale_bits},
                      {"STAMPS", kStampsAddr}, {"ROOT", root}, {"ROW_FIRST", c == 0}, {"ROW_LAST", row_last},
                      {"COL_FIRST", col_first}, {"BAND_TILES", nt}, {"COLOR_Q", kColorQ},
                      {"COLOR_KV", kColorKvNew}, {"COLOR_ROW_IN", c > 0 ? RowColor(c - 1) : 0},
                      {"COLOR_ROW_OUT", RowColor(c)}, {"COLOR_COL_IN", col_first ? 0 : ColColor(r - 1)},
                      {"COLOR_COL_OUT", ColColor(r)}, {"COLOR_MAX", kColorMax}}};
        // The routes, in the order the program used to set them up.
        t.routes.push_back({kColorQ, kPortWest, kPortCore | (row_last ? 0 : kPortEast)});
        if (c > 0) t.routes.push_back({RowColor(c - 1), kPortWest, kPortCore});
        if (!row_last || root) t.routes.push_back({RowColor(c), kPortCore, kPortEast});  // the root's: out
        if (row_last) {
          if (!col_first) t.routes.push_back({ColColor(r - 1), kPortNorth, kPortCore});
          if (!root) t.routes.push_back({ColColor(r), kPortCore, kPortSouth});
        }
        const uint32_t west = c > 0 ? kPortWest : 0;
        if (root) {
          const uint32_t tx = (band.rows > 1 ? kPortNorth : 0) | west;
          if (tx != 0) t.routes.push_back({kColorMax, kPortCore, tx});
        } else if (row_last) {
          t.routes.push_back({kColorMax, kPortSouth, kPortCore | (col_first ? 0 : kPortNorth) | west});
        } else {
          t.routes.push_back({kColorMax, kPortEast, kPortCore | west});
        }
        if (r == root_row) t.routes.push_back({kColorKvNew, kPortWest, row_last ? kPortCore : kPortEast});
        // Maxima start at -inf (a tile without tokens contributes that); partial sums at 0.
        plan::RawData maxima{l.lmax, std::vector<uint8_t>(4 * static_cast<size_t>(heads))};
        for (int j = 0; j < heads; ++j) std::memcpy(&maxima.bytes[4 * static_cast<size_t>(j)], &isa::kNegInf, 4);
        t.raw.push_back(std::move(maxima));
        for (int gi = 0; gi < band.groups; ++gi) {
          const int64_t g = band.group0 + gi;
          // The root's last row of each group is left empty: the new token arrives over the fabric.
          const int64_t stored = root ? n - 1 : n;
          for (const bool keys : {true, false}) {
            const uint32_t base = keys ? l.k[gi] : l.v[gi];
            if (stored > 0) {
              t.shards.push_back({keys ? "k_cache" : "v_cache", base, g * context + t0, stored, 0, d,
                                  l.row_stride / es});
            }
            // After the run every row must be there, the new one included (rows padded with 0).
            if (n > 0) {
              std::vector<uint32_t> words(static_cast<size_t>(n) * l.row_stride / 4, 0);
              for (int64_t i = 0; i < n; ++i) {
                const float* row = keys ? kat(g, t0 + i) : vat(g, t0 + i);
                for (int e = 0; e < d; ++e) {
                  const uint32_t bits = Element(row[e], es);
                  std::memcpy(reinterpret_cast<uint8_t*>(words.data()) + i * l.row_stride + int64_t{es} * e, &bits,
                              es);
                }
              }
              plan.sram_expected.push_back(
                  {c, r, base, std::move(words), fmt::format("{} cache of group {}", keys ? "K" : "V", g)});
            }
          }
        }
        plan.tiles.push_back(std::move(t));
        plan.stamped_tiles.emplace_back(c, r);
      }
      // Each row's queries (its groups' heads, in order), from the west edge.
      const size_t q_count = static_cast<size_t>(int64_t{heads} * d);
      q_in.streams.push_back({0, r, noc::Dir::West, kColorQ, static_cast<size_t>(int64_t{band.group0} * hpg * d),
                              q_count});
      // Edge words: the queries in, and on the root's row the new K and V in and the outputs out.
      const double kv_words = r == root_row ? 2.0 * band.groups * d : 0.0;
      io_words = std::max(io_words, double(q_count) + kv_words);
    }
    // The new tokens' K and V to the root, and the outputs from it out of the east edge.
    kv_in.streams.push_back({0, root_row, noc::Dir::West, kColorKvNew,
                             static_cast<size_t>(2 * int64_t{band.group0} * d),
                             static_cast<size_t>(2 * int64_t{band.groups} * d)});
    out.streams.push_back({pw - 1, root_row, noc::Dir::East, RowColor(pw - 1),
                           static_cast<size_t>(int64_t{band.group0} * hpg * d),
                           static_cast<size_t>(int64_t{band.groups} * hpg * d)});
  }
  plan.inputs.push_back(std::move(q_in));
  plan.inputs.push_back(std::move(kv_in));
  plan.outputs.push_back(std::move(out));

  plan.cost.flops = 4.0 * double(req.batch) * req.heads * double(tokens) * d;  // Q K^T and P V
  // Q K^T runs SimdWidth lanes with binary16 operands; P V one (its O accumulator is binary32).
  const double qk_lanes = es == 4 ? 1.0 : double(fabric.simd_width);
  plan.cost.compute_bound_cycles = plan.cost.flops / 4 / (double(pw) * ph) * (1 / qk_lanes + 1);
  plan.cost.macs_per_tile_cycle = plan.cost.flops / 2 / (double(pw) * ph) / plan.cost.compute_bound_cycles;
  plan.cost.io_bound_cycles = io_words / fabric.edge_wavelets_per_cycle;
  plan.cost.estimated_cycles =
      AttentionDecodeCycles({groups, hpg, d, d, es == 4 ? 1 : fabric.simd_width, pw, ph}, tokens);
  plan.parameters = {{"phase", "decode"},  {"batch", req.batch},         {"heads", req.heads},
                  {"kv_heads", kv_heads}, {"head_dim", d},             {"context", req.context},
                  {"dtype", req.dtype},     {"region", fmt::format("{}x{}", pw, ph)}, {"seed", req.seed}};
  return plan;
}

KernelMapping MapAttentionDecode(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  const plan::Plan p = BuildAttentionDecodePlan(req, fabric);
  return attention::LowerGrouped(p, fabric);
}

}  // namespace wafersim::runtime
