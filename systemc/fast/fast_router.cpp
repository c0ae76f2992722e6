#include "fast_router.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::fabric {

namespace {
// One bit per (input, color) requester, numbered input * colors + color as the RTL's
// rr_arbiter inputs are: 5 x 24 = 120 bits.
using ReqMask = unsigned __int128;

int LowestBit(ReqMask v) {
  const auto lo = static_cast<uint64_t>(v);
  return lo != 0 ? __builtin_ctzll(lo) : 64 + __builtin_ctzll(static_cast<uint64_t>(v >> 64));
}

constexpr uint64_t kFlitMask = (uint64_t{1} << 40) - 1;  // mesh_pkg::FlitW
constexpr int kNorth = 0, kEast = 1, kSouth = 2, kWest = 3, kLocal = 4;
constexpr int kCfgMode = 4;

bool IsHead(uint64_t flit) { return (flit >> 1) & 1; }
bool IsTail(uint64_t flit) { return flit & 1; }
bool IsCtrl(uint64_t flit) { return (flit >> 2) & 1; }
bool Bit(uint32_t mask, int i) { return (mask >> i) & 1; }

void Check(bool ok, const char* what, int value, int lo, int hi) {
  if (!ok) throw std::invalid_argument(fmt::format("FastRouter: {} {} is out of range {}..{}", what, value, lo, hi));
}
}  // namespace

FastRouter::FastRouter(int colors, int depth, int x, int y, int credit_limit) {
  Check(colors >= 1 && colors <= kMaxColors, "colors", colors, 1, kMaxColors);
  Check(depth >= 1 && depth <= kMaxDepth, "buffer depth", depth, 1, kMaxDepth);
  Check(x >= 0 && x <= kMaxCoord, "x", x, 0, kMaxCoord);
  Check(y >= 0 && y <= kMaxCoord, "y", y, 0, kMaxCoord);
  Check(credit_limit >= 1 && credit_limit <= depth, "credit limit", credit_limit, 1, depth);
  colors_ = static_cast<uint8_t>(colors);
  depth_ = static_cast<uint8_t>(depth);
  limit_ = static_cast<uint8_t>(credit_limit);
  int width = 0;  // $clog2(depth + 1)
  while ((1 << width) < depth + 1) ++width;
  cnt_mask_ = static_cast<uint8_t>((1 << width) - 1);
  x_ = static_cast<uint16_t>(x);
  y_ = static_cast<uint16_t>(y);
  color_mask_ = (1u << colors) - 1;
  const int lanes = kPorts * colors;
  lanes_ = std::make_unique<Lane[]>(lanes);
  used_ = std::make_unique<uint8_t[]>(lanes);
  switches_ = std::make_unique<Switch[]>(colors);
  Reset();
}

void FastRouter::Reset() {
  const int lanes = kPorts * colors_;
  // The wavelet storage is allocated at the first wavelet in (most of a wafer's routers
  // never see one) and given back here: an empty slot is never read, so what it held does not
  // matter (the RTL does not reset it either).
  slots_.reset();
  std::fill(lanes_.get(), lanes_.get() + lanes, Lane{});
  std::fill(used_.get(), used_.get() + lanes, uint8_t{0});
  std::fill(switches_.get(), switches_.get() + colors_, Switch{});
  open_ = {};
  lock_ = {};
  sent_ = {};
  owned_ = {};
  for (PortMasks& o : owned_) o[kNorth] = color_mask_;  // owner_q resets to 0
  dyn_ = 0;
  rr_next_ = {};  // above_q all ones: requester 0 first
  flit_q_ = {};
  valid_q_ = 0;
  err_q_ = 0;
  nonempty_ = {};
  full_ = {};
  head_flag_ = {};
  dyn_dir_ = {};
  rx_ok_ = {};
  tx_has_ = {};
  credit_ok_.fill(color_mask_);
  win_port_.fill(-1);
  win_color_.fill(-1);
  pop_ = {};
  bad_frame_ = false;
  settled_ = false;
  in_ = {};
}

size_t FastRouter::Bytes() const {
  const size_t lanes = static_cast<size_t>(kPorts) * colors_;
  return sizeof(*this) + lanes * depth_ * sizeof(uint64_t) + lanes * sizeof(Lane) + lanes * sizeof(uint8_t) +
         colors_ * sizeof(Switch);
}

// mesh_router's xy_route: X first, then Y.
uint8_t FastRouter::XyRoute(uint64_t head) const {
  const unsigned dst_x = (head >> 8) & kMaxCoord, dst_y = (head >> 19) & kMaxCoord;
  if (dst_x > x_) return kEast;
  if (dst_x < x_) return kWest;
  if (dst_y > y_) return kSouth;
  if (dst_y < y_) return kNorth;
  return kLocal;
}

void FastRouter::Settle(Outputs& out) {
  // Requests, bit-parallel over colors for each (input, output): a buffered head asks an
  // output when it needs it and the output has a credit for its color; static heads need
  // the current position to accept their input and name the output not yet taken; dynamic
  // heads need the output's color free (head) or held by their input (body). A dynamic
  // head whose framing is wrong is dropped instead (and flagged).
  std::array<ReqMask, kPorts> req{};
  uint32_t requested = 0;  // outputs with at least one request
  bad_frame_ = false;
  for (int p = 0; p < kPorts; ++p) {
    const uint32_t ne = nonempty_[p];
    pop_[p] = 0;
    if (ne == 0) continue;
    const uint32_t stat = ne & ~dyn_ & rx_ok_[p];
    const uint32_t dyn = ne & dyn_;
    const uint32_t bad = dyn & ~(head_flag_[p] ^ open_[p]);  // a head inside a packet, a body outside
    pop_[p] = bad;
    bad_frame_ |= bad != 0;
    const uint32_t heads = dyn & ~bad & head_flag_[p], bodies = dyn & ~bad & ~head_flag_[p];
    const int shift = p * colors_;
    for (int o = 0; o < kPorts; ++o) {
      const uint32_t m = ((stat & tx_has_[o] & ~sent_[p][o]) |
                          (dyn_dir_[p][o] & ((heads & ~lock_[o]) | (bodies & lock_[o] & owned_[o][p])))) &
                         credit_ok_[o];
      if (m == 0) continue;
      req[o] |= ReqMask{m} << shift;
      requested |= 1u << o;
    }
  }
  // Round robin per output: the first requester at or after rr_next_, else the lowest.
  win_port_.fill(-1);
  win_color_.fill(-1);
  for (uint32_t m = requested; m != 0; m &= m - 1) {
    const int o = __builtin_ctz(m);
    const ReqMask masked = req[o] & (~ReqMask{0} << rr_next_[o]);
    const int lane = LowestBit(masked != 0 ? masked : req[o]);
    win_port_[o] = static_cast<int8_t>(lane / colors_);
    win_color_[o] = static_cast<int8_t>(lane % colors_);
  }
  // Pops: a dynamic wavelet leaves with its grant; a static one once every tx output of its
  // position has taken it (this cycle or before).
  for (int o = 0; o < kPorts; ++o) {
    const int p = win_port_[o], c = win_color_[o];
    if (p < 0) continue;
    if (Bit(dyn_, c)) {
      pop_[p] |= 1u << c;
      continue;
    }
    uint32_t taken = 0;
    for (int q = 0; q < kPorts; ++q) {
      taken |= static_cast<uint32_t>(Bit(sent_[p][q], c) || (win_port_[q] == p && win_color_[q] == c)) << q;
    }
    const Switch& sw = switches_[c];
    const uint32_t tx = sw.tx[sw.pos];
    if ((taken & tx) == tx) pop_[p] |= 1u << c;
  }
  out.flit = flit_q_;
  out.valid = valid_q_;
  out.credit = pop_;
  out.nonempty = nonempty_;
  out.full = full_;
  out.err = err_q_;
  settled_ = true;
}

// After a lane's buffer changed: its flags and where its (new) head would go if dynamic.
void FastRouter::RefreshLane(int port, int color) {
  const int lane = LaneIndex(port, color);
  const Lane& l = lanes_[lane];
  const uint32_t bit = 1u << color;
  nonempty_[port] = l.count != 0 ? nonempty_[port] | bit : nonempty_[port] & ~bit;
  full_[port] = l.count == depth_ ? full_[port] | bit : full_[port] & ~bit;
  int dir = l.route;
  head_flag_[port] &= ~bit;
  if (l.count != 0) {
    const uint64_t head = Head(lane);
    if (IsHead(head)) {
      head_flag_[port] |= bit;
      dir = XyRoute(head);
    }
  }
  for (int o = 0; o < kPorts; ++o) dyn_dir_[port][o] &= ~bit;
  dyn_dir_[port][dir] |= bit;
}

// After a color's switch position or registers changed.
void FastRouter::RefreshSwitch(int color) {
  const Switch& sw = switches_[color];
  const uint32_t bit = 1u << color;
  for (int p = 0; p < kPorts; ++p) {
    rx_ok_[p] = Bit(sw.rx[sw.pos], p) ? rx_ok_[p] | bit : rx_ok_[p] & ~bit;
    tx_has_[p] = Bit(sw.tx[sw.pos], p) ? tx_has_[p] | bit : tx_has_[p] & ~bit;
  }
}

void FastRouter::RefreshCredit(int out, int color) {
  const uint32_t bit = 1u << color;
  credit_ok_[out] = used_[LaneIndex(out, color)] < limit_ ? credit_ok_[out] | bit : credit_ok_[out] & ~bit;
}

void FastRouter::Update(const Inputs& in) {
  assert(settled_ && "FastRouter::Update without a Settle this cycle");
  settled_ = false;
  // Winners: output registers, credit counters, arbiter pointers, and the route state of the
  // wavelets that left (read before their buffers pop).
  uint8_t valid = 0;
  uint32_t ctrl_passed = 0;
  for (int o = 0; o < kPorts; ++o) {
    const int p = win_port_[o], c = win_color_[o];
    if (p < 0) continue;
    const int lane = LaneIndex(p, c);
    const uint32_t bit = 1u << c;
    const uint64_t head = Head(lane);
    flit_q_[o] = head;
    valid |= static_cast<uint8_t>(1u << o);
    uint8_t& used = used_[LaneIndex(o, c)];
    used = static_cast<uint8_t>((used + 1) & cnt_mask_);
    RefreshCredit(o, c);
    rr_next_[o] = static_cast<uint8_t>(lane + 1 == kPorts * colors_ ? 0 : lane + 1);
    if (Bit(dyn_, c)) {
      if (IsHead(head) && !IsTail(head)) {
        open_[p] |= bit;
        lanes_[lane].route = static_cast<uint8_t>(o);
        lock_[o] |= bit;
        for (int q = 0; q < kPorts; ++q) owned_[o][q] &= ~bit;
        owned_[o][p] |= bit;
      }
      if (IsTail(head)) {
        open_[p] &= ~bit;
        lock_[o] &= ~bit;
      }
    } else if (Bit(pop_[p], c)) {
      for (int q = 0; q < kPorts; ++q) sent_[p][q] &= ~bit;
      if (IsCtrl(head)) ctrl_passed |= bit;
    } else {
      sent_[p][o] |= bit;
    }
  }
  // Buffers: pops (granted or badly framed heads), then pushes of this cycle's arrivals.
  PortMasks changed = pop_;
  for (int p = 0; p < kPorts; ++p) {
    for (uint32_t m = pop_[p]; m != 0; m &= m - 1) {
      Lane& l = lanes_[LaneIndex(p, __builtin_ctz(m))];
      l.rd = static_cast<uint8_t>(l.rd + 1 == depth_ ? 0 : l.rd + 1);
      l.count = static_cast<uint8_t>((l.count - 1) & cnt_mask_);
    }
  }
  uint8_t err = err_q_;
  for (uint32_t m = in.valid & 0x1fu; m != 0; m &= m - 1) {
    const int p = __builtin_ctz(m);
    const uint64_t flit = in.flit[p] & kFlitMask;
    const int c = static_cast<int>((flit >> 3) & 0x1f);
    if (c >= colors_) {
      err |= kErrBadColor;  // dropped
      continue;
    }
    const int lane = LaneIndex(p, c);
    Lane& l = lanes_[lane];
    if (!slots_) slots_ = std::make_unique<uint64_t[]>(static_cast<size_t>(kPorts) * colors_ * depth_);
    slots_[lane * depth_ + l.wr] = flit;
    l.wr = static_cast<uint8_t>(l.wr + 1 == depth_ ? 0 : l.wr + 1);
    l.count = static_cast<uint8_t>((l.count + 1) & cnt_mask_);
    changed[p] |= 1u << c;
  }
  for (int p = 0; p < kPorts; ++p) {
    for (uint32_t m = changed[p]; m != 0; m &= m - 1) RefreshLane(p, __builtin_ctz(m));
  }
  // Credits back from downstream.
  for (int o = 0; o < kPorts; ++o) {
    for (uint32_t m = in.credit[o] & color_mask_; m != 0; m &= m - 1) {
      const int c = __builtin_ctz(m);
      uint8_t& used = used_[LaneIndex(o, c)];
      used = static_cast<uint8_t>((used - 1) & cnt_mask_);
      RefreshCredit(o, c);
    }
  }
  // A control wavelet that left advances its color's switch (with the old last position).
  for (uint32_t m = ctrl_passed; m != 0; m &= m - 1) {
    const int c = __builtin_ctz(m);
    Switch& sw = switches_[c];
    sw.pos = sw.pos == sw.last_pos ? 0 : static_cast<uint8_t>((sw.pos + 1) & 3);
    RefreshSwitch(c);
  }
  if (bad_frame_) err |= kErrBadFraming;
  err_q_ = err;
  WriteRoute(in);
  valid_q_ = valid;
}

// The configuration port: a route register write, after everything that read the old routes.
void FastRouter::WriteRoute(const Inputs& in) {
  if (!in.cfg_valid) return;
  const int color = in.cfg_color & 0x1f, sel = in.cfg_sel & 7;
  const unsigned data = in.cfg_data & 0x3ffu;
  if (color >= colors_ || sel > kCfgMode) {
    err_q_ |= kErrBadConfig;
    return;
  }
  Switch& sw = switches_[color];
  if (sel == kCfgMode) {
    dyn_ = (data & 1) ? dyn_ | (1u << color) : dyn_ & ~(1u << color);
    sw.last_pos = static_cast<uint8_t>((data >> 1) & 3);
    sw.pos = 0;  // a mode write also puts the switch back to position 0
  } else {
    const auto rx = static_cast<uint8_t>(data & 0x1f), tx = static_cast<uint8_t>(data >> 5);
    sw.rx[sel] = rx;
    sw.tx[sel] = tx;
    // A wavelet sent back where it came from, or accepted with nowhere to go.
    if ((rx & tx) != 0 || (rx != 0 && tx == 0)) err_q_ |= kErrBadConfig;
  }
  RefreshSwitch(color);
}

}  // namespace wafersim::fabric
