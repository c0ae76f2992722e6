#include "runtime/attention_prefill_mapper.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "isa/fp.h"
#include "runtime/attention_mapper.h"

namespace wafersim::runtime {

namespace {

using namespace attention;

constexpr int kColorKv = 0;  // the group's K and V chunks, from the west edge along each row
constexpr uint32_t kStampsAddr = 0;
// Scratch words after the stamps: the chunk's first key, its keys, the rescaling factor, the
// chunks left, the cycles spent receiving.
constexpr uint32_t kK0 = 32, kNk = 36, kAlpha = 40, kChunksLeft = 44, kRecv = 48;
constexpr uint32_t kRecords = 96;
constexpr int kMaxChunk = 64;

/// A tile's SRAM: stamps, scratch, one record per (head, own token) = [position, running max,
/// running sum, pad | q (row padded to 8 words) | O (likewise)], then the K and V chunk
/// buffers (one bank after q and O) and the chunk's scores. q, K and V hold `es`-byte
/// elements (4 binary32, 2 binary16); O, the scores and the running values are binary32.
struct Layout {
  uint32_t es = 4, q_row = 0, o_row = 0, record_bytes = 0, k = 0, v = 0, s = 0, end = 0;
  uint32_t Q(uint32_t rec) const { return rec + 32; }
  uint32_t O(uint32_t rec) const { return rec + 32 + q_row; }
  const char* Type() const { return es == 4 ? "f32" : "f16"; }  // of q, K and V descriptors
};

Layout MakeLayout(int64_t records, int chunk, int d, uint32_t es) {
  Layout l;
  l.es = es;
  l.q_row = Align(es * static_cast<uint32_t>(d), 32);
  l.o_row = Align(4 * static_cast<uint32_t>(d), 32);
  l.record_bytes = 32 + l.q_row + l.o_row;
  const uint32_t chunk_bytes = es * static_cast<uint32_t>(chunk) * static_cast<uint32_t>(d);
  // K one step's words after q (a binary16 step reads 4 elements, 2 words): a score's two
  // operands never want the same bank.
  l.k = Align(kRecords + static_cast<uint32_t>(records) * l.record_bytes, 32) + (es == 4 ? 4 : 8);
  l.v = Align(l.k + chunk_bytes, 32) + 4;
  l.s = Align(l.v + chunk_bytes, 4);  // binary16 chunks of an odd d x chunk end mid-word
  l.end = l.s + 4 * static_cast<uint32_t>(chunk);
  return l;
}

struct TilePlan {
  int c, r, width;
  Band band;
  int heads_per_group, d;
  int64_t prompt, own;  // prompt tokens; this tile's tokens of each group
  int chunk;
  Layout l;
  uint32_t scale_bits;
};

// One record's work for the chunk in the buffers: scores against the keys it may see, the
// new running maximum, alpha = exp((old max - new max) / sqrt(d)), p = exp((s - max) /
// sqrt(d)), l = alpha l + sum p, O = alpha O + sum p_t V_t. r8 points at the record.
std::string RowBody(const TilePlan& t, int g) {
  const Layout& l = t.l;
  return fmt::format(R"(rw{g}:   lw      r12, 0(r8)
        lw      r10, {k0}(r0)
        sub     r12, r12, r10
        addi    r12, r12, 1             # keys this row may see: position - k0 + 1, at most n_k
        bge     r0, r12, rn{g}
        lw      r11, {nk}(r0)
        blt     r12, r11, ne{g}
        mv      r12, r11
ne{g}:   li      r3, 1
        li      r4, {d}
        li      r5, {kb}
        dmem    d3, r5, r4, r3, {ty}
        addi    r5, r8, 32
        dmem    d2, r5, r4, r3, {ty}
        li      r7, {sb}
        li      r6, {db}
        mv      r13, r12
sc{g}:   tfdot   r14, d3, d2
        sw      r14, 0(r7)
        addi    r7, r7, 4
        dadd    d3, r6
        addi    r13, r13, -1
        bne     r13, r0, sc{g}
        li      r5, {sb}
        dmem    d4, r5, r12, r3, f32
        tfmaxr  r14, d4
        lw      r13, 4(r8)
        fmax    r14, r14, r13
        sw      r14, 4(r8)
        fsub    r1, r13, r14
        li      r10, {scale}
        fmul    r1, r1, r10
        call    exp_f32
        sw      r1, {alpha}(r0)
        li      r13, {sb}
        mv      r11, r12
ex{g}:   lw      r1, 0(r13)
        fsub    r1, r1, r14
        fmul    r1, r1, r10
        call    exp_f32
        sw      r1, 0(r13)
        addi    r13, r13, 4
        addi    r11, r11, -1
        bne     r11, r0, ex{g}
        li      r3, 1
        li      r5, {sb}
        dmem    d4, r5, r12, r3, f32
        tfsum   r14, d4
        lw      r13, 8(r8)
        lw      r11, {alpha}(r0)
        ffma    r13, r13, r11, r14
        sw      r13, 8(r8)
        li      r4, {d}
        addi    r5, r8, {oo}
        dmem    d5, r5, r4, r3, f32
        tfmuls  d5, d5, r11
        li      r5, {vb}
        dmem    d6, r5, r4, r3, {ty}
        li      r6, {db}
        li      r13, {sb}
        mv      r11, r12
pv{g}:   lw      r14, 0(r13)
        tfmac   d5, d5, d6, r14
        dadd    d6, r6
        addi    r13, r13, 4
        addi    r11, r11, -1
        bne     r11, r0, pv{g}
)",
                     fmt::arg("g", g), fmt::arg("k0", kK0), fmt::arg("nk", kNk), fmt::arg("d", t.d),
                     fmt::arg("kb", l.k), fmt::arg("vb", l.v), fmt::arg("sb", l.s), fmt::arg("db", l.es * t.d),
                     fmt::arg("scale", t.scale_bits), fmt::arg("alpha", kAlpha), fmt::arg("oo", 32 + l.q_row),
                     fmt::arg("ty", l.Type()));
}

std::string TileSource(const TilePlan& t) {
  const Layout& l = t.l;
  const int64_t records_per_group = int64_t{t.heads_per_group} * t.own;
  const int64_t chunks = (t.prompt + t.chunk - 1) / t.chunk;
  std::string s = fmt::format("# attention prefill tile ({},{}): {} groups x {} heads x {} tokens\n", t.c, t.r,
                              t.band.groups, t.heads_per_group, t.own);
  s += "        .text\nmain:\n";
  s += RouteConfig(kColorKv, Route(kPortWest, kPortCore | (t.c < t.width - 1 ? kPortEast : 0)));
  s += fmt::format("        csrr    r10, cycle\n        sw      r10, {}(r0)\n", kRecv);
  for (int g = 0; g < t.band.groups; ++g) {
    // The group's chunks: receive K and V (n_k = min(chunk, prompt - k0) keys), then every
    // record that sees any of them.
    s += fmt::format(R"(        sw      r0, {k0}(r0)
        li      r10, {chunks}
        sw      r10, {left}(r0)
ch{g}:   lw      r10, {k0}(r0)
        li      r11, {prompt}
        sub     r11, r11, r10
        li      r12, {chunk}
        blt     r11, r12, nk{g}
        mv      r11, r12
nk{g}:   sw      r11, {nk}(r0)
        csrr    r13, cycle
        li      r3, 1
        li      r4, {d}
        mul     r4, r4, r11
        dfab    d1, {color}, r4, in, {ty}
        li      r5, {kb}
        dmem    d3, r5, r4, r3, {ty}
        tfmov   d3, d1
        li      r5, {vb}
        dmem    d3, r5, r4, r3, {ty}
        tfmov   d3, d1
        csrr    r14, cycle
        sub     r14, r14, r13
        lw      r13, {recv}(r0)
        add     r13, r13, r14
        sw      r13, {recv}(r0)
)",
                     fmt::arg("g", g), fmt::arg("k0", kK0), fmt::arg("chunks", chunks), fmt::arg("left", kChunksLeft),
                     fmt::arg("prompt", t.prompt), fmt::arg("chunk", t.chunk), fmt::arg("nk", kNk),
                     fmt::arg("d", t.d), fmt::arg("color", kColorKv), fmt::arg("kb", l.k), fmt::arg("vb", l.v),
                     fmt::arg("recv", kRecv), fmt::arg("ty", l.Type()));
    if (records_per_group > 0) {
      s += fmt::format("        li      r8, {}\n        li      r9, {}\n",
                       kRecords + static_cast<uint32_t>(g * records_per_group) * l.record_bytes, records_per_group);
      s += RowBody(t, g);
      s += fmt::format("rn{g}:   addi    r8, r8, {rb}\n        addi    r9, r9, -1\n        bne     r9, r0, rw{g}\n",
                       fmt::arg("g", g), fmt::arg("rb", l.record_bytes));
    }
    s += fmt::format(R"(        lw      r10, {k0}(r0)
        addi    r10, r10, {chunk}
        sw      r10, {k0}(r0)
        lw      r11, {left}(r0)
        addi    r11, r11, -1
        sw      r11, {left}(r0)
        bne     r11, r0, ch{g}
)",
                     fmt::arg("g", g), fmt::arg("k0", kK0), fmt::arg("chunk", t.chunk), fmt::arg("left", kChunksLeft));
  }
  // Phases: kv_receive (cycles spent taking chunks in, from cycle 0), compute, normalize.
  s += fmt::format("        lw      r10, {}(r0)\n        sw      r10, {}(r0)\n", kRecv, kStampsAddr);
  s += fmt::format("        csrr    r10, cycle\n        sw      r10, {}(r0)\n", kStampsAddr + 4);
  const int64_t records = records_per_group * t.band.groups;
  if (records > 0) {
    // O /= l, 1/l by Newton's iteration from a bit-trick guess (as softmax.s); l >= 1.
    s += fmt::format(R"(        li      r8, {rec}
        li      r9, {records}
        li      r3, 1
        li      r4, {d}
nl:     lw      r12, 8(r8)
{recip}        addi    r5, r8, {oo}
        dmem    d5, r5, r4, r3, f32
        tfmuls  d5, d5, r13
        addi    r8, r8, {rb}
        addi    r9, r9, -1
        bne     r9, r0, nl
)",
                     fmt::arg("rec", kRecords), fmt::arg("records", records), fmt::arg("d", t.d),
                     fmt::arg("oo", 32 + l.q_row), fmt::arg("rb", l.record_bytes),
                     fmt::arg("recip", kReciprocalR12));
  }
  s += fmt::format("        csrr    r10, cycle\n        sw      r10, {}(r0)\n        halt\n", kStampsAddr + 8);
  if (records > 0) s += "        .include \"exp_f32.s\"\n";
  return s;
}

// An element as SRAM and the fabric carry it: a binary32 word, or a binary16 half (the value
// is already binary16, so the conversion is exact).
uint32_t Element(float v, uint32_t es) { return es == 4 ? isa::AsBits(v) : isa::F32ToF16(isa::AsBits(v)); }

// The snake: token p of a group goes to tile p mod n of its band in even rounds and to
// n - 1 - (p mod n) in odd ones, so early (cheap) and late (costly) tokens mix on every tile.
int64_t TileOf(int64_t p, int64_t n) { return (p / n) % 2 == 0 ? p % n : n - 1 - p % n; }

struct Plan {
  std::vector<Band> bands;
  int64_t max_own = 0;
  int max_groups = 0, chunk = 0;
  Layout worst;
};

// The largest chunk (up to kMaxChunk keys) with which the fullest tile fits; chunk 0 if none.
Plan MakePlan(int64_t groups, int hpg, int64_t prompt, int d, uint32_t es, int width, int height, uint32_t sram) {
  Plan p;
  p.bands = MakeBands(groups, height);
  for (const Band& b : p.bands) {
    p.max_own = std::max(p.max_own, Share(prompt, int64_t{b.rows} * width, 0));
    p.max_groups = std::max(p.max_groups, b.groups);
  }
  const int64_t records = p.max_own * hpg * p.max_groups;
  for (int c = static_cast<int>(std::min<int64_t>(prompt, kMaxChunk)); c >= 1; --c) {
    p.worst = MakeLayout(records, c, d, es);
    if (p.worst.end <= sram && int64_t{c} * d <= 65535) {
      p.chunk = c;
      return p;
    }
  }
  return p;
}

}  // namespace

KernelMapping MapAttentionPrefill(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  const int kv_heads = CheckHeads(req);
  if (req.prompt < 1 || req.prompt > 1'000'000) {
    throw std::invalid_argument(fmt::format("--prompt: {} must be in 1..1,000,000", req.prompt));
  }
  // Binary16 keeps q, K and V (less SRAM per record and per chunk) and leaves the arithmetic
  // binary32; q and K both binary16 let a score's tfdot run SimdWidth lanes.
  const uint32_t es = ElementBytes(req);
  const char* type_name = es == 4 ? "binary32" : "binary16";
  const RegionSize asked = RequestedRegion(req, fabric);
  int pw = asked.width, ph = asked.height;
  const int d = req.head_dim, hpg = req.heads / kv_heads;
  const int64_t groups = int64_t{req.batch} * kv_heads, prompt = req.prompt;
  const uint32_t sram = static_cast<uint32_t>(fabric.sram_bytes);

  Plan plan = MakePlan(groups, hpg, prompt, d, es, pw, ph, sram);
  while (plan.chunk == 0 && req.fit && (pw < fabric.width || ph < fabric.height)) {
    if (pw < fabric.width) {
      pw = std::min(fabric.width, 2 * pw);
    } else {
      ph = std::min(fabric.height, 2 * ph);
    }
    plan = MakePlan(groups, hpg, prompt, d, es, pw, ph, sram);
  }
  if (plan.chunk == 0) {
    const Layout& w = plan.worst;  // with chunks of one key
    const int64_t records = plan.max_own * hpg * plan.max_groups;
    throw std::invalid_argument(fmt::format(
        "attention prefill (batch {}, {} heads, {} kv heads, prompt {}, head dim {}) does not fit a {}x{} region: a "
        "tile needs {} bytes of SRAM (queries, running sums and outputs of {} tokens x {} heads: {} bytes; K and V "
        "chunks of one key with its score: {} bytes; stamps and scratch {} bytes; q, K and V in {}) but has {}; use "
        "a larger --mesh or --region, or --fit",
        req.batch, req.heads, kv_heads, prompt, d, pw, ph, w.end, plan.max_own, hpg * plan.max_groups,
        records * w.record_bytes, w.end - kRecords - records * w.record_bytes, kRecords, type_name, sram));
  }
  const Layout& w = plan.worst;

  KernelMapping km;
  km.kernel = "attention";
  km.region_width = pw;
  km.region_height = ph;
  km.output_size = static_cast<size_t>(int64_t{req.batch} * req.heads * prompt * d);
  km.output_name = "o";
  km.phases = {"kv_receive", "compute", "normalize"};
  km.stamps_addr = kStampsAddr;
  km.sram_bytes_per_tile = w.end;
  km.description = fmt::format(
      "attention prefill: batch {}, {} heads ({} kv heads) x {}, causal over a prompt of {}, {}; K and V in "
      "chunks of {} along each row of {}; on a {}x{} region of the {}x{} mesh",
      req.batch, req.heads, kv_heads, d, prompt, es == 4 ? "binary32" : "binary16 q, K and V, binary32 arithmetic",
      plan.chunk,
      plan.bands[0].groups > 1 ? fmt::format("one-row bands of up to {} groups", plan.max_groups)
                               : fmt::format("a band of {} rows per group", plan.bands[0].rows),
      pw, ph, fabric.width, fabric.height);

  // The inputs, from the seed: Q in [-4, 4) so the softmax is far from uniform, K and V in
  // [-1, 1), as stored (binary16 storage: the reference uses the rounded values).
  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  auto stored = [&](float v) { return AsStored(v, es); };
  std::vector<float> q(static_cast<size_t>(int64_t{req.batch} * req.heads * prompt * d));
  std::vector<float> kc(static_cast<size_t>(groups * prompt * d)), vc(kc.size());
  for (auto& v : q) v = 4.0f * unit(rng);
  for (auto& v : kc) v = unit(rng);
  for (auto& v : vc) v = unit(rng);
  // A block gives them from the projections before (head-major, sequence by sequence).
  CheckInputNames(req, {"q", "k", "v"});
  TakeInput(req, "q", q);
  TakeInput(req, "k", kc);
  TakeInput(req, "v", vc);
  for (auto* values : {&q, &kc, &vc}) {
    for (auto& v : *values) v = stored(v);
  }
  auto kat = [&](int64_t g, int64_t t) { return &kc[static_cast<size_t>((g * prompt + t) * d)]; };
  auto vat = [&](int64_t g, int64_t t) { return &vc[static_cast<size_t>((g * prompt + t) * d)]; };
  auto qat = [&](int64_t bi, int64_t h, int64_t p) {
    return &q[static_cast<size_t>(((bi * req.heads + h) * prompt + p) * d)];
  };

  // The reference and its tolerance (docs/mapping.md). Row p sees keys 0..p over nch chunks:
  // a score is d fused roundings (e_s); every weight the fabric applies is its own exp times
  // the rescalings after it, whose arguments telescope to (s_t - m) / sqrt(d) up to three
  // roundings each of the running maxima's steps (together at most m - min s) and of
  // |s_t - m|; so eta_t <= (1 + expm1(e_s + 3u (|s_t - m| + m - min s + 4 e_max))) (1 + kExpF32)^nch - 1.
  // The sums take at most p + 1 + 2 nch roundings (the chunk sums, the products by alpha).
  // Binary16 storage: a score's 4 lanes are at most ceil(d/4) + 2 roundings deep (the products
  // are exact, 11 x 11 bits, and an empty lane adds exactly), never more than d, so e_s holds;
  // nothing the fabric writes is rounded to binary16 (q, K and V arrive as binary16 and are
  // copied, not converted), so the bound is binary32's against the inputs as stored.
  const double scale = 1.0 / std::sqrt(double(d));
  const float scale_f = static_cast<float>(scale);
  km.reference.assign(km.output_size, 0.0);
  km.tolerance.assign(km.output_size, 0.0);
  for (int64_t bi = 0; bi < req.batch; ++bi) {
    for (int h = 0; h < req.heads; ++h) {
      const int64_t g = bi * kv_heads + h / hpg;
      for (int64_t p = 0; p < prompt; ++p) {
        const float* qp = qat(bi, h, p);
        std::vector<double> sc(static_cast<size_t>(p + 1)), mag(sc.size()), eta(sc.size());
        double m = -INFINITY, lo = INFINITY, e_max = 0;
        for (int64_t t = 0; t <= p; ++t) {
          double sum = 0, a = 0;
          for (int i = 0; i < d; ++i) {
            sum += double(qp[i]) * kat(g, t)[i];
            a += std::fabs(double(qp[i]) * kat(g, t)[i]);
          }
          sc[t] = sum * scale;
          mag[t] = d * kU * a * scale;
          m = std::max(m, sc[t]);
          lo = std::min(lo, sc[t]);
          e_max = std::max(e_max, mag[t]);
        }
        const double nch = double(p / plan.chunk + 1);
        const double exps = std::pow(1 + kExpF32RelativeError, nch);
        for (int64_t t = 0; t <= p; ++t) {
          eta[t] = (1 + std::expm1(mag[t] + 3 * kU * (m - sc[t] + m - lo + 4 * e_max))) * exps - 1;
        }
        const size_t at = static_cast<size_t>(((bi * req.heads + h) * prompt + p) * d);
        SoftmaxRow(sc, eta, d, double(p + 1) + 2 * nch, [&](int64_t t) { return vat(g, t); }, &km.reference[at],
                   &km.tolerance[at]);
      }
    }
  }

  assembler::AsmOptions asm_options;
  asm_options.imem_words = fabric.imem_words;
  asm_options.sram_bytes = fabric.sram_bytes;
  asm_options.include_dirs = {std::string(WAFERSIM_SOURCE_DIR) + "/firmware/kernels"};
  uint32_t scale_bits;
  std::memcpy(&scale_bits, &scale_f, 4);
  double io_words = 0;
  for (const Band& band : plan.bands) {
    const int64_t nt = int64_t{band.rows} * pw;
    std::vector<std::vector<int64_t>> own(static_cast<size_t>(nt));
    for (int64_t p = 0; p < prompt; ++p) own[TileOf(p, nt)].push_back(p);
    for (int r = band.row0; r < band.row0 + band.rows; ++r) {
      for (int c = 0; c < pw; ++c) {
        const auto& tokens = own[static_cast<size_t>(int64_t{r - band.row0} * pw + c)];
        const int64_t n = static_cast<int64_t>(tokens.size());
        TilePlan tp{c, r, pw, band, hpg, d, prompt, n, plan.chunk,
                    MakeLayout(n * hpg * band.groups, plan.chunk, d, es), scale_bits};
        const Layout& l = tp.l;
        const std::string name = fmt::format("attention prefill tile ({},{})", c, r);
        TileProgram prog{c, r, {}};
        try {
          prog.program = assembler::AssembleText(TileSource(tp), name, asm_options);
        } catch (const assembler::AsmError& e) {
          throw std::invalid_argument(fmt::format("{}: {} ({} groups per tile; use a taller --region or --mesh)", name,
                                                  e.what(), band.groups));
        }
        // The records: position, running max -inf, running sum 0, q, O 0; O stays as the output.
        isa::DataSegment seg;
        seg.addr = kRecords;
        seg.bytes.assign(static_cast<size_t>(n * hpg * band.groups) * l.record_bytes, 0);
        uint32_t rec = kRecords;
        for (int gi = 0; gi < band.groups; ++gi) {
          const int64_t g = band.group0 + gi, bi = g / kv_heads, kvh = g % kv_heads;
          for (int j = 0; j < hpg; ++j) {
            for (int64_t p : tokens) {
              uint8_t* at = &seg.bytes[rec - kRecords];
              const uint32_t pos = static_cast<uint32_t>(p), neg_inf = isa::kNegInf;
              std::memcpy(at, &pos, 4);
              std::memcpy(at + 4, &neg_inf, 4);
              const float* qp = qat(bi, kvh * hpg + j, p);
              for (int i = 0; i < d; ++i) {
                const uint32_t e = Element(qp[i], es);
                std::memcpy(at + 32 + int64_t{es} * i, &e, es);
              }
              km.sram_outputs.push_back({c, r, l.O(rec),
                                         static_cast<size_t>(((bi * req.heads + kvh * hpg + j) * prompt + p) * d),
                                         static_cast<size_t>(d)});
              rec += l.record_bytes;
            }
          }
        }
        if (!seg.bytes.empty()) prog.program.data.push_back(std::move(seg));
        km.tiles.push_back(std::move(prog));
        km.stamped_tiles.emplace_back(c, r);
      }
      // Every row of the band takes the group's K and V, chunk by chunk: the chunk's K rows, then its V rows.
      EdgeInput in{0, r, noc::Dir::West, kColorKv, {}};
      for (int gi = 0; gi < band.groups; ++gi) {
        const int64_t g = band.group0 + gi;
        for (int64_t k0 = 0; k0 < prompt; k0 += plan.chunk) {
          const int64_t nk = std::min<int64_t>(plan.chunk, prompt - k0);
          for (int which = 0; which < 2; ++which) {
            for (int64_t t = k0; t < k0 + nk; ++t) {
              const float* row = which == 0 ? kat(g, t) : vat(g, t);
              for (int i = 0; i < d; ++i) in.payloads.push_back(Element(row[i], es));
            }
          }
        }
      }
      io_words = std::max(io_words, double(in.payloads.size()));
      km.inputs.push_back(std::move(in));
    }
  }

  // Q K^T and P V over the causal triangle: each of the prompt's rows sees its position + 1 keys.
  // Q K^T runs SimdWidth lanes with binary16 operands; P V one (its O accumulator is binary32).
  km.flops = 4.0 * double(req.batch) * req.heads * d * (double(prompt) * double(prompt + 1) / 2);
  const double qk_lanes = es == 4 ? 1.0 : double(fabric.simd_width);
  km.compute_bound_cycles = km.flops / 4 / (double(pw) * ph) * (1 / qk_lanes + 1);
  km.macs_per_tile_cycle = km.flops / 2 / (double(pw) * ph) / km.compute_bound_cycles;
  km.io_bound_cycles = io_words / fabric.edge_wavelets_per_cycle;
  km.parameters = {{"phase", "prefill"},  {"batch", req.batch},  {"heads", req.heads},
                   {"kv_heads", kv_heads}, {"head_dim", d},      {"prompt", prompt},
                   {"chunk", plan.chunk},  {"dtype", req.dtype}, {"region", fmt::format("{}x{}", pw, ph)},
                   {"seed", req.seed}};
  return km;
}

}  // namespace wafersim::runtime
