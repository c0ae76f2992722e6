#include "runtime/attention_decode_mapper.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "isa/fp.h"
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
std::string Stamp(int phase) {
  return fmt::format("        csrr    r10, cycle\n        sw      r10, {}(r0)\n", kStampsAddr + 4 * phase);
}

/// A tile's SRAM: stamps, its heads' queries (rows padded to 8 words), per group K then the
/// partial sums [l per head, O per head], per group V, the scores, the maxima. Queries, K and
/// V hold `es`-byte elements (4 binary32, 2 binary16); sums, scores and maxima are binary32.
struct Layout {
  uint32_t es = 4, q = 32, row_stride = 0, acc = 0, s = 0, lmax = 0, end = 0;
  std::vector<uint32_t> k, v;
  const char* Type() const { return es == 4 ? "f32" : "f16"; }  // of q, K and V descriptors
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

/// One region tile's part: where it is in its band and what it holds.
struct TilePlan {
  int c, r, width;  // region column, row, region width
  Band band;
  int heads_per_group, d;
  int64_t tokens;  // of each of its groups
  bool root;
  Layout l;
  uint32_t scale_bits;
  int Heads() const { return band.groups * heads_per_group; }
};

// A pipelined reduction of `len` words at `addr` over the band: east along each row, then
// south down the last column; the root ends with the result in place. `op` is tfmax or tfadd.
std::string Chain(const TilePlan& t, const char* op, uint32_t addr, int64_t len) {
  std::string s = fmt::format("        li      r5, {}\n        li      r4, {}\n        dmem    d7, r5, r4, r3, f32\n",
                              addr, len);
  auto in = [&](int color) { return fmt::format("        dfab    d0, {}, r4, in, f32\n", color); };
  auto out = [&](int color) { return fmt::format("        dfab    d1, {}, r4, out, f32\n", color); };
  if (t.c < t.width - 1) {
    s += out(RowColor(t.c));
    s += t.c == 0 ? "        tfmov   d1, d7\n" : in(RowColor(t.c - 1)) + fmt::format("        {}   d1, d0, d7\n", op);
    return s;
  }
  if (t.width > 1) s += in(RowColor(t.c - 1)) + fmt::format("        {}   d7, d0, d7\n", op);
  if (t.root) {
    if (t.band.rows > 1) s += in(ColColor(t.r - 1)) + fmt::format("        {}   d7, d0, d7\n", op);
  } else {
    s += out(ColColor(t.r));
    s += t.r == t.band.row0 ? "        tfmov   d1, d7\n"
                            : in(ColColor(t.r - 1)) + fmt::format("        {}   d1, d0, d7\n", op);
  }
  return s;
}

std::string Routes(const TilePlan& t) {
  const bool last_column = t.c == t.width - 1;
  const bool band_root_row = t.r == t.band.row0 + t.band.rows - 1;
  std::string s = RouteConfig(kColorQ, Route(kPortWest, kPortCore | (last_column ? 0 : kPortEast)));
  if (t.c > 0) s += RouteConfig(RowColor(t.c - 1), Route(kPortWest, kPortCore));
  if (!last_column || t.root) s += RouteConfig(RowColor(t.c), Route(kPortCore, kPortEast));  // the root's: out
  if (last_column) {
    if (t.r > t.band.row0) s += RouteConfig(ColColor(t.r - 1), Route(kPortNorth, kPortCore));
    if (!t.root) s += RouteConfig(ColColor(t.r), Route(kPortCore, kPortSouth));
  }
  const uint32_t west = t.c > 0 ? kPortWest : 0;
  if (t.root) {
    const uint32_t tx = (t.band.rows > 1 ? kPortNorth : 0) | west;
    if (tx != 0) s += RouteConfig(kColorMax, Route(kPortCore, tx));
  } else if (last_column) {
    s += RouteConfig(kColorMax, Route(kPortSouth, kPortCore | (t.r > t.band.row0 ? kPortNorth : 0) | west));
  } else {
    s += RouteConfig(kColorMax, Route(kPortEast, kPortCore | west));
  }
  if (band_root_row) s += RouteConfig(kColorKvNew, Route(kPortWest, last_column ? kPortCore : kPortEast));
  return s;
}

std::string TileSource(const TilePlan& t) {
  const Layout& l = t.l;
  const int heads = t.Heads(), hpg = t.heads_per_group, d = t.d;
  const int64_t n = t.tokens;
  std::string s = fmt::format("# attention decode tile ({},{}): {} groups x {} heads, {} tokens each{}\n",
                              t.c, t.r, t.band.groups, hpg, n, t.root ? ", root" : "");
  s += "        .text\nmain:\n";
  s += Routes(t);
  // Phase q_receive: the heads' queries (padded rows); the root also appends the new token's
  // K and V (its last cache row of each group).
  s += fmt::format(R"(        li      r3, 1
        li      r4, {d}
        dfab    d1, {qc}, r4, in, {ty}
        li      r5, {q}
        dmem    d2, r5, r4, r3, {ty}
        li      r6, {rs}
        li      r8, {heads}
qin:    tfmov   d2, d1
        dadd    d2, r6
        addi    r8, r8, -1
        bne     r8, r0, qin
)",
                   fmt::arg("d", d), fmt::arg("qc", kColorQ), fmt::arg("q", l.q), fmt::arg("rs", l.row_stride),
                   fmt::arg("heads", heads), fmt::arg("ty", l.Type()));
  if (t.root) {
    s += fmt::format("        li      r4, {}\n        dfab    d1, {}, r4, in, {}\n", d, kColorKvNew, l.Type());
    for (int g = 0; g < t.band.groups; ++g) {
      for (uint32_t base : {l.k[g], l.v[g]}) {
        s += fmt::format("        li      r5, {}\n        dmem    d2, r5, r4, r3, {}\n        tfmov   d2, d1\n",
                         base + static_cast<uint32_t>(n - 1) * l.row_stride, l.Type());
      }
    }
  }
  s += Stamp(0);
  // Phase scores: S[j][t] = K_t . q_j for each head j of each group, then each head's maximum.
  if (n > 0) {
    for (int g = 0; g < t.band.groups; ++g) {
      s += fmt::format(R"(        li      r4, {d}
        li      r5, {qg}
        dmem    d2, r5, r4, r3, {ty}
        li      r7, {sg}
        li      r8, {hpg}
sh{g}:  li      r5, {kg}
        dmem    d3, r5, r4, r3, {ty}
        li      r9, {n}
st{g}:  tfdot   r10, d3, d2
        sw      r10, 0(r7)
        addi    r7, r7, 4
        dadd    d3, r6
        addi    r9, r9, -1
        bne     r9, r0, st{g}
        dadd    d2, r6
        addi    r8, r8, -1
        bne     r8, r0, sh{g}
)",
                       fmt::arg("d", d), fmt::arg("qg", l.q + static_cast<uint32_t>(g * hpg) * l.row_stride),
                       fmt::arg("sg", l.s + 4 * static_cast<uint32_t>(g * hpg * n)), fmt::arg("hpg", hpg),
                       fmt::arg("g", g), fmt::arg("kg", l.k[g]), fmt::arg("n", n), fmt::arg("ty", l.Type()));
    }
    s += fmt::format(R"(        li      r4, {n}
        li      r5, {s}
        dmem    d4, r5, r4, r3, f32
        li      r7, {lmax}
        li      r8, {heads}
        li      r9, {srow}
mh:     tfmaxr  r10, d4
        sw      r10, 0(r7)
        addi    r7, r7, 4
        dadd    d4, r9
        addi    r8, r8, -1
        bne     r8, r0, mh
)",
                     fmt::arg("n", n), fmt::arg("s", l.s), fmt::arg("lmax", l.lmax), fmt::arg("heads", heads),
                     fmt::arg("srow", 4 * n));
  }
  s += Stamp(1);
  // Phase max_allreduce: the band's maximum per head, then back to every tile.
  s += Chain(t, "tfmax", l.lmax, heads);
  if (t.width * t.band.rows > 1) {
    s += fmt::format("        li      r4, {}\n        li      r5, {}\n        dmem    d7, r5, r4, r3, f32\n", heads,
                     l.lmax);
    s += t.root ? fmt::format("        dfab    d1, {}, r4, out, f32\n        tfmov   d1, d7\n", kColorMax)
                : fmt::format("        dfab    d0, {}, r4, in, f32\n        tfmov   d7, d0\n", kColorMax);
  }
  s += Stamp(2);
  // Phase softmax_pv: p = exp((S - max) / sqrt(d)) in place (scaling here costs a cycle per
  // score, scaling q a tensor pass over its d words per head; exp_f32 clobbers r2..r7),
  // l_j = sum of p, O_j = sum over t of p[j][t] V_t.
  if (n > 0) {
    s += fmt::format(R"(        li      r8, {s}
        li      r12, {lmax}
        li      r13, {heads}
        li      r14, {scale}
eh:     lw      r11, 0(r12)
        li      r9, {n}
et:     lw      r1, 0(r8)
        fsub    r1, r1, r11
        fmul    r1, r1, r14
        call    exp_f32
        sw      r1, 0(r8)
        addi    r8, r8, 4
        addi    r9, r9, -1
        bne     r9, r0, et
        addi    r12, r12, 4
        addi    r13, r13, -1
        bne     r13, r0, eh
        li      r3, 1
        li      r6, {rs}
        li      r4, {n}
        li      r5, {s}
        dmem    d4, r5, r4, r3, f32
        li      r7, {acc}
        li      r8, {heads}
        li      r9, {srow}
lh:     tfsum   r10, d4
        sw      r10, 0(r7)
        addi    r7, r7, 4
        dadd    d4, r9
        addi    r8, r8, -1
        bne     r8, r0, lh
        li      r4, {d}
        li      r11, {obytes}
)",
                     fmt::arg("s", l.s), fmt::arg("lmax", l.lmax), fmt::arg("heads", heads), fmt::arg("n", n),
                     fmt::arg("rs", l.row_stride), fmt::arg("acc", l.acc), fmt::arg("srow", 4 * n),
                     fmt::arg("d", d), fmt::arg("obytes", 4 * d), fmt::arg("scale", t.scale_bits));
    for (int g = 0; g < t.band.groups; ++g) {
      s += fmt::format(R"(        li      r8, {sg}
        li      r5, {og}
        dmem    d5, r5, r4, r3, f32
        li      r13, {hpg}
ph{g}:  li      r5, {vg}
        dmem    d6, r5, r4, r3, {ty}
        li      r9, {n}
pt{g}:  lw      r10, 0(r8)
        tfmac   d5, d5, d6, r10
        dadd    d6, r6
        addi    r8, r8, 4
        addi    r9, r9, -1
        bne     r9, r0, pt{g}
        dadd    d5, r11
        addi    r13, r13, -1
        bne     r13, r0, ph{g}
)",
                       fmt::arg("sg", l.s + 4 * static_cast<uint32_t>(g * hpg * n)),
                       fmt::arg("og", l.acc + 4 * static_cast<uint32_t>(heads + g * hpg * d)), fmt::arg("hpg", hpg),
                       fmt::arg("g", g), fmt::arg("vg", l.v[g]), fmt::arg("n", n), fmt::arg("ty", l.Type()));
    }
  }
  s += Stamp(3);
  // Phase sum_reduction: [l, O] summed over the band; the root divides each head's O by its l
  // (1/l by Newton's iteration from a bit-trick guess, as softmax.s) on the way out east.
  s += Chain(t, "tfadd", l.acc, int64_t{heads} * (d + 1));
  if (t.root) {
    s += fmt::format(R"(        li      r4, {d}
        li      r5, {o}
        dmem    d5, r5, r4, r3, f32
        dfab    d1, {oc}, r4, out, f32
        li      r8, {acc}
        li      r9, {heads}
        li      r10, {obytes}
nh:     lw      r12, 0(r8)
{recip}        tfmuls  d1, d5, r13
        dadd    d5, r10
        addi    r8, r8, 4
        addi    r9, r9, -1
        bne     r9, r0, nh
)",
                     fmt::arg("d", d), fmt::arg("o", l.acc + 4 * heads), fmt::arg("oc", RowColor(t.c)),
                     fmt::arg("acc", l.acc), fmt::arg("heads", heads), fmt::arg("obytes", 4 * d),
                     fmt::arg("recip", kReciprocalR12));
  }
  s += Stamp(4);
  s += "        halt\n";
  if (n > 0) s += "        .include \"exp_f32.s\"\n";
  return s;
}

void AppendWords(isa::Program& p, uint32_t addr, std::vector<uint32_t> words) {
  isa::DataSegment seg;
  seg.addr = addr;
  seg.bytes.resize(words.size() * 4);
  std::memcpy(seg.bytes.data(), words.data(), seg.bytes.size());
  p.data.push_back(std::move(seg));
}

// An element as SRAM and the fabric carry it: a binary32 word, or a binary16 half (the value
// is already binary16, so the conversion is exact).
uint32_t Element(float v, uint32_t es) { return es == 4 ? isa::AsBits(v) : isa::F32ToF16(isa::AsBits(v)); }

// Rows of d elements at `row_stride` bytes apart, as words (padding 0).
std::vector<uint32_t> RowWords(const std::function<const float*(int64_t)>& row, int64_t rows, int d, uint32_t es,
                               uint32_t row_stride) {
  std::vector<uint8_t> bytes(static_cast<size_t>(rows * row_stride), 0);
  for (int64_t t = 0; t < rows; ++t) {
    for (int i = 0; i < d; ++i) {
      const uint32_t e = Element(row(t)[i], es);
      std::memcpy(&bytes[static_cast<size_t>(t * row_stride + int64_t{es} * i)], &e, es);
    }
  }
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  return words;
}

struct Plan {
  int width, height;
  std::vector<Band> bands;
  int64_t max_tokens;
  int max_groups;
  Layout worst;
};

Plan MakePlan(int64_t groups, int hpg, int64_t tokens, int d, uint32_t es, int width, int height) {
  Plan p{width, height, MakeBands(groups, height), 0, 0, {}};
  for (const Band& b : p.bands) {
    p.max_tokens = std::max(p.max_tokens, Share(tokens, int64_t{b.rows} * width, 0));
    p.max_groups = std::max(p.max_groups, b.groups);
  }
  p.worst = MakeLayout(p.max_groups * hpg, p.max_groups, p.max_tokens, d, es);
  return p;
}

}  // namespace

KernelMapping MapAttentionDecode(const KernelRequest& req, const fabric::FabricConfig& fabric) {
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
  Plan plan = MakePlan(groups, hpg, tokens, d, es, pw, ph);
  while (plan.worst.end > static_cast<uint64_t>(fabric.sram_bytes) && req.fit &&
         (pw < fabric.width || ph < fabric.height)) {
    if (pw < fabric.width) {
      pw = std::min(fabric.width, 2 * pw);
    } else {
      ph = std::min(fabric.height, 2 * ph);
    }
    plan = MakePlan(groups, hpg, tokens, d, es, pw, ph);
  }
  const Layout& w = plan.worst;
  const int max_heads = plan.max_groups * hpg;
  if (w.end > static_cast<uint64_t>(fabric.sram_bytes)) {
    const uint64_t kv = uint64_t{w.row_stride} * plan.max_tokens * plan.max_groups;
    throw std::invalid_argument(fmt::format(
        "attention decode (batch {}, {} kv heads, context {}, head dim {}) does not fit a {}x{} region: a tile needs "
        "{} bytes of SRAM (K cache {} bytes and V cache {} bytes: {} groups x {} tokens x {} bytes of {}; queries {} bytes; "
        "partial sums {} bytes; scores {} bytes; stamps and maxima {} bytes) but has {}; use a larger --mesh or "
        "--region, or --fit",
        req.batch, kv_heads, req.context, d, pw, ph, w.end, kv, kv, plan.max_groups, plan.max_tokens, w.row_stride,
        type_name,
        max_heads * w.row_stride, 4 * max_heads * (d + 1), 4 * max_heads * plan.max_tokens, 32 + 4 * max_heads,
        fabric.sram_bytes));
  }
  if (int64_t{max_heads} * (d + 1) > 65535) {
    throw std::invalid_argument(fmt::format(
        "--heads/--head-dim: a tile's {} heads x {} partial sums exceed the 65,535 elements of a descriptor; use a "
        "taller --region or --mesh",
        max_heads, d + 1));
  }

  KernelMapping km;
  km.kernel = "attention";
  km.region_width = pw;
  km.region_height = ph;
  km.output_size = static_cast<size_t>(int64_t{req.batch} * req.heads * d);
  km.output_name = "o";
  km.phases = {"q_receive", "scores", "max_allreduce", "softmax_pv", "sum_reduction"};
  km.stamps_addr = kStampsAddr;
  km.sram_bytes_per_tile = w.end;
  const Band& b0 = plan.bands[0];
  km.description = fmt::format(
      "attention decode: batch {}, {} heads ({} kv heads) x {}, context {} + 1 new token, {}; {}; on a {}x{} "
      "region of the {}x{} mesh",
      req.batch, req.heads, kv_heads, d, req.context,
      es == 4 ? "binary32" : "binary16 queries and KV cache, binary32 arithmetic",
      b0.groups > 1 ? fmt::format("rows of {} tiles holding up to {} (sequence, kv head) groups each", pw,
                                  plan.max_groups)
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
  km.reference.assign(km.output_size, 0.0);
  km.tolerance.assign(km.output_size, 0.0);
  std::vector<double> sc(static_cast<size_t>(tokens)), mag(sc.size()), eta(sc.size());
  for (int64_t bi = 0; bi < req.batch; ++bi) {
    for (int h = 0; h < req.heads; ++h) {
      const int64_t g = bi * kv_heads + h / hpg;
      const Band* band = nullptr;
      for (const Band& b : plan.bands) {
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
      SoftmaxRow(sc, eta, d, roundings, [&](int64_t t) { return vat(g, t); }, &km.reference[at], &km.tolerance[at]);
    }
  }

  assembler::AsmOptions asm_options;
  asm_options.imem_words = fabric.imem_words;
  asm_options.sram_bytes = fabric.sram_bytes;
  asm_options.include_dirs = {std::string(WAFERSIM_SOURCE_DIR) + "/firmware/kernels"};
  uint32_t scale_bits;
  std::memcpy(&scale_bits, &scale_f, 4);
  const uint32_t neg_inf = isa::kNegInf;
  double io_words = 0;
  for (const Band& band : plan.bands) {
    const int nt = band.rows * pw;
    const int root_row = band.row0 + band.rows - 1;
    for (int r = band.row0; r < band.row0 + band.rows; ++r) {
      for (int c = 0; c < pw; ++c) {
        const int64_t k = int64_t{r - band.row0} * pw + c;
        // The root, the band's last tile, holds the last tokens, the new one among them: it
        // gets the smaller share (it also takes the new K and V) unless that is none.
        const bool reversed = tokens < nt;
        const int64_t n = Share(tokens, nt, reversed ? nt - 1 - k : k);
        const int64_t t0 = reversed ? tokens - Start(tokens, nt, nt - 1 - k) - n : Start(tokens, nt, k);
        TilePlan tp{c, r, pw, band, hpg, d, n, c == pw - 1 && r == root_row,
                    MakeLayout(band.groups * hpg, band.groups, n, d, es), scale_bits};
        const Layout& l = tp.l;
        const std::string name = fmt::format("attention decode tile ({},{})", c, r);
        TileProgram prog{c, r, {}};
        try {
          prog.program = assembler::AssembleText(TileSource(tp), name, asm_options);
        } catch (const assembler::AsmError& e) {
          throw std::invalid_argument(fmt::format("{}: {} ({} groups per tile; use a taller --region or --mesh)", name,
                                                  e.what(), band.groups));
        }
        // Maxima start at -inf (a tile without tokens contributes that); partial sums at 0.
        AppendWords(prog.program, l.lmax, std::vector<uint32_t>(static_cast<size_t>(tp.Heads()), neg_inf));
        for (int gi = 0; gi < band.groups; ++gi) {
          const int64_t g = band.group0 + gi;
          // The root's last row of each group is left empty: the new token arrives over the fabric.
          const int64_t stored = tp.root ? n - 1 : n;
          for (int which = 0; which < 2; ++which) {
            const uint32_t base = which == 0 ? l.k[gi] : l.v[gi];
            std::vector<uint32_t> rows = RowWords(
                [&](int64_t t) { return which == 0 ? kat(g, t0 + t) : vat(g, t0 + t); }, n, d, es, l.row_stride);
            if (stored > 0) {
              AppendWords(prog.program, base,
                          std::vector<uint32_t>(rows.begin(), rows.begin() + stored * l.row_stride / 4));
            }
            // After the run every row must be there, the new one included.
            if (n > 0) {
              km.sram_expected.push_back(
                  {c, r, base, std::move(rows), fmt::format("{} cache of group {}", which == 0 ? "K" : "V", g)});
            }
          }
        }
        km.tiles.push_back(std::move(prog));
        km.stamped_tiles.emplace_back(c, r);
      }
      // Each row's queries, from the west edge.
      EdgeInput in{0, r, noc::Dir::West, kColorQ, {}};
      for (int gi = 0; gi < band.groups; ++gi) {
        const int64_t g = band.group0 + gi, bi = g / kv_heads, kvh = g % kv_heads;
        for (int j = 0; j < hpg; ++j) {
          const float* qh = &q[static_cast<size_t>((bi * req.heads + kvh * hpg + j) * d)];
          for (int i = 0; i < d; ++i) in.payloads.push_back(Element(qh[i], es));
        }
      }
      // Edge words: the queries in, and on the root's row the new K and V in and the outputs out.
      const double kv_words = r == root_row ? 2.0 * band.groups * d : 0.0;
      io_words = std::max(io_words, double(in.payloads.size()) + kv_words);
      km.inputs.push_back(std::move(in));
    }
    // The new tokens' K and V to the root, and the outputs from it out of the east edge.
    EdgeInput kv{0, root_row, noc::Dir::West, kColorKvNew, {}};
    for (int gi = 0; gi < band.groups; ++gi) {
      for (const float* row : {kat(band.group0 + gi, tokens - 1), vat(band.group0 + gi, tokens - 1)}) {
        for (int i = 0; i < d; ++i) kv.payloads.push_back(Element(row[i], es));
      }
    }
    km.inputs.push_back(std::move(kv));
    for (int c = pw; c < fabric.width; ++c) {
      const std::string src = "main:\n" + RouteConfig(RowColor(pw - 1), Route(kPortWest, kPortEast)) + "        halt\n";
      km.tiles.push_back({c, root_row, assembler::AssembleText(src, fmt::format("attention forwarding tile ({},{})", c,
                                                                                root_row), asm_options)});
    }
    km.outputs.push_back({fabric.width - 1, root_row, noc::Dir::East, RowColor(pw - 1),
                          static_cast<size_t>(int64_t{band.group0} * hpg * d),
                          static_cast<size_t>(int64_t{band.groups} * hpg * d)});
  }

  km.flops = 4.0 * double(req.batch) * req.heads * double(tokens) * d;  // Q K^T and P V
  // Q K^T runs SimdWidth lanes with binary16 operands; P V one (its O accumulator is binary32).
  const double qk_lanes = es == 4 ? 1.0 : double(fabric.simd_width);
  km.compute_bound_cycles = km.flops / 4 / (double(pw) * ph) * (1 / qk_lanes + 1);
  km.macs_per_tile_cycle = km.flops / 2 / (double(pw) * ph) / km.compute_bound_cycles;
  km.io_bound_cycles = io_words / fabric.edge_wavelets_per_cycle;
  km.parameters = {{"phase", "decode"},  {"batch", req.batch},         {"heads", req.heads},
                   {"kv_heads", kv_heads}, {"head_dim", d},             {"context", req.context},
                   {"dtype", req.dtype},     {"region", fmt::format("{}x{}", pw, ph)}, {"seed", req.seed}};
  return km;
}

}  // namespace wafersim::runtime
