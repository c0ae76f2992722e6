#include "runtime/moe_mapper.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "isa/fp.h"
#include "plan/plan_lowering.h"
#include "runtime/moe_cost.h"
#include "runtime/moe_reference.h"
#include "runtime/mapping_util.h"

namespace wafersim::runtime {

namespace {

constexpr int kColorTokens = 0;  // tokens from the west edge into the gate tile
// The gate's dispatch: static, a broadcast of every token with its expert weights; dynamic,
// the packets that take each token to the first tile of each expert chosen for it.
constexpr int kColorDispatch = 1;
// The combine chain alternates these two, so a router takes one from the previous tile to its
// core and sends the other on from its core.
constexpr int kColorChainA = 2, kColorChainB = 3;
// Dynamic dispatch: an expert's first tile relays its tokens along the expert's other tiles.
constexpr int kColorRelay = 4;
// Scratch words after the four stamps: g across the exp call, the largest logit, the sum.
constexpr uint32_t kStampsAddr = 0, kSaveG = 16, kSaveMax = 20, kSaveSum = 24;
// A dynamic packet's head: the destination in bits 21:0 (mesh_pkg::dyn_head_t: x in bits 10:0,
// y in 21:11), the tag above; tag 1 is the end of the tokens (a one-wavelet packet, head and tail).
constexpr int kHeadTagShift = 22, kHeadYShift = 11;

enum class Dispatch { kStatic, kDynamic };

int ChainColor(int position) { return position % 2 == 0 ? kColorChainA : kColorChainB; }

struct Coord {
  int x, y;
};

uint32_t PortToward(Coord from, Coord to) {
  if (to.x > from.x) return kPortEast;
  if (to.x < from.x) return kPortWest;
  return to.y > from.y ? kPortSouth : kPortNorth;
}

// Every region tile but the gate's, in a snake: row 0 eastward from x = 1, row 1 westward, ...
std::vector<Coord> Snake(int pw, int ph) {
  std::vector<Coord> chain;
  for (int y = 0; y < ph; ++y) {
    for (int i = 0; i < pw; ++i) {
      const int x = y % 2 == 0 ? i : pw - 1 - i;
      if (x != 0 || y != 0) chain.push_back({x, y});
    }
  }
  return chain;
}

// Bytes per element of the weights (the gate's and the experts' projections) and of the tokens on
// the tiles and on the fabric between them: 4 binary32, 2 binary16.
struct Storage {
  uint32_t es = 4;
  const char* Name() const { return es == 4 ? "binary32" : "binary16"; }
  // Tokens' rows start on bank 0 and weight rows this many bytes on, so a dot product's two
  // operands never want one bank (a binary16 one runs 4 lanes, two words of each a step).
  uint32_t RowOffset() const { return es == 4 ? 4 : 8; }
};

// Layouts in 64 bits: a shape too large for any tile still says how large (no wrap-around
// that would pass the SRAM check); they fit 32 bits once that check has passed.
// A layout's address or element count, once the SRAM check has passed (it fits 32 bits).
uint32_t Addr(uint64_t a) { return static_cast<uint32_t>(a); }
int64_t Elements(uint64_t n) { return static_cast<int64_t>(n); }

struct GateLayout {
  uint64_t x_addr, x_row, wg_addr, logits_addr, weights_addr, heads_addr, end;
};

GateLayout LayoutGate(const MoeShape& s, const Storage& st, Dispatch dispatch) {
  GateLayout l;
  l.x_addr = 32;
  l.x_row = Align64(uint64_t{st.es} * static_cast<uint64_t>(s.d_model), 32);
  // The gate's rows just after the tokens' banks, so a dot product never waits for a bank.
  l.wg_addr = l.x_addr + l.x_row * s.tokens + st.RowOffset();
  l.logits_addr = Align64(l.wg_addr + l.x_row * s.experts, 32);
  l.weights_addr = Align64(l.logits_addr + 4 * s.experts, 32);
  // Dynamic dispatch: per expert, the head of a packet to its first tile.
  l.heads_addr = l.weights_addr + 4 * s.experts * s.tokens;
  l.end = l.heads_addr + (dispatch == Dispatch::kDynamic ? 4 * s.experts : 0);
  return l;
}

struct ExpertLayout {
  uint64_t rec_addr, x_offset, rec_bytes, y_addr, h_addr, w1_addr, w3_addr, w2_addr, row, end;
  uint64_t w2_rows, w2_block;  // the down projection: w2_rows rows to a block of w2_block bytes
  uint64_t weight_bytes, token_bytes, y_bytes;
};

// A token's record: its E weights (binary32), then x, each padded to whole bank rows; the gate
// and up projections' rows just after x's banks. The down projection's rows are interleaved
// into blocks of whole words (binary16: row 2i in the low halves, 2i + 1 in the high), so each
// element it reads is one bank on from the last, as with the binary32 partial outputs it
// updates: one bank after them, the two never meet.
ExpertLayout LayoutExpert(const MoeShape& s, const Storage& st, int hidden) {
  ExpertLayout l;
  l.rec_addr = 32;
  l.x_offset = Align64(4 * s.experts, 32);
  l.row = Align64(uint64_t{st.es} * static_cast<uint64_t>(s.d_model), 32);
  l.rec_bytes = l.x_offset + l.row;
  l.token_bytes = l.rec_bytes * s.tokens;
  l.y_addr = l.rec_addr + l.token_bytes;
  l.y_bytes = 4 * s.tokens * s.d_model;
  l.h_addr = Align64(l.y_addr + l.y_bytes, 32);
  l.w1_addr = Align64(l.h_addr + 4 * hidden, 32) + st.RowOffset();
  l.w3_addr = l.w1_addr + l.row * hidden;
  l.w2_rows = 4 / st.es;
  l.w2_block = Align64(4 * s.d_model, 32);
  // Binary32: right after W3, which is one bank on already.
  l.w2_addr = st.es == 4 ? l.w3_addr + l.row * hidden : Align64(l.w3_addr + l.row * hidden, 32) + 4;
  const uint64_t blocks = (static_cast<uint64_t>(hidden) + l.w2_rows - 1) / l.w2_rows;
  l.weight_bytes = 2 * l.row * hidden + l.w2_block * blocks;
  l.end = hidden > 0 ? l.w2_addr + l.w2_block * (blocks - 1) + 4 * s.d_model : l.w1_addr;
  return l;
}

// The binary16 down projection's rows `first`.. (`count` of them, `width` elements each) of
// `values` (binary16 already), interleaved in pairs: row 2i in the low halves of a block of
// `block_bytes`, row 2i + 1 in the high halves, so each element is one word (and one bank) on
// from the last. A plain Shard cannot say this, so the tile gets the bytes as RawData.
std::vector<uint8_t> InterleavedF16Rows(const std::vector<float>& values, int64_t first, int count, int width,
                                        uint32_t block_bytes) {
  const int blocks = (count + 1) / 2;
  std::vector<uint8_t> bytes(count > 0 ? block_bytes * (blocks - 1) + 4 * width : 0, 0);
  for (int r = 0; r < count; ++r) {
    const uint32_t row = r / 2 * block_bytes + r % 2 * 2;
    for (int j = 0; j < width; ++j) {
      const uint32_t e = isa::F32ToF16(isa::AsBits(values[static_cast<size_t>(first + r) * width + j]));
      std::memcpy(&bytes[row + 4 * j], &e, 2);
    }
  }
  return bytes;
}

// The experts' weights as one tensor, experts one after the other: expert e's row i is row
// e F + i.
std::vector<float> Stacked(const std::vector<std::vector<float>>& per_expert) {
  std::vector<float> all;
  for (const auto& w : per_expert) all.insert(all.end(), w.begin(), w.end());
  return all;
}

struct Placement {
  int pw, ph;
  std::vector<Coord> chain;
  std::vector<int> tiles_per_expert;
  int max_hidden;
  uint64_t expert_bytes, gate_bytes;
};

Placement Place(const MoeShape& s, const Storage& st, int pw, int ph, Dispatch dispatch) {
  Placement p{pw, ph, Snake(pw, ph), {}, 0, 0, 0};
  const int n = static_cast<int>(p.chain.size());
  for (int e = 0; e < s.experts; ++e) {
    p.tiles_per_expert.push_back(static_cast<int>(Share(n, s.experts, e)));
    if (p.tiles_per_expert[e] == 0) continue;  // too few tiles: reported by the caller
    p.max_hidden = std::max(p.max_hidden, static_cast<int>(Share(s.d_ff, p.tiles_per_expert[e], 0)));
  }
  p.expert_bytes = LayoutExpert(s, st, p.max_hidden).end;
  p.gate_bytes = LayoutGate(s, st, dispatch).end;
  return p;
}

}  // namespace

plan::Plan BuildMoePlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  auto positive = [](const char* flag, int v) {
    if (v < 1) throw std::invalid_argument(fmt::format("{}: {} must be at least 1", flag, v));
  };
  positive("--d-model", req.d_model);
  positive("--d-ff", req.d_ff);
  positive("--experts", req.experts);
  positive("--top-k", req.top_k);
  positive("--tokens", req.tokens);
  if (req.top_k > req.experts) {
    throw std::invalid_argument(fmt::format("--top-k: {} is more than the {} experts", req.top_k, req.experts));
  }
  if (req.d_model > 8192 || req.d_ff > 1'000'000 || req.experts > 4096 || req.tokens > 4096) {
    throw std::invalid_argument(fmt::format("--d-model/--d-ff/--experts/--tokens: {}/{}/{}/{} is larger than this "
                                            "mapping takes (8192/1000000/4096/4096)",
                                            req.d_model, req.d_ff, req.experts, req.tokens));
  }
  ElementBytes(req);  // checks --dtype
  if (req.dispatch != "static" && req.dispatch != "dynamic") {
    throw std::invalid_argument(fmt::format("--dispatch: '{}' is not static or dynamic", req.dispatch));
  }
  const Dispatch dispatch = req.dispatch == "dynamic" ? Dispatch::kDynamic : Dispatch::kStatic;
  const bool dynamic = dispatch == Dispatch::kDynamic;
  const int colors_needed = dynamic ? kColorRelay + 1 : kColorChainB + 1;
  if (fabric.colors < colors_needed) {
    throw std::invalid_argument(fmt::format("router.colors: moe with {} dispatch needs {} colors, the fabric has {}",
                                            req.dispatch, colors_needed, fabric.colors));
  }
  const RegionSize asked = RequestedRegion(req, fabric);
  int pw = asked.width, ph = asked.height;
  const MoeShape s{req.d_model, req.d_ff, req.experts, req.top_k, req.tokens};
  // Binary16 keeps the weights (half the SRAM) and the tokens on the tiles, which the gate rounds
  // as it stores them: the gate's and the up and gate projections' dot products then have every
  // operand binary16 and run SimdWidth lanes. The arithmetic stays binary32, and so do the
  // partial outputs the down projection accumulates (one lane) and the combine adds.
  const Storage st = req.dtype == DType::kFp16 ? Storage{2} : Storage{4};
  const plan::DType dtype = st.es == 4 ? plan::DType::kFp32 : plan::DType::kFp16;
  const MoeFormat format{st.es == 2, fabric.simd_width};
  const uint32_t sram = static_cast<uint32_t>(fabric.sram_bytes);
  auto fits = [&](const Placement& p) {
    return static_cast<int>(p.chain.size()) >= s.experts && p.expert_bytes <= sram && p.gate_bytes <= sram;
  };
  Placement p = Place(s, st, pw, ph, dispatch);
  // --fit: grow the region, the shorter side first, until every expert has a tile and fits.
  while (!fits(p) && req.fit && (pw < fabric.width || ph < fabric.height)) {
    if (pw < fabric.width && (pw <= ph || ph == fabric.height)) {
      ++pw;
    } else {
      ++ph;
    }
    p = Place(s, st, pw, ph, dispatch);
  }
  const std::string hint = req.fit ? "use a larger --mesh" : "use a larger --mesh or --region, or --fit";
  if (static_cast<int>(p.chain.size()) < s.experts) {
    throw std::invalid_argument(fmt::format("--experts: {} experts need a tile each besides the gate's; a {}x{} region "
                                            "has {}; {}",
                                            s.experts, pw, ph, p.chain.size(), hint));
  }
  if (p.gate_bytes > sram) {
    const GateLayout g = LayoutGate(s, st, dispatch);
    throw std::invalid_argument(fmt::format(
        "moe does not fit: the gate tile (0,0) needs {} bytes of SRAM (tokens {} x {} {}, rows padded to {} "
        "bytes: {} bytes; gate weights {} x {} {}: {} bytes; logits and weights {} bytes) but has {}; use fewer "
        "--tokens or a smaller --d-model",
        g.end, s.tokens, s.d_model, st.Name(), g.x_row, g.x_row * s.tokens, s.experts, s.d_model, st.Name(),
        g.x_row * s.experts, g.end - g.logits_addr, sram));
  }
  if (p.expert_bytes > sram) {
    const ExpertLayout l = LayoutExpert(s, st, p.max_hidden);
    throw std::invalid_argument(fmt::format(
        "moe does not fit a {}x{} region: an expert tile needs {} bytes of SRAM (expert weights: {} hidden units x 3 "
        "projections x {} {}, rows padded to {} bytes: {} bytes; tokens {} x ({} weights + {} {}): {} bytes; "
        "partial outputs {} x {}: {} bytes; stamps 32 bytes) but has {}; {}",
        pw, ph, l.end, p.max_hidden, s.d_model, st.Name(), l.row, l.weight_bytes, s.tokens, s.experts, s.d_model,
        st.Name(), l.token_bytes, s.tokens, s.d_model, l.y_bytes, sram, hint));
  }

  MoeInputs in = RandomMoeInputs(s, format, req.seed);
  CheckInputNames(req, {"x"});
  TakeInput(req, "x", in.x);  // a block's tokens (ffn.norm's output), as the host sends them: binary32
  const MoeAnswer answer = MoeReference(s, format, in, p.tiles_per_expert, p.max_hidden);

  plan::Plan plan;
  plan.kernel = "moe";
  // At the mesh's north-west corner. Dynamic dispatch's packet heads (the gate's table) hold
  // absolute coordinates, so such a plan stays where it is built.
  plan.region = {0, 0, pw, ph};
  plan.reference = answer.y;
  plan.tolerance = answer.tolerance;
  plan.phases = {"gate", "dispatch", "experts", "combine"};
  plan.stamps_addr = kStampsAddr;
  plan.description = fmt::format("MoE layer, {} tokens of {}, {} SwiGLU experts of {} hidden units, top {}, {}, "
                                 "{} dispatch, on a {}x{} region of the {}x{} mesh",
                                 s.tokens, s.d_model, s.experts, s.d_ff, s.top_k,
                                 st.es == 4 ? "binary32" : "binary16 weights and tokens, binary32 arithmetic",
                                 req.dispatch, pw, ph, fabric.width, fabric.height);
  plan.sram_bytes_per_tile = static_cast<uint32_t>(std::max(p.expert_bytes, p.gate_bytes));

  const int64_t D = s.d_model, F = s.d_ff;
  // The tokens as the host sends them (binary32; the gate rounds them as it stores them), the
  // gate's weights, one row per expert, and the experts' projections stacked (expert e's hidden
  // unit i is row e F + i).
  plan.tensors["x"] = plan::Tensor{{s.tokens, D}, plan::DType::kFp32, in.x};
  plan.tensors["gate"] = plan::Tensor{{s.experts, D}, dtype, in.gate};
  plan.tensors["w1"] = plan::Tensor{{s.experts * F, D}, dtype, Stacked(in.w1)};
  plan.tensors["w3"] = plan::Tensor{{s.experts * F, D}, dtype, Stacked(in.w3)};
  plan.tensors["w2"] = plan::Tensor{{s.experts * F, D}, dtype, Stacked(in.w2)};
  const int64_t dt = 8 * st.es;

  // The gate tile.
  {
    const GateLayout g = LayoutGate(s, st, dispatch);
    plan::PlanTile t;
    t.x = 0;
    t.y = 0;
    t.role = "gate";
    t.program = {"kernels/moe_gate.s",
                 {{"D", D}, {"T", s.tokens}, {"E", s.experts}, {"K", s.top_k}, {"DT", dt}, {"XADDR", g.x_addr},
                  {"XROW", g.x_row}, {"WGADDR", g.wg_addr}, {"LOGITS", g.logits_addr}, {"WEIGHTS", g.weights_addr},
                  {"HEADS", g.heads_addr}, {"SAVE_MAX", kSaveMax}, {"SAVE_SUM", kSaveSum},
                  {"COLOR_TOKENS", kColorTokens}, {"COLOR_DISPATCH", kColorDispatch}, {"DYNAMIC", dynamic},
                  {"TAG_SHIFT", kHeadTagShift}}};
    t.routes.push_back({kColorTokens, kPortWest, kPortCore});
    if (dynamic) {
      t.routes.push_back({kColorDispatch, 0, 0, true});
    } else {
      t.routes.push_back({kColorDispatch, kPortCore, (pw > 1 ? kPortEast : 0u) | (ph > 1 ? kPortSouth : 0u)});
    }
    t.shards.push_back({"gate", Addr(g.wg_addr), 0, s.experts, 0, D, Elements(g.x_row / st.es)});
    t.raw.push_back({Addr(g.weights_addr), std::vector<uint8_t>(4 * s.experts * s.tokens, 0)});
    if (dynamic) {
      // Per expert, the head of a packet to its first tile (mesh_pkg::dyn_head_t, tag 0), in
      // mesh coordinates.
      plan::RawData heads{Addr(g.heads_addr), std::vector<uint8_t>(4 * s.experts, 0)};
      for (int e = 0, first = 0; e < s.experts; first += p.tiles_per_expert[e++]) {
        const uint32_t head = static_cast<uint32_t>(plan.region.x0 + p.chain[first].x) |
                              static_cast<uint32_t>(plan.region.y0 + p.chain[first].y) << kHeadYShift;
        std::memcpy(&heads.bytes[4 * e], &head, 4);
      }
      t.raw.push_back(std::move(heads));
    }
    plan.tiles.push_back(std::move(t));
  }
  // The experts' tiles, in the order of the combine chain.
  const int n = static_cast<int>(p.chain.size());
  int position = 0;
  for (int e = 0; e < s.experts; ++e) {
    for (int q = 0; q < p.tiles_per_expert[e]; ++q, ++position) {
      const Coord me = p.chain[position];
      const int64_t hidden0 = Start(F, p.tiles_per_expert[e], q), hidden = Share(F, p.tiles_per_expert[e], q);
      const bool leader = q == 0, relays = leader && p.tiles_per_expert[e] > 1, first = position == 0;
      const ExpertLayout l = LayoutExpert(s, st, static_cast<int>(hidden));
      plan::PlanTile t;
      t.x = me.x;
      t.y = me.y;
      t.role = "expert";
      t.program = {"kernels/moe_expert.s",
                   {{"D", D}, {"T", s.tokens}, {"E", s.experts}, {"DT", dt}, {"EXPERT", e}, {"HIDDEN", hidden},
                    {"RECS", l.rec_addr}, {"REC", l.rec_bytes}, {"XOFF", l.x_offset}, {"YADDR", l.y_addr},
                    {"HADDR", l.h_addr}, {"W1ADDR", l.w1_addr}, {"W3ADDR", l.w3_addr}, {"ROW", l.row},
                    {"W2ADDR", l.w2_addr}, {"W2BLOCK", l.w2_block}, {"STAMPS", kStampsAddr}, {"SAVE_G", kSaveG},
                    {"COLOR_DISPATCH", kColorDispatch}, {"DYNAMIC", dynamic}, {"LEADER", leader},
                    {"RELAYS", relays}, {"COLOR_RELAY", kColorRelay}, {"TAG_SHIFT", kHeadTagShift},
                    {"FIRST", first}, {"COLOR_IN", first ? 0 : ChainColor(position - 1)},
                    {"COLOR_OUT", ChainColor(position)}}};
      // The dispatch's routes. Static: the broadcast, along row 0 from the gate, then down every
      // column. Dynamic: every region router routes the packets (the gate's row, then a
      // column); the first tile of an expert relays each token down its expert's run of the
      // chain (static, multicast to each core on the way).
      if (!dynamic) {
        if (me.y == 0) {
          t.routes.push_back({kColorDispatch, kPortWest,
                              kPortCore | (me.x + 1 < pw ? kPortEast : 0u) | (ph > 1 ? kPortSouth : 0u)});
        } else {
          t.routes.push_back({kColorDispatch, kPortNorth, kPortCore | (me.y + 1 < ph ? kPortSouth : 0u)});
        }
      } else {
        t.routes.push_back({kColorDispatch, 0, 0, true});
        if (!leader) {
          const uint32_t onward = q + 1 < p.tiles_per_expert[e] ? PortToward(me, p.chain[position + 1]) : 0;
          t.routes.push_back({kColorRelay, PortToward(me, p.chain[position - 1]), kPortCore | onward});
        } else if (relays) {
          t.routes.push_back({kColorRelay, kPortCore, PortToward(me, p.chain[position + 1])});
        }
      }
      // The combine: from the previous tile on the snake, on to the next (the last tile's leaves
      // the region east on an even row, west on an odd one).
      if (!first) t.routes.push_back({ChainColor(position - 1), PortToward(me, p.chain[position - 1]), kPortCore});
      const uint32_t next = position + 1 < n ? PortToward(me, p.chain[position + 1])
                                             : (me.y % 2 == 0 ? kPortEast : kPortWest);
      t.routes.push_back({ChainColor(position), kPortCore, next});
      if (hidden > 0) {
        const int64_t row0 = e * F + hidden0;
        t.shards.push_back({"w1", Addr(l.w1_addr), row0, hidden, 0, D, Elements(l.row / st.es)});
        t.shards.push_back({"w3", Addr(l.w3_addr), row0, hidden, 0, D, Elements(l.row / st.es)});
        if (st.es == 4) t.shards.push_back({"w2", Addr(l.w2_addr), row0, hidden, 0, D, Elements(l.w2_block / 4)});
      }
      // Dynamic dispatch writes only the chosen expert's weight into a token's record: the
      // others must read 0 (static dispatch writes all E).
      if (dynamic) t.raw.push_back({Addr(l.rec_addr), std::vector<uint8_t>(l.token_bytes, 0)});
      t.raw.push_back({Addr(l.y_addr), std::vector<uint8_t>(l.y_bytes, 0)});
      if (hidden > 0 && st.es == 2) {
        t.raw.push_back({Addr(l.w2_addr), InterleavedF16Rows(plan.tensors["w2"].values, e * F + hidden0,
                                                       static_cast<int>(hidden), static_cast<int>(D), l.w2_block)});
      }
      plan.tiles.push_back(std::move(t));
      plan.stamped_tiles.emplace_back(me.x, me.y);
    }
  }
  // The tokens come into the gate through its west side (the mesh edge); y leaves the chain's
  // last tile through the region's east side on an even row (the lowering lays it through the
  // tiles beyond to the mesh edge) or its west side on an odd one (x = 0, the mesh edge).
  const size_t elements = static_cast<size_t>(s.tokens) * s.d_model;
  const Coord last = p.chain.back();
  plan.inputs.push_back({"x", plan::DType::kFp32, elements, {{0, 0, noc::Dir::West, kColorTokens, 0, elements}}, {}});
  plan.outputs.push_back({"y", plan::DType::kFp32, elements,
                          {{last.x, last.y, last.y % 2 == 0 ? noc::Dir::East : noc::Dir::West, ChainColor(n - 1), 0,
                            elements}},
                          {}});

  // Useful work: the gate's logits and, per token, k experts' three projections. Binary16 runs
  // the logits and the gate and up projections at SimdWidth multiply-adds a cycle, the down
  // projection (into binary32 partial outputs) at one.
  const double lanes = st.es == 2 ? double(fabric.simd_width) : 1.0;
  const double expert_macs = 3.0 * s.tokens * s.top_k * double(s.d_model) * s.d_ff;
  const double gate_macs = double(s.tokens) * s.experts * s.d_model;
  plan.cost.flops = 2.0 * (expert_macs + gate_macs);
  plan.cost.compute_bound_cycles = (gate_macs / lanes + expert_macs * (2 / lanes + 1) / 3) / (double(pw) * ph);
  plan.cost.macs_per_tile_cycle = (expert_macs + gate_macs) / (double(pw) * ph) / plan.cost.compute_bound_cycles;
  // The tokens come in and y goes out through one edge link each.
  plan.cost.io_bound_cycles = double(s.tokens) * s.d_model / fabric.edge_wavelets_per_cycle;

  const int busiest = *std::max_element(answer.tokens_per_expert.begin(), answer.tokens_per_expert.end());
  MoeCostShape cost{s.tokens, s.d_model, s.experts, s.top_k, st.es == 2 ? fabric.simd_width : 1, 0, pw, ph,
                    dispatch == Dispatch::kDynamic};
  for (int e = 0; e < s.experts; ++e) {
    cost.busiest_pairs = std::max<int64_t>(
        cost.busiest_pairs, int64_t{answer.tokens_per_expert[e]} * Share(s.d_ff, p.tiles_per_expert[e], 0));
  }
  plan.cost.estimated_cycles = MoeCycles(cost);
  const double mean = double(s.tokens) * s.top_k / s.experts;
  const double imbalance = busiest / mean;
  // The experts' phase can end no sooner than the slowest expert's multiply-adds spread over its
  // tiles (one a cycle each, or `lanes` in the gate and up projections).
  double slowest_expert = 0;
  for (int e = 0; e < s.experts; ++e) {
    slowest_expert = std::max(slowest_expert, answer.tokens_per_expert[e] * (2 / lanes + 1) * s.d_model * s.d_ff /
                                                  p.tiles_per_expert[e]);
  }
  // Words out of the gate, and the most any expert tile takes in: the static broadcast sends every
  // token with its E weights once, to every tile; dynamic dispatch sends a packet of D + 3 words
  // per chosen expert (head, index, weight, x) and one end packet per expert, and a tile takes
  // its expert's tokens only (its first tile the packets, the others D + 2 words a token).
  const int packets = std::accumulate(answer.tokens_per_expert.begin(), answer.tokens_per_expert.end(), 0);
  int gate_words = s.tokens * (s.experts + s.d_model), tile_words = gate_words;
  if (dispatch == Dispatch::kDynamic) {
    gate_words = packets * (s.d_model + 3) + s.experts;
    tile_words = (s.d_model + 3) * busiest + 1;
  }
  plan.parameters = {{"d_model", s.d_model},
                     {"d_ff", s.d_ff},
                     {"experts", s.experts},
                     {"top_k", s.top_k},
                     {"tokens", s.tokens},
                     {"dtype", req.dtype},
                     {"dispatch", req.dispatch},
                     {"region", fmt::format("{}x{}", pw, ph)},
                     {"seed", req.seed},
                     {"tiles_per_expert", p.tiles_per_expert},
                     {"max_hidden_units_per_tile", p.max_hidden},
                     {"dispatch_words", gate_words},
                     {"dispatch_words_per_tile_max", tile_words},
                     {"tokens_per_expert", answer.tokens_per_expert},
                     {"load_imbalance", imbalance},
                     {"slowest_expert_mac_cycles", slowest_expert}};
  const std::string how =
      dispatch == Dispatch::kStatic
          ? fmt::format("static dispatch broadcasts {} words to every tile", gate_words)
          : fmt::format("dynamic dispatch sends {} packets of {} words, one per chosen expert, and {} end packets ({} "
                        "words from the gate); a tile takes its expert's tokens only, at most {} words",
                        packets, s.d_model + 3, s.experts, gate_words, tile_words);
  plan.report_line = fmt::format("routing    tokens per expert {}; load imbalance {:.2f} (busiest expert over the mean "
                               "{:.2f}); {}; the slowest expert's multiply-adds take {:.0f} cycles on its tiles "
                               "(compare the phases dispatch and experts)",
                               answer.tokens_per_expert, imbalance, mean, how, slowest_expert);
  return plan;
}

KernelMapping MapMoe(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::Lower(BuildMoePlan(req, fabric), fabric);
}

}  // namespace wafersim::runtime
