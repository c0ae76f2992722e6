#include "runtime/moe_mapper.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "asm/assembler.h"
#include "isa/fp.h"
#include "isa/program.h"
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
// A dynamic packet's head: the destination in bits 21:0 (mesh_pkg::dyn_head_t), the tag above;
// tag 1 is the end of the tokens (a one-wavelet packet, head and tail).
constexpr int kHeadTagShift = 22;

enum class Dispatch { kStatic, kDynamic };

int ChainColor(int position) { return position % 2 == 0 ? kColorChainA : kColorChainB; }

// Assembly that makes `color` dynamic: X-then-Y routing by each packet's head (clobbers r1, r2).
std::string DynamicRouteConfig(int color) {
  return fmt::format("        li      r1, {}\n        li      r2, 1\n"
                     "        rcfg    r1, 4, r2               # dynamic\n",
                     color);
}

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

// Newton's iteration for 1/s (s >= 1 in r1) from a first guess made of its bits: r4 = 1/s.
const char* kReciprocal = R"(        li      r2, 0x7ef311c3
        sub     r4, r2, r1
        lui     r2, 0x200000
        xor     r5, r1, r2
        lif     r2, 2.0
        ffma    r6, r5, r4, r2
        fmul    r4, r4, r6
        ffma    r6, r5, r4, r2
        fmul    r4, r4, r6
        ffma    r6, r5, r4, r2
        fmul    r4, r4, r6
        ffma    r6, r5, r4, r2
        fmul    r4, r4, r6
)";

// Bytes per element of the weights (the gate's and the experts' projections) and of the tokens on
// the tiles and on the fabric between them: 4 binary32, 2 binary16.
struct Storage {
  uint32_t es = 4;
  const char* Type() const { return es == 4 ? "f32" : "f16"; }
  const char* Name() const { return es == 4 ? "binary32" : "binary16"; }
  // Tokens' rows start on bank 0 and weight rows this many bytes on, so a dot product's two
  // operands never want one bank (a binary16 one runs 4 lanes, two words of each a step).
  uint32_t RowOffset() const { return es == 4 ? 4 : 8; }
};

struct GateLayout {
  uint32_t x_addr, x_row, wg_addr, logits_addr, weights_addr, heads_addr, end;
};

GateLayout LayoutGate(const MoeShape& s, const Storage& st, Dispatch dispatch) {
  GateLayout l;
  l.x_addr = 32;
  l.x_row = Align(st.es * s.d_model, 32);
  // The gate's rows just after the tokens' banks, so a dot product never waits for a bank.
  l.wg_addr = l.x_addr + l.x_row * s.tokens + st.RowOffset();
  l.logits_addr = Align(l.wg_addr + l.x_row * s.experts, 32);
  l.weights_addr = Align(l.logits_addr + 4 * s.experts, 32);
  // Dynamic dispatch: per expert, the head of a packet to its first tile.
  l.heads_addr = l.weights_addr + 4 * s.experts * s.tokens;
  l.end = l.heads_addr + (dispatch == Dispatch::kDynamic ? 4 * s.experts : 0);
  return l;
}

struct ExpertLayout {
  uint32_t rec_addr, x_offset, rec_bytes, y_addr, h_addr, w1_addr, w3_addr, w2_addr, row, end;
  uint32_t w2_rows, w2_block;  // the down projection: w2_rows rows to a block of w2_block bytes
  uint32_t weight_bytes, token_bytes, y_bytes;
};

// A token's record: its E weights (binary32), then x, each padded to whole bank rows; the gate
// and up projections' rows just after x's banks. The down projection's rows are interleaved
// into blocks of whole words (binary16: row 2i in the low halves, 2i + 1 in the high), so each
// element it reads is one bank on from the last, as with the binary32 partial outputs it
// updates: one bank after them, the two never meet.
ExpertLayout LayoutExpert(const MoeShape& s, const Storage& st, int hidden) {
  ExpertLayout l;
  l.rec_addr = 32;
  l.x_offset = Align(4 * s.experts, 32);
  l.row = Align(st.es * s.d_model, 32);
  l.rec_bytes = l.x_offset + l.row;
  l.token_bytes = l.rec_bytes * s.tokens;
  l.y_addr = l.rec_addr + l.token_bytes;
  l.y_bytes = 4 * s.tokens * s.d_model;
  l.h_addr = Align(l.y_addr + l.y_bytes, 32);
  l.w1_addr = Align(l.h_addr + 4 * hidden, 32) + st.RowOffset();
  l.w3_addr = l.w1_addr + l.row * hidden;
  l.w2_rows = 4 / st.es;
  l.w2_block = Align(4 * s.d_model, 32);
  // Binary32: right after W3, which is one bank on already.
  l.w2_addr = st.es == 4 ? l.w3_addr + l.row * hidden : Align(l.w3_addr + l.row * hidden, 32) + 4;
  const uint32_t blocks = (hidden + l.w2_rows - 1) / l.w2_rows;
  l.weight_bytes = 2 * l.row * hidden + l.w2_block * blocks;
  l.end = hidden > 0 ? l.w2_addr + l.w2_block * (blocks - 1) + 4 * s.d_model : l.w1_addr;
  return l;
}

// The gate's sending side of the dispatch. Static: after all tokens, each token's E weights and
// then the token, on the broadcast color. Dynamic: right after a token's weights, a packet to
// the first tile of each chosen expert (head, the token's index, its weight, then the token,
// its last element the tail); after all tokens, a one-wavelet end packet to every expert.
// In the token loop r8 points at the token, r9 at its weights, r10 counts the tokens left, r12
// is D, r13 a token row's bytes, r14 1, and d3 is the token; the fragments use r1..r7 and r11.
struct GateDispatch {
  std::string routes, setup, per_token, after;
};

GateDispatch GateDispatchCode(const MoeShape& s, const Storage& st, const GateLayout& l, int pw, int ph,
                              Dispatch dispatch) {
  GateDispatch g;
  if (dispatch == Dispatch::kStatic) {
    g.routes = RouteConfig(kColorDispatch, Route(kPortCore, (pw > 1 ? kPortEast : 0) | (ph > 1 ? kPortSouth : 0)));
    g.after = fmt::format(R"(        li      r2, {e}                     # each token's weights, then the token
        dfab    d4, {cd}, r2, out, f32
        dfab    d5, {cd}, r12, out, {ty}
        li      r1, {wts}
        dmem    d1, r1, r2, r14, f32
        li      r1, {x}
        dmem    d3, r1, r12, r14, {ty}
        li      r6, {wrow}
        li      r10, {t}
tx:     tfmov   d4, d1
        tfmov   d5, d3
        dadd    d1, r6
        dadd    d3, r13
        addi    r10, r10, -1
        bne     r10, r0, tx
)",
                          fmt::arg("e", s.experts), fmt::arg("cd", kColorDispatch), fmt::arg("wts", l.weights_addr),
                          fmt::arg("x", l.x_addr), fmt::arg("wrow", 4 * s.experts), fmt::arg("t", s.tokens),
                          fmt::arg("ty", st.Type()));
    return g;
  }
  g.routes = DynamicRouteConfig(kColorDispatch);
  g.setup = fmt::format(R"(        li      r2, {d1}
        dfab    d4, {cd}, r2, out, {ty}     # a packet's body: the token but its last element
)",
                        fmt::arg("d1", s.d_model - 1), fmt::arg("cd", kColorDispatch), fmt::arg("ty", st.Type()));
  g.per_token = fmt::format(R"(        li      r6, {t}
        sub     r6, r6, r10                 # the token's index
        li      r7, {heads}
        mv      r11, r9
        li      r3, {e}
dsp:    lw      r1, 0(r11)                  # the token's weight for expert e (0: not chosen)
        beq     r1, r0, dspnext
        lw      r2, 0(r7)
        send    r2, {cd}, head              # to the expert's first tile
        send    r6, {cd}
        send    r1, {cd}
        tfmov   d4, d3
        {load:<8}r2, {last}(r8)
        send    r2, {cd}, tail
dspnext:
        addi    r11, r11, 4
        addi    r7, r7, 4
        addi    r3, r3, -1
        bne     r3, r0, dsp
)",
                            fmt::arg("t", s.tokens), fmt::arg("heads", l.heads_addr), fmt::arg("e", s.experts),
                            fmt::arg("cd", kColorDispatch), fmt::arg("load", st.es == 4 ? "lw" : "lhu"),
                            fmt::arg("last", st.es * (s.d_model - 1)));
  g.after = fmt::format(R"(        li      r7, {heads}                 # the end of the tokens, to every expert
        li      r3, {e}
        li      r1, 1 << {tag}
endtx:  lw      r2, 0(r7)
        or      r2, r2, r1
        send    r2, {cd}, head, tail
        addi    r7, r7, 4
        addi    r3, r3, -1
        bne     r3, r0, endtx
)",
                        fmt::arg("heads", l.heads_addr), fmt::arg("e", s.experts), fmt::arg("tag", kHeadTagShift),
                        fmt::arg("cd", kColorDispatch));
  return g;
}

std::string GateSource(const MoeShape& s, const Storage& st, const GateLayout& l, int pw, int ph, Dispatch dispatch) {
  const GateDispatch g = GateDispatchCode(s, st, l, pw, ph, dispatch);
  std::string src = fmt::format("# moe gate tile (0,0): {} experts, top {}, {} tokens of {}\n        .text\nmain:\n",
                                s.experts, s.top_k, s.tokens, s.d_model);
  src += RouteConfig(kColorTokens, Route(kPortWest, kPortCore));
  src += g.routes;
  src += fmt::format(R"(        li      r14, 1
        li      r12, {d}
        li      r13, {xrow}
        dfab    d0, {ctok}, r12, in, f32    # the tokens, from the west edge
        li      r1, {x}
        dmem    d1, r1, r12, r14, {ty}{xnote}
        li      r10, {t}
rx:     tfmov   d1, d0
        dadd    d1, r13
        addi    r10, r10, -1
        bne     r10, r0, rx
{setup}        li      r8, {x}
        li      r9, {wts}
        li      r10, {t}
tok:    dmem    d3, r8, r12, r14, {ty}      # token t
        li      r1, {wg}
        dmem    d1, r1, r12, r14, {ty}      # the gate's row for expert e
        li      r2, {logits}
        li      r3, {e}
        li      r4, {xrow}
lg:     tfdot   r1, d1, d3
        sw      r1, 0(r2)
        addi    r2, r2, 4
        dadd    d1, r4
        addi    r3, r3, -1
        bne     r3, r0, lg
        li      r11, {k}                    # top-k: k passes, each taking the first largest not taken
sel:    lui     r1, 0x3fe000                # -inf
        li      r2, -1
        li      r3, 0
        li      r4, {logits}
        mv      r5, r9
scan:   lw      r6, 0(r5)
        bne     r6, r0, skip                # taken
        lw      r6, 0(r4)
        flt     r7, r1, r6
        beq     r7, r0, skip
        mv      r1, r6
        mv      r2, r3
skip:   addi    r3, r3, 1
        addi    r4, r4, 4
        addi    r5, r5, 4
        li      r6, {e}
        bne     r3, r6, scan
        blt     r2, r0, seldone             # only NaN left
        slli    r6, r2, 2
        add     r6, r6, r9
        li      r7, 1
        sw      r7, 0(r6)                   # a mark; the weight replaces it
        li      r7, {k}
        bne     r11, r7, notfirst
        sw      r1, {smax}(r0)              # the first pass finds the largest logit
notfirst:
        addi    r11, r11, -1
        bne     r11, r0, sel
seldone:
        sw      r0, {ssum}(r0)              # softmax of the chosen logits
        mv      r11, r9
wl:     lw      r1, 0(r11)
        beq     r1, r0, wskip
        sub     r2, r11, r9
        lw      r1, {logits}(r2)
        lw      r2, {smax}(r0)
        fsub    r1, r1, r2
        call    exp_f32
        sw      r1, 0(r11)
        lw      r2, {ssum}(r0)
        fadd    r2, r2, r1
        sw      r2, {ssum}(r0)
wskip:  addi    r11, r11, 4
        addi    r2, r9, {wrow}
        bne     r11, r2, wl
        lw      r1, {ssum}(r0)
{recip}        li      r2, {e}
        dmem    d2, r9, r2, r14, f32
        tfmuls  d2, d2, r4                  # the weights; the others stay 0
{per_token}        addi    r8, r8, {xrow}
        addi    r9, r9, {wrow}
        addi    r10, r10, -1
        bne     r10, r0, tok
{after}        halt
        .include "exp_f32.s"
)",
                     fmt::arg("d", s.d_model), fmt::arg("xrow", l.x_row), fmt::arg("ctok", kColorTokens),
                     fmt::arg("x", l.x_addr), fmt::arg("t", s.tokens), fmt::arg("wts", l.weights_addr),
                     fmt::arg("wg", l.wg_addr), fmt::arg("logits", l.logits_addr), fmt::arg("e", s.experts),
                     fmt::arg("k", s.top_k), fmt::arg("smax", kSaveMax), fmt::arg("ssum", kSaveSum),
                     fmt::arg("wrow", 4 * s.experts), fmt::arg("recip", kReciprocal),
                     fmt::arg("setup", g.setup), fmt::arg("per_token", g.per_token), fmt::arg("after", g.after),
                     fmt::arg("ty", st.Type()),
                     fmt::arg("xnote", st.es == 4 ? "" : "       # rounded to binary16 as they are stored"));
  return src;
}

struct ExpertTile {
  Coord at;
  int position;  // in the combine chain
  int expert;
  int hidden0, hidden;
  int run_index, run_size;  // the tile's place among its expert's tiles (consecutive on the chain)
};

// An expert tile's receiving side of the dispatch: its routes, and code that leaves every token
// this tile needs in its record (the E weights, this expert's non-zero if chosen, then x) and
// stamps the first arrival and the last.
struct ExpertDispatch {
  std::string routes, receive;
};

ExpertDispatch ExpertDispatchCode(const MoeShape& s, const Storage& st, const ExpertTile& t, const ExpertLayout& l,
                                  const std::vector<Coord>& chain, int pw, int ph, Dispatch dispatch) {
  const Coord me = t.at;
  ExpertDispatch x;
  std::string& src = x.receive;
  if (dispatch == Dispatch::kStatic) {
    // The broadcast: along row 0 from the gate, then down every column.
    if (me.y == 0) {
      x.routes += RouteConfig(kColorDispatch, Route(kPortWest, kPortCore | (me.x + 1 < pw ? kPortEast : 0) |
                                                              (ph > 1 ? kPortSouth : 0)));
    } else {
      x.routes += RouteConfig(kColorDispatch, Route(kPortNorth, kPortCore | (me.y + 1 < ph ? kPortSouth : 0)));
    }
    src += fmt::format(R"(        li      r14, 1
        li      r13, {rec}
        li      r12, {e}
        li      r11, {d}
        dfab    d0, {cd}, r12, in, f32      # a token's weights
        dfab    d5, {cd}, r11, in, {ty}     # the token
        li      r1, {recs}
        dmem    d1, r1, r12, r14, f32
        addi    r1, r1, {xo}
        dmem    d2, r1, r11, r14, {ty}
        tfmov   d1, d0
        csrr    r10, cycle
        sw      r10, {st0}(r0)              # the gate's first choice is here
        tfmov   d2, d5
        li      r10, {t1}
        beq     r10, r0, rxdone
rx:     dadd    d1, r13
        dadd    d2, r13
        tfmov   d1, d0
        tfmov   d2, d5
        addi    r10, r10, -1
        bne     r10, r0, rx
rxdone: csrr    r10, cycle
        sw      r10, {st1}(r0)
)",
                       fmt::arg("rec", l.rec_bytes), fmt::arg("e", s.experts), fmt::arg("d", s.d_model),
                       fmt::arg("cd", kColorDispatch), fmt::arg("recs", l.rec_addr), fmt::arg("xo", l.x_offset),
                       fmt::arg("st0", kStampsAddr), fmt::arg("t1", s.tokens - 1), fmt::arg("st1", kStampsAddr + 4),
                       fmt::arg("ty", st.Type()));
    return x;
  }
  // Dynamic: every region router routes the packets (the gate's row, then a column); the first
  // tile of an expert takes them and relays each token down its expert's run of the chain
  // (static, multicast to each core on the way), ending with a token index of -1.
  x.routes += DynamicRouteConfig(kColorDispatch);
  const bool leader = t.run_index == 0;
  const bool relays = leader && t.run_size > 1;
  if (!leader) {
    const uint32_t onward = t.run_index + 1 < t.run_size ? PortToward(me, chain[t.position + 1]) : 0;
    x.routes += RouteConfig(kColorRelay, Route(PortToward(me, chain[t.position - 1]), kPortCore | onward));
  } else if (relays) {
    x.routes += RouteConfig(kColorRelay, Route(kPortCore, PortToward(me, chain[t.position + 1])));
  }
  // Stores token r2's weight r3 and its x from descriptor d0 in the token's record.
  const std::string store = fmt::format(R"(        li      r4, {rec}
        mul     r4, r2, r4
        addi    r4, r4, {recs}
        sw      r3, {wo}(r4)
        addi    r4, r4, {xo}
        dmem    d2, r4, r11, r14, {ty}
        tfmov   d2, d0
)",
                                        fmt::arg("rec", l.rec_bytes), fmt::arg("recs", l.rec_addr),
                                        fmt::arg("wo", 4 * t.expert), fmt::arg("xo", l.x_offset),
                                        fmt::arg("ty", st.Type()));
  src += fmt::format("        li      r14, 1\n        li      r11, {}\n", s.d_model);
  if (leader) {
    if (relays) {
      src += fmt::format("        dfab    d6, {}, r11, out, {}     # relayed to the expert's other tiles\n",
                         kColorRelay, st.Type());
    }
    src += fmt::format(R"(        dfab    d0, {cd}, r11, in, {ty}     # a packet's token (its tail the last element)
        recv    r1, {cd}                    # a packet's head
        csrr    r10, cycle
        sw      r10, {st0}(r0)              # the first packet (or the end) is here
pkt:    srli    r1, r1, {tag}
        bne     r1, r0, rxdone              # tag 1: no more tokens
        recv    r2, {cd}                    # the token's index
        recv    r3, {cd}                    # its weight for this expert
{store}{relay}        recv    r1, {cd}
        j       pkt
rxdone:
{relay_end}        csrr    r10, cycle
        sw      r10, {st1}(r0)
)",
                       fmt::arg("cd", kColorDispatch), fmt::arg("st0", kStampsAddr), fmt::arg("tag", kHeadTagShift),
                       fmt::arg("store", store), fmt::arg("ty", st.Type()),
                       fmt::arg("relay", relays ? fmt::format("        send    r2, {0}\n        send    r3, {0}\n"
                                                              "        tfmov   d6, d2\n",
                                                              kColorRelay)
                                                : ""),
                       fmt::arg("relay_end", relays ? fmt::format("        li      r2, -1\n        send    r2, {}"
                                                                  "                  # the end\n",
                                                                  kColorRelay)
                                                    : ""),
                       fmt::arg("st1", kStampsAddr + 4));
  } else {
    src += fmt::format(R"(        dfab    d0, {cr}, r11, in, {ty}     # a token relayed by the expert's first tile
        recv    r2, {cr}                    # its index, or -1: no more tokens
        csrr    r10, cycle
        sw      r10, {st0}(r0)
relay:  blt     r2, r0, rxdone
        recv    r3, {cr}                    # its weight for this expert
{store}        recv    r2, {cr}
        j       relay
rxdone: csrr    r10, cycle
        sw      r10, {st1}(r0)
)",
                       fmt::arg("cr", kColorRelay), fmt::arg("st0", kStampsAddr), fmt::arg("store", store),
                       fmt::arg("st1", kStampsAddr + 4), fmt::arg("ty", st.Type()));
  }
  return x;
}

// The down projection of one token: r1 points at W2, r2 is D, r9 points at the token's partial
// output and h (the hidden units times the token's weight) is at l.h_addr; one tfmac a unit.
std::string DownProjection(const Storage& st, const ExpertLayout& l, int hidden) {
  if (st.es == 4) {
    return fmt::format(R"(        dmem    d1, r1, r2, r14, f32        # down projection, hidden unit i
        dmem    d4, r9, r2, r14, f32        # this tile's part of y for the token
        li      r12, {f}
        li      r13, {h}
        li      r5, {row}
down:   lw      r1, 0(r13)
        tfmac   d4, d4, d1, r1
        dadd    d1, r5
        addi    r13, r13, 4
        addi    r12, r12, -1
        bne     r12, r0, down
)",
                       fmt::arg("f", hidden), fmt::arg("h", l.h_addr), fmt::arg("row", l.w2_block));
  }
  // Binary16: units 2i and 2i + 1 share a block, a row every other half (stride 2).
  std::string src = fmt::format(R"(        li      r3, 2
        dmem    d1, r1, r2, r3, f16         # down projection, hidden unit 2i
        dmem    d4, r9, r2, r14, f32        # this tile's part of y for the token
        li      r13, {h}
)",
                                fmt::arg("h", l.h_addr));
  if (hidden >= 2) {
    src += fmt::format(R"(        li      r12, {pairs}
        li      r5, {next}
down:   lw      r1, 0(r13)
        tfmac   d4, d4, d1, r1
        dadd    d1, r3                      # unit 2i + 1: the high halves
        lw      r1, 4(r13)
        tfmac   d4, d4, d1, r1
        dadd    d1, r5                      # the next block
        addi    r13, r13, 8
        addi    r12, r12, -1
        bne     r12, r0, down
)",
                       fmt::arg("pairs", hidden / 2), fmt::arg("next", l.w2_block - 2));
  }
  if (hidden % 2 == 1) src += "        lw      r1, 0(r13)\n        tfmac   d4, d4, d1, r1\n";
  return src;
}

std::string ExpertSource(const MoeShape& s, const Storage& st, const ExpertTile& t, const ExpertLayout& l,
                         const std::vector<Coord>& chain, int pw, int ph, Dispatch dispatch) {
  const Coord me = t.at;
  std::string src = fmt::format("# moe tile ({},{}): expert {}, hidden units {}..{}, combine position {}\n"
                                "        .text\nmain:\n",
                                me.x, me.y, t.expert, t.hidden0, t.hidden0 + t.hidden - 1, t.position);
  const ExpertDispatch dispatched = ExpertDispatchCode(s, st, t, l, chain, pw, ph, dispatch);
  src += dispatched.routes;
  const int n = static_cast<int>(chain.size());
  if (t.position > 0) {
    src += RouteConfig(ChainColor(t.position - 1), Route(PortToward(me, chain[t.position - 1]), kPortCore));
  }
  const uint32_t next = t.position + 1 < n ? PortToward(me, chain[t.position + 1])
                                           : (me.y % 2 == 0 ? kPortEast : kPortWest);
  src += RouteConfig(ChainColor(t.position), Route(kPortCore, next));
  src += dispatched.receive;
  if (t.hidden > 0) {
    src += fmt::format(R"(        li      r8, {recs}
        li      r9, {y}
        li      r10, {t}
tok:    lw      r11, {wo}(r8)               # this expert's weight for the token (0: not chosen)
        beq     r11, r0, next
        addi    r1, r8, {xo}
        li      r2, {d}
        dmem    d3, r1, r2, r14, {ty}       # x
        li      r1, {w1}
        dmem    d1, r1, r2, r14, {ty}       # gate projection, hidden unit i
        li      r1, {w3}
        dmem    d2, r1, r2, r14, {ty}       # up projection
        li      r12, {f}
        li      r13, {h}
hid:    tfdot   r1, d2, d3
        sw      r1, 0(r13)                  # up
        tfdot   r1, d1, d3                  # g
        li      r2, {row}
        dadd    d1, r2
        dadd    d2, r2
        sw      r1, {sg}(r0)
        lui     r2, 0x200000
        xor     r1, r1, r2                  # -g
        lif     r2, 80.0
        fmin    r1, r1, r2                  # exp(-g) stays finite
        call    exp_f32
        lif     r2, 1.0
        fadd    r1, r1, r2                  # 1 + exp(-g)
{recip}        lw      r1, {sg}(r0)
        fmul    r1, r1, r4                  # silu(g)
        lw      r2, 0(r13)
        fmul    r1, r1, r2                  # silu(g) up
        fmul    r1, r1, r11                 # times the token's weight: the combine's scaling
        sw      r1, 0(r13)
        addi    r13, r13, 4
        addi    r12, r12, -1
        bne     r12, r0, hid
        li      r1, {w2}
        li      r2, {d}
{down}next:   addi    r8, r8, {rec}
        addi    r9, r9, {yrow}
        addi    r10, r10, -1
        bne     r10, r0, tok
)",
                       fmt::arg("recs", l.rec_addr), fmt::arg("y", l.y_addr), fmt::arg("t", s.tokens),
                       fmt::arg("wo", 4 * t.expert), fmt::arg("xo", l.x_offset), fmt::arg("d", s.d_model),
                       fmt::arg("w1", l.w1_addr), fmt::arg("w3", l.w3_addr), fmt::arg("w2", l.w2_addr),
                       fmt::arg("f", t.hidden), fmt::arg("h", l.h_addr), fmt::arg("row", l.row),
                       fmt::arg("sg", kSaveG), fmt::arg("recip", kReciprocal), fmt::arg("rec", l.rec_bytes),
                       fmt::arg("yrow", 4 * s.d_model), fmt::arg("ty", st.Type()),
                       fmt::arg("down", DownProjection(st, l, t.hidden)));
  }
  src += fmt::format(R"(        csrr    r10, cycle
        sw      r10, {st2}(r0)
        li      r1, {y}
        li      r2, {td}
        dmem    d4, r1, r2, r14, f32
        dfab    d6, {out}, r2, out, f32
)",
                     fmt::arg("st2", kStampsAddr + 8), fmt::arg("y", l.y_addr), fmt::arg("td", s.tokens * s.d_model),
                     fmt::arg("out", ChainColor(t.position)));
  if (t.position == 0) {
    src += "        tfmov   d6, d4\n";
  } else {
    src += fmt::format("        dfab    d7, {}, r2, in, f32        # the sum so far\n        tfadd   d6, d7, d4\n",
                       ChainColor(t.position - 1));
  }
  src += fmt::format("        csrr    r10, cycle\n        sw      r10, {}(r0)\n        halt\n", kStampsAddr + 12);
  if (t.hidden > 0) src += "        .include \"exp_f32.s\"\n";
  return src;
}

// Rows of `values` (`count` rows of `width` from row `first`) at `addr`, `es` bytes an element:
// binary32 words, or binary16 halves (the values are binary16 already). `per_block` rows share
// each block of `block_bytes`, interleaved: element j of row r is element r % per_block of the
// block's group j.
isa::DataSegment Rows(uint32_t addr, const std::vector<float>& values, int first, int count, int width, uint32_t es,
                      uint32_t block_bytes, uint32_t per_block = 1) {
  isa::DataSegment seg;
  seg.addr = addr;
  const int blocks = (count + static_cast<int>(per_block) - 1) / static_cast<int>(per_block);
  seg.bytes.assign(count > 0 ? block_bytes * (blocks - 1) + es * per_block * width : 0, 0);
  for (int r = 0; r < count; ++r) {
    const uint32_t row = r / per_block * block_bytes + r % per_block * es;
    for (int j = 0; j < width; ++j) {
      const uint32_t b = isa::AsBits(values[static_cast<size_t>(first + r) * width + j]);
      const uint32_t e = es == 4 ? b : isa::F32ToF16(b);
      std::memcpy(&seg.bytes[row + es * per_block * j], &e, es);
    }
  }
  return seg;
}

struct Placement {
  int pw, ph;
  std::vector<Coord> chain;
  std::vector<int> tiles_per_expert;
  int max_hidden;
  uint32_t expert_bytes, gate_bytes;
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

KernelMapping MapMoe(const KernelRequest& req, const fabric::FabricConfig& fabric) {
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
  const int colors_needed = dispatch == Dispatch::kDynamic ? kColorRelay + 1 : kColorChainB + 1;
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
  const Storage st = req.dtype == "f16" ? Storage{2} : Storage{4};
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

  KernelMapping km;
  km.kernel = "moe";
  km.region_width = pw;
  km.region_height = ph;
  km.output_size = static_cast<size_t>(s.tokens) * s.d_model;
  km.output_name = "y";
  km.reference = answer.y;
  km.tolerance = answer.tolerance;
  km.phases = {"gate", "dispatch", "experts", "combine"};
  km.stamps_addr = kStampsAddr;
  km.description = fmt::format("MoE layer, {} tokens of {}, {} SwiGLU experts of {} hidden units, top {}, {}, "
                               "{} dispatch, on a {}x{} region of the {}x{} mesh",
                               s.tokens, s.d_model, s.experts, s.d_ff, s.top_k,
                               st.es == 4 ? "binary32" : "binary16 weights and tokens, binary32 arithmetic",
                               req.dispatch, pw, ph, fabric.width, fabric.height);
  km.sram_bytes_per_tile = std::max(p.expert_bytes, p.gate_bytes);

  assembler::AsmOptions asm_options;
  asm_options.imem_words = fabric.imem_words;
  asm_options.sram_bytes = fabric.sram_bytes;
  asm_options.include_dirs = {std::string(WAFERSIM_SOURCE_DIR) + "/firmware/kernels"};

  // The gate tile.
  {
    const GateLayout g = LayoutGate(s, st, dispatch);
    TileProgram tp{0, 0,
                   assembler::AssembleText(GateSource(s, st, g, pw, ph, dispatch), "moe gate tile (0,0)", asm_options)};
    tp.program.data.push_back(Rows(g.wg_addr, in.gate, 0, s.experts, s.d_model, st.es, g.x_row));
    tp.program.data.push_back({g.weights_addr, std::vector<uint8_t>(4 * s.experts * s.tokens, 0)});
    if (dispatch == Dispatch::kDynamic) {
      // Per expert, the head of a packet to its first tile (mesh_pkg::dyn_head_t, tag 0).
      isa::DataSegment heads{g.heads_addr, std::vector<uint8_t>(4 * s.experts, 0)};
      for (int e = 0, first = 0; e < s.experts; first += p.tiles_per_expert[e++]) {
        const uint32_t head = static_cast<uint32_t>(p.chain[first].x) | static_cast<uint32_t>(p.chain[first].y) << 11;
        std::memcpy(&heads.bytes[4 * e], &head, 4);
      }
      tp.program.data.push_back(std::move(heads));
    }
    km.tiles.push_back(std::move(tp));
  }
  // The experts' tiles, in the order of the combine chain.
  int position = 0;
  for (int e = 0; e < s.experts; ++e) {
    for (int q = 0; q < p.tiles_per_expert[e]; ++q, ++position) {
      const ExpertTile t{p.chain[position],
                         position,
                         e,
                         static_cast<int>(Start(s.d_ff, p.tiles_per_expert[e], q)),
                         static_cast<int>(Share(s.d_ff, p.tiles_per_expert[e], q)),
                         q,
                         p.tiles_per_expert[e]};
      const ExpertLayout l = LayoutExpert(s, st, t.hidden);
      TileProgram tp{t.at.x, t.at.y,
                     assembler::AssembleText(ExpertSource(s, st, t, l, p.chain, pw, ph, dispatch),
                                             fmt::format("moe tile ({},{})", t.at.x, t.at.y), asm_options)};
      // Dynamic dispatch writes only the chosen expert's weight into a token's record: the
      // others must read 0 (static dispatch writes all E).
      if (dispatch == Dispatch::kDynamic) {
        tp.program.data.push_back({l.rec_addr, std::vector<uint8_t>(l.token_bytes, 0)});
      }
      tp.program.data.push_back({l.y_addr, std::vector<uint8_t>(l.y_bytes, 0)});
      if (t.hidden > 0) {
        tp.program.data.push_back(Rows(l.w1_addr, in.w1[e], t.hidden0, t.hidden, s.d_model, st.es, l.row));
        tp.program.data.push_back(Rows(l.w3_addr, in.w3[e], t.hidden0, t.hidden, s.d_model, st.es, l.row));
        tp.program.data.push_back(
            Rows(l.w2_addr, in.w2[e], t.hidden0, t.hidden, s.d_model, st.es, l.w2_block, l.w2_rows));
      }
      km.tiles.push_back(std::move(tp));
      km.stamped_tiles.emplace_back(t.at.x, t.at.y);
    }
  }
  // The chain leaves the region eastward on an even row (through forwarding tiles to the mesh
  // edge) and westward on an odd one (x = 0 is the mesh edge).
  const Coord last = p.chain.back();
  const int last_color = ChainColor(static_cast<int>(p.chain.size()) - 1);
  if (last.y % 2 == 0) {
    for (int x = pw; x < fabric.width; ++x) {
      const std::string src = "main:\n" + RouteConfig(last_color, Route(kPortWest, kPortEast)) + "        halt\n";
      km.tiles.push_back({x, last.y, assembler::AssembleText(src, fmt::format("moe forwarding tile ({},{})", x, last.y),
                                                             asm_options)});
    }
    km.outputs.push_back({fabric.width - 1, last.y, noc::Dir::East, last_color, 0, km.output_size});
  } else {
    km.outputs.push_back({0, last.y, noc::Dir::West, last_color, 0, km.output_size});
  }
  EdgeInput tokens{0, 0, noc::Dir::West, kColorTokens, {}};
  for (float v : in.x) tokens.payloads.push_back(isa::AsBits(v));
  km.inputs.push_back(std::move(tokens));

  // Useful work: the gate's logits and, per token, k experts' three projections. Binary16 runs
  // the logits and the gate and up projections at SimdWidth multiply-adds a cycle, the down
  // projection (into binary32 partial outputs) at one.
  const double lanes = st.es == 2 ? double(fabric.simd_width) : 1.0;
  const double expert_macs = 3.0 * s.tokens * s.top_k * double(s.d_model) * s.d_ff;
  const double gate_macs = double(s.tokens) * s.experts * s.d_model;
  km.flops = 2.0 * (expert_macs + gate_macs);
  km.compute_bound_cycles = (gate_macs / lanes + expert_macs * (2 / lanes + 1) / 3) / (double(pw) * ph);
  km.macs_per_tile_cycle = (expert_macs + gate_macs) / (double(pw) * ph) / km.compute_bound_cycles;
  // The tokens come in and y goes out through one edge link each.
  km.io_bound_cycles = double(s.tokens) * s.d_model / fabric.edge_wavelets_per_cycle;

  const int busiest = *std::max_element(answer.tokens_per_expert.begin(), answer.tokens_per_expert.end());
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
  km.parameters = {{"d_model", s.d_model},
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
  km.report_line = fmt::format("routing    tokens per expert {}; load imbalance {:.2f} (busiest expert over the mean "
                               "{:.2f}); {}; the slowest expert's multiply-adds take {:.0f} cycles on its tiles "
                               "(compare the phases dispatch and experts)",
                               answer.tokens_per_expert, imbalance, mean, how, slowest_expert);
  return km;
}

}  // namespace wafersim::runtime
