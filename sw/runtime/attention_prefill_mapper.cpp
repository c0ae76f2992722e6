#include "runtime/attention_prefill_mapper.h"

#include <algorithm>
#include <cmath>
#include <cstring>
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

constexpr int kColorKv = 0;  // the group's K and V chunks, from the west edge along each row
constexpr uint32_t kStampsAddr = 0;
// Scratch words after the stamps: the chunk's first key, its keys, the rescaling factor, the
// chunks left, the cycles spent receiving.
constexpr uint32_t kScratch = 32;
constexpr uint32_t kRecords = 96;

/// A tile's SRAM: stamps, scratch, one record per (head, own token) = [position, running max,
/// running sum, pad | q (row padded to 8 words) | O (likewise)], then the K and V chunk
/// buffers (one bank after q and O) and the chunk's scores. q, K and V hold `es`-byte
/// elements (4 binary32, 2 binary16); O, the scores and the running values are binary32.
struct Layout {
  uint32_t es = 4, q_row = 0, o_row = 0, record_bytes = 0, k = 0, v = 0, s = 0, end = 0;
  uint32_t Q(uint32_t rec) const { return rec + 32; }
  uint32_t O(uint32_t rec) const { return rec + 32 + q_row; }
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

// An element as SRAM and the fabric carry it: a binary32 word, or a binary16 half (the value
// is already binary16, so the conversion is exact).
uint32_t Element(float v, uint32_t es) { return es == 4 ? isa::AsBits(v) : isa::F32ToF16(isa::AsBits(v)); }


/// The bands, the largest share of a region (the tile that needs the most SRAM) and the chunk.
struct Sizing {
  std::vector<Band> bands;
  int64_t max_own = 0;
  int max_groups = 0, chunk = 0;
  Layout worst;
};

// The largest chunk (up to kPrefillChunk keys) with which the fullest tile fits; chunk 0 if none.
Sizing MakeSizing(int64_t groups, int hpg, int64_t prompt, int d, uint32_t es, int width, int height,
                  uint32_t sram) {
  Sizing p;
  p.bands = MakeBands(groups, height);
  for (const Band& b : p.bands) {
    p.max_own = std::max(p.max_own, Share(prompt, int64_t{b.rows} * width, 0));
    p.max_groups = std::max(p.max_groups, b.groups);
  }
  const int64_t records = p.max_own * hpg * p.max_groups;
  for (int c = static_cast<int>(std::min<int64_t>(prompt, kPrefillChunk)); c >= 1; --c) {
    p.worst = MakeLayout(records, c, d, es);
    if (p.worst.end <= sram && int64_t{c} * d <= 65535) {
      p.chunk = c;
      return p;
    }
  }
  return p;
}

}  // namespace

plan::Plan BuildAttentionPrefillPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
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

  Sizing sizing = MakeSizing(groups, hpg, prompt, d, es, pw, ph, sram);
  while (sizing.chunk == 0 && req.fit && (pw < fabric.width || ph < fabric.height)) {
    if (pw < fabric.width) {
      pw = std::min(fabric.width, 2 * pw);
    } else {
      ph = std::min(fabric.height, 2 * ph);
    }
    sizing = MakeSizing(groups, hpg, prompt, d, es, pw, ph, sram);
  }
  if (sizing.chunk == 0) {
    const Layout& w = sizing.worst;  // with chunks of one key
    const int64_t records = sizing.max_own * hpg * sizing.max_groups;
    throw std::invalid_argument(fmt::format(
        "attention prefill (batch {}, {} heads, {} kv heads, prompt {}, head dim {}) does not fit a {}x{} region: a "
        "tile needs {} bytes of SRAM (queries, running sums and outputs of {} tokens x {} heads: {} bytes; K and V "
        "chunks of one key with its score: {} bytes; stamps and scratch {} bytes; q, K and V in {}) but has {}; use "
        "a larger --mesh or --region, or --fit",
        req.batch, req.heads, kv_heads, prompt, d, pw, ph, w.end, sizing.max_own, hpg * sizing.max_groups,
        records * w.record_bytes, w.end - kRecords - records * w.record_bytes, kRecords, type_name, sram));
  }
  const Layout& w = sizing.worst;

  const plan::DType dtype = es == 4 ? plan::DType::kFp32 : plan::DType::kFp16;
  plan::Plan plan;
  plan.kernel = "attention";
  plan.region = {0, 0, pw, ph};
  const size_t output_size = static_cast<size_t>(int64_t{req.batch} * req.heads * prompt * d);
  plan.phases = {"kv_receive", "compute", "normalize"};
  plan.stamps_addr = kStampsAddr;
  plan.sram_bytes_per_tile = w.end;
  plan.description = fmt::format(
      "attention prefill: batch {}, {} heads ({} kv heads) x {}, causal over a prompt of {}, {}; K and V in "
      "chunks of {} along each row of {}; on a {}x{} region of the {}x{} mesh",
      req.batch, req.heads, kv_heads, d, prompt, es == 4 ? "binary32" : "binary16 q, K and V, binary32 arithmetic",
      sizing.chunk,
      sizing.bands[0].groups > 1 ? fmt::format("one-row bands of up to {} groups", sizing.max_groups)
                               : fmt::format("a band of {} rows per group", sizing.bands[0].rows),
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
  plan.reference.assign(output_size, 0.0);
  plan.tolerance.assign(output_size, 0.0);
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
        const double nch = double(p / sizing.chunk + 1);
        const double exps = std::pow(1 + kExpF32RelativeError, nch);
        for (int64_t t = 0; t <= p; ++t) {
          eta[t] = (1 + std::expm1(mag[t] + 3 * kU * (m - sc[t] + m - lo + 4 * e_max))) * exps - 1;
        }
        const size_t at = static_cast<size_t>(((bi * req.heads + h) * prompt + p) * d);
        SoftmaxRow(sc, eta, d, double(p + 1) + 2 * nch, [&](int64_t t) { return vat(g, t); }, &plan.reference[at],
                   &plan.tolerance[at]);
      }
    }
  }

  // The K and V stream, a tensor of its own: for each group, chunk by chunk, the chunk's K
  // rows then its V rows (a band row takes its groups' part, in order).
  std::vector<float> kv;
  kv.reserve(static_cast<size_t>(groups * 2 * prompt * d));
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t k0 = 0; k0 < prompt; k0 += sizing.chunk) {
      const int64_t nk = std::min<int64_t>(sizing.chunk, prompt - k0);
      for (const bool keys : {true, false}) {
        for (int64_t t = k0; t < k0 + nk; ++t) {
          const float* row = keys ? kat(g, t) : vat(g, t);
          kv.insert(kv.end(), row, row + d);
        }
      }
    }
  }
  plan.tensors["kv"] = plan::Tensor{{groups * 2 * prompt, d}, dtype, std::move(kv)};
  plan::Port kv_in{"kv", dtype, static_cast<size_t>(groups * 2 * prompt * d), {}, {}};
  plan::Port out{"o", plan::DType::kFp32, output_size, {}, {}};

  const uint32_t scale_bits = isa::AsBits(scale_f);
  double io_words = 0;
  for (const Band& band : sizing.bands) {
    const int64_t nt = int64_t{band.rows} * pw;
    std::vector<std::vector<int64_t>> own(static_cast<size_t>(nt));
    for (int64_t pos = 0; pos < prompt; ++pos) own[PrefillTileOf(pos, nt)].push_back(pos);
    for (int r = band.row0; r < band.row0 + band.rows; ++r) {
      for (int c = 0; c < pw; ++c) {
        const auto& tokens = own[static_cast<size_t>(int64_t{r - band.row0} * pw + c)];
        const int64_t n = static_cast<int64_t>(tokens.size());
        const Layout l = MakeLayout(n * hpg * band.groups, sizing.chunk, d, es);
        plan::PlanTile t;
        t.x = c;
        t.y = r;
        t.role = "compute";
        t.program = {"kernels/attention_prefill_tile.s",
                     {{"D", d}, {"DT", es * 8}, {"GROUPS", band.groups}, {"RPG", n * hpg}, {"PROMPT", prompt},
                      {"CHUNK", sizing.chunk}, {"CHUNKS", (prompt + sizing.chunk - 1) / sizing.chunk},
                      {"RECS", kRecords}, {"RB", l.record_bytes}, {"OO", l.O(0)}, {"KBUF", l.k}, {"VBUF", l.v},
                      {"SBUF", l.s}, {"DB", l.es * d}, {"SCALE", scale_bits}, {"SCRATCH", kScratch},
                      {"STAMPS", kStampsAddr}, {"COLOR_KV", kColorKv}}};
        t.routes.push_back({kColorKv, kPortWest, kPortCore | (c < pw - 1 ? kPortEast : 0)});
        // The records: position, running max -inf, running sum 0, q, O 0; O stays as the output.
        plan::RawData records{kRecords, std::vector<uint8_t>(static_cast<size_t>(n * hpg * band.groups) *
                                                             l.record_bytes)};
        uint32_t rec = kRecords;
        for (int gi = 0; gi < band.groups; ++gi) {
          const int64_t g = band.group0 + gi, bi = g / kv_heads, kvh = g % kv_heads;
          for (int j = 0; j < hpg; ++j) {
            for (int64_t pos : tokens) {
              uint8_t* at = &records.bytes[rec - kRecords];
              const uint32_t pos32 = static_cast<uint32_t>(pos);
              std::memcpy(at, &pos32, 4);
              std::memcpy(at + 4, &isa::kNegInf, 4);
              const float* qp = qat(bi, kvh * hpg + j, pos);
              for (int i = 0; i < d; ++i) {
                const uint32_t e = Element(qp[i], es);
                std::memcpy(at + 32 + int64_t{es} * i, &e, es);
              }
              out.sram.push_back({c, r, l.O(rec),
                                  static_cast<size_t>(((bi * req.heads + kvh * hpg + j) * prompt + pos) * d),
                                  static_cast<size_t>(d)});
              rec += l.record_bytes;
            }
          }
        }
        if (!records.bytes.empty()) t.raw.push_back(std::move(records));
        plan.tiles.push_back(std::move(t));
        plan.stamped_tiles.emplace_back(c, r);
      }
      // Every row of the band takes its groups' K and V, chunk by chunk.
      const size_t count = static_cast<size_t>(int64_t{band.groups} * 2 * prompt * d);
      kv_in.streams.push_back({0, r, noc::Dir::West, kColorKv,
                               static_cast<size_t>(int64_t{band.group0} * 2 * prompt * d), count});
      io_words = std::max(io_words, double(count));
    }
  }
  plan.inputs.push_back(std::move(kv_in));
  plan.outputs.push_back(std::move(out));

  // Q K^T and P V over the causal triangle: each of the prompt's rows sees its position + 1 keys.
  // Q K^T runs SimdWidth lanes with binary16 operands; P V one (its O accumulator is binary32).
  plan.cost.flops = 4.0 * double(req.batch) * req.heads * d * (double(prompt) * double(prompt + 1) / 2);
  const double qk_lanes = es == 4 ? 1.0 : double(fabric.simd_width);
  plan.cost.compute_bound_cycles = plan.cost.flops / 4 / (double(pw) * ph) * (1 / qk_lanes + 1);
  plan.cost.macs_per_tile_cycle = plan.cost.flops / 2 / (double(pw) * ph) / plan.cost.compute_bound_cycles;
  plan.cost.io_bound_cycles = io_words / fabric.edge_wavelets_per_cycle;
  plan.cost.estimated_cycles = AttentionPrefillCycles(
      {int64_t{req.batch} * kv_heads, hpg, d, d, es == 4 ? 1 : fabric.simd_width, pw, ph}, prompt, sizing.chunk);
  plan.parameters = {{"phase", "prefill"},  {"batch", req.batch},  {"heads", req.heads},
                  {"kv_heads", kv_heads}, {"head_dim", d},      {"prompt", prompt},
                  {"chunk", sizing.chunk},  {"dtype", req.dtype}, {"region", fmt::format("{}x{}", pw, ph)},
                  {"seed", req.seed}};
  return plan;
}

KernelMapping MapAttentionPrefill(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  const plan::Plan p = BuildAttentionPrefillPlan(req, fabric);
  return attention::LowerGrouped(p, fabric);
}

}  // namespace wafersim::runtime
