#include "fast_tensor.h"

#include <algorithm>
#include <cassert>

#include "isa/fp.h"
#include "isa/isa.h"

namespace wafersim::fabric {

namespace {
constexpr uint32_t kOne = 0x3f800000u;
constexpr uint8_t kWaitFabricIn = 1, kWaitFabricOut = 2, kWaitSram = 3;
uint32_t StrideBytes(const Descriptor& d) {
  const int32_t s = static_cast<int16_t>(d.stride);
  return static_cast<uint32_t>(s) * (d.f16 ? 2u : 4u);
}
bool HasB(uint8_t fn) {
  return fn == isa::kTfmac || fn == isa::kTfadd || fn == isa::kTfmul || fn == isa::kTfmax || fn == isa::kTfdot;
}
}  // namespace

FastTensor::FastTensor(const FastTensorParams& p)
    : lanes_(p.lanes),
      depth_(p.read_latency + 2),
      slots_(2 * p.lanes),
      read_latency_(p.read_latency),
      bank_mask_(static_cast<uint32_t>(p.banks - 1)) {
  assert(p.lanes >= 1 && p.lanes <= kFastMaxLanes);
  assert(p.read_latency >= 1 && p.read_latency <= kFastMaxReadLatency);
  assert(p.banks >= 1 && p.banks <= kFastMaxBanks && (p.banks & (p.banks - 1)) == 0);
  Reset();
}

void FastTensor::Reset() {
  active_ = false;
  combining_ = false;
  issuing_ = false;
  head_ = tail_ = count_ = cur_ = 0;
  for (auto& e : ent_) e = Entry{};
  for (auto& s : dl_) s = Stage{};
  dl_pos_ = 0;
}

void FastTensor::Start(uint8_t fn, const Descriptor& a, const Descriptor& b, const Descriptor& d, uint32_t scalar) {
  active_ = true;
  fn_ = fn;
  a_ = a;
  b_ = b;
  d_ = d;
  s_ = scalar;
  reduction_ = fn >= isa::kTfdot;
  has_b_ = HasB(fn);
  n_ = reduction_ ? a.len : d.len;
  next_ = 0;
  ptr_a_ = a.base;
  ptr_b_ = b.base;
  ptr_d_ = d.base;
  sb_a_ = StrideBytes(a);
  sb_b_ = StrideBytes(b);
  sb_d_ = StrideBytes(d);
  issuing_ = false;
  head_ = tail_ = count_ = 0;
  for (int e = 0; e < depth_; ++e) ent_[e].valid = false;
  combining_ = false;
  const uint32_t acc0 = fn == isa::kTfmaxr ? isa::kNegInf : 0u;
  for (int k = 0; k < lanes_; ++k) acc_[k] = acc0;
  simd_ = lanes_ > 1 && !a.fabric && a.f16 && (!has_b_ || (!b.fabric && b.f16)) &&
          (reduction_ || (!d.fabric && d.f16));
  // The RTL's delay line shifts zeros in while idle: nothing is in flight at a start.
  for (int s = 0; s < read_latency_; ++s) {
    dl_[s].banks = 0;
    dl_[s].virt = false;
  }
}

uint32_t FastTensor::Result32(const Entry& e, int k) const {
  const uint32_t va = e.val[k], vb = e.val[lanes_ + k];
  switch (fn_) {
    case isa::kTfmac: return isa::FFma(vb, s_, va);
    case isa::kTfadd: return isa::FAdd(va, vb);
    case isa::kTfmul: return isa::FMul(va, vb);
    case isa::kTfmuls: return isa::FMul(va, s_);
    case isa::kTfadds: return isa::FAdd(va, s_);
    case isa::kTfmax: return isa::FMax(va, vb);
    case isa::kTfmov: return va;
    default: return isa::FFma(va, kOne, 0x80000000u);
  }
}

uint32_t FastTensor::AccNext(const Entry& e, int k) const {
  const uint32_t va = e.val[k], vb = e.val[lanes_ + k];
  switch (fn_) {
    case isa::kTfdot: return isa::FFma(va, vb, acc_[k]);
    case isa::kTfsum: return isa::FAdd(va, acc_[k]);
    case isa::kTfmaxr: return isa::FMax(acc_[k], va);
    default: return Result32(e, k);
  }
}

uint32_t FastTensor::CombR() const {
  const uint32_t x = comb_k_ == 1 ? acc_[0] : total_;
  const uint32_t y = acc_[comb_k_];
  return fn_ == isa::kTfmaxr ? isa::FMax(x, y) : isa::FAdd(x, y);
}

const TensorOutputs& FastTensor::Evaluate(const SramBanks& sram, uint32_t rx_valid, const uint32_t* rx_head,
                                          uint32_t tx_ready, BankRequest* req) {
  TensorOutputs& o = out_;
  o = TensorOutputs{};
  const Entry& h = ent_[head_];
  head_ready_ = h.valid && h.done;

  // Write stage: the oldest complete step's writes, one word per bank, in lane order.
  uint32_t bank_used = 0;
  bool w_stall = false;
  w_served_ = 0;
  o.tx_color = d_.color;
  if (head_ready_ && !reduction_) {
    if (d_.fabric) {
      if ((h.wpend & 1) && ((tx_ready >> d_.color) & 1)) {
        o.tx_valid = true;
        const uint32_t r = Result32(h, 0);
        o.tx_data = d_.f16 ? isa::F32ToF16(r) : r;
        w_served_ = 1;
      }
    } else {
      for (int k = 0; k < lanes_; ++k) {
        if (!((h.wpend >> k) & 1) || ((w_served_ >> k) & 1)) continue;
        const uint32_t addr_k = h.dbase + static_cast<uint32_t>(k) * sb_d_;
        const int bank = Bank(addr_k);
        if (((bank_used >> bank) & 1) || !sram.Grant(bank)) {
          w_stall = true;
          continue;
        }
        bank_used |= 1u << bank;
        o.req_mask |= 1u << bank;
        BankRequest& r = req[bank];
        r.valid = true;
        r.write = true;
        r.word = addr_k >> 2;
        r.wdata = 0;
        r.be = 0;
        // Every later lane in the same word goes with this write.
        for (int j = k; j < lanes_; ++j) {
          const uint32_t addr_j = h.dbase + static_cast<uint32_t>(j) * sb_d_;
          if (!((h.wpend >> j) & 1) || (addr_j >> 2) != (addr_k >> 2)) continue;
          w_served_ |= 1u << j;
          const uint32_t res = Result32(h, j);
          if (!d_.f16) {
            r.wdata = res;
            r.be = 0xf;
          } else if (addr_j & 2) {
            r.wdata = (r.wdata & 0xffffu) | static_cast<uint32_t>(isa::F32ToF16(res)) << 16;
            r.be |= 0xc;
          } else {
            r.wdata = (r.wdata & 0xffff0000u) | isa::F32ToF16(res);
            r.be |= 0x3;
          }
        }
      }
    }
  }
  retire_step_ = head_ready_ && (reduction_ || (h.wpend & ~w_served_) == 0);
  if (head_ready_ && reduction_) {
    for (int k = 0; k < h.cnt; ++k) acc_next_[k] = AccNext(h, k);
  }

  // Issue stage: begin a step (popping its fabric operands), then serve its reads in slot
  // order on the banks the write stage left free.
  a_fab_ = a_.fabric;
  b_fab_ = has_b_ && b_.fabric;
  const bool a_in = !a_fab_ || ((rx_valid >> a_.color) & 1);
  const bool b_in = !b_fab_ || ((rx_valid >> b_.color) & 1);
  const bool can_begin = !issuing_ && !combining_ && next_ < n_ && count_ < depth_;
  begin_step_ = can_begin && a_in && b_in;
  iss_ent_ = begin_step_ ? tail_ : cur_;
  uint32_t r_pend = issuing_ ? pend_ : 0;
  if (begin_step_) {
    iss_cnt_ = simd_ ? static_cast<int>(std::min<uint32_t>(n_ - next_, static_cast<uint32_t>(lanes_))) : 1;
    const uint32_t lanes_mask = (1u << iss_cnt_) - 1;
    r_need_ = (a_fab_ ? 0 : lanes_mask) | ((has_b_ && !b_fab_) ? lanes_mask << lanes_ : 0);
    r_pend = r_need_;
    // Which half of its word each element is (only binary16 elements that are read use it).
    r_half_ = 0;
    if (a_.f16 && !a_fab_) {
      for (int k = 0; k < iss_cnt_; ++k) r_half_ |= (((ptr_a_ + static_cast<uint32_t>(k) * sb_a_) >> 1) & 1u) << k;
    }
    if (b_.f16 && has_b_ && !b_fab_) {
      for (int k = 0; k < iss_cnt_; ++k) {
        r_half_ |= (((ptr_b_ + static_cast<uint32_t>(k) * sb_b_) >> 1) & 1u) << (lanes_ + k);
      }
    }
    if (a_fab_) {
      o.rx_pop |= 1u << a_.color;
      const uint32_t v = rx_head[a_.color];
      fab_a_val_ = a_.f16 ? isa::F16ToF32(static_cast<uint16_t>(v)) : v;
    }
    if (b_fab_) {
      o.rx_pop |= 1u << b_.color;
      const uint32_t v = rx_head[b_.color];
      fab_b_val_ = b_.f16 ? isa::F16ToF32(static_cast<uint16_t>(v)) : v;
    }
  }
  uint32_t served = 0;
  bool r_stall = false;
  r_banks_ = 0;
  if (r_pend != 0) {
    // Slots in order; a served word takes every later pending slot in the same word.
    uint32_t addr[kMaxSlots];
    for (uint32_t m = r_pend; m != 0; m &= m - 1) {
      const int k = __builtin_ctz(m);
      addr[k] = k < lanes_ ? ptr_a_ + static_cast<uint32_t>(k) * sb_a_
                           : ptr_b_ + static_cast<uint32_t>(k - lanes_) * sb_b_;
    }
    for (uint32_t m = r_pend; m != 0; m &= m - 1) {
      const int k = __builtin_ctz(m);
      if ((served >> k) & 1) continue;
      const int bank = Bank(addr[k]);
      if (((bank_used >> bank) & 1) || !sram.Grant(bank)) {
        r_stall = true;
        continue;
      }
      bank_used |= 1u << bank;
      r_banks_ |= 1u << bank;
      o.req_mask |= 1u << bank;
      BankRequest& r = req[bank];
      r.valid = true;
      r.write = false;
      r.word = addr[k] >> 2;
      r.wdata = 0;
      r.be = 0xf;
      uint32_t mask = 0;
      for (uint32_t j = m; j != 0; j &= j - 1) {
        const int i = __builtin_ctz(j);
        if ((addr[i] >> 2) == (addr[k] >> 2)) mask |= 1u << i;
      }
      served |= mask;
      r_bank_mask_[bank] = static_cast<uint16_t>(mask);
    }
  }
  r_left_ = r_pend & ~served;
  issue_done_ = (begin_step_ || issuing_) && r_left_ == 0;
  step_cnt_ = begin_step_ ? iss_cnt_ : ent_[cur_].cnt;
  o.stall = w_stall || r_stall;

  // Why nothing moved.
  if (o.stall) {
    o.wait = kWaitSram;
  } else if (head_ready_ && !reduction_ && d_.fabric && (h.wpend & 1) && !((tx_ready >> d_.color) & 1)) {
    o.wait = kWaitFabricOut;
    o.wait_color = d_.color;
  } else if (can_begin && !(a_in && b_in) && count_ == 0) {
    o.wait = kWaitFabricIn;
    o.wait_color = !a_in ? a_.color : b_.color;
  }

  // Arrivals: the words read ReadLatency cycles ago, all for one step.
  const Stage& st = dl_[read_latency_ == 1 ? dl_pos_ : (dl_pos_ + 1) % read_latency_];
  arr_slots_ = 0;
  if (st.banks != 0) {
    arr_ent_ = st.ent;
    const Entry& e = ent_[arr_ent_];
    for (uint32_t banks = st.banks; banks != 0; banks &= banks - 1) {
      const int b = __builtin_ctz(banks);
      const uint32_t word = sram.ReadData(b);
      const uint32_t m = st.mask[b];
      arr_slots_ |= m;
      for (uint32_t s = m; s != 0; s &= s - 1) {
        const int k = __builtin_ctz(s);
        const bool f16 = k < lanes_ ? a_.f16 : b_.f16;
        if (f16) {
          const uint16_t half = static_cast<uint16_t>(((e.half >> k) & 1) ? word >> 16 : word);
          arr_val_[k] = isa::F16ToF32(half);
        } else {
          arr_val_[k] = word;
        }
      }
    }
  }
  arr_virt_ = st.virt;
  arr_virt_ent_ = st.virt_ent;

  // Done.
  last_step_ = h.elem + h.cnt >= n_;
  if (n_ == 0) {
    o.done = true;
    o.result = fn_ == isa::kTfmaxr ? isa::kNegInf : 0u;
  } else if (combining_ && comb_k_ == lanes_ - 1) {
    o.done = true;
    o.result = CombR();
  } else if (retire_step_ && last_step_ && !(reduction_ && simd_ && lanes_ > 1)) {
    o.done = true;
    if (reduction_) o.result = acc_next_[0];  // only reductions write a result
  }
  return o;
}

void FastTensor::Update() {
  // This cycle's reads enter the delay line, over the stage that arrived.
  const uint32_t comb_r = combining_ ? CombR() : 0;
  dl_pos_ = read_latency_ == 1 ? 0 : (dl_pos_ + 1) % read_latency_;
  Stage& ns = dl_[dl_pos_];
  ns.banks = r_banks_;
  for (uint32_t banks = r_banks_; banks != 0; banks &= banks - 1) {
    const int b = __builtin_ctz(banks);
    ns.mask[b] = r_bank_mask_[b];
  }
  ns.ent = static_cast<uint8_t>(iss_ent_);
  ns.virt = issue_done_ && begin_step_ && r_need_ == 0;
  ns.virt_ent = static_cast<uint8_t>(iss_ent_);

  // Arrivals fill the buffer; a step with everything arrived is complete.
  auto arrive = [&](int ent, uint32_t slots) {
    Entry& e = ent_[ent];
    for (uint32_t s = slots & ((1u << slots_) - 1); s != 0; s &= s - 1) {
      const int k = __builtin_ctz(s);
      e.val[k] = arr_val_[k];
    }
    if (e.valid && !e.done && e.issued && (e.wait & ~slots) == 0) {
      e.done = true;
      e.wpend = static_cast<uint8_t>((1u << e.cnt) - 1);
    }
    e.wait &= ~slots;
  };
  const uint32_t virt_bit = 1u << slots_;
  if (arr_slots_ != 0 && arr_virt_ && arr_ent_ == arr_virt_ent_) {
    arrive(arr_ent_, arr_slots_ | virt_bit);
  } else {
    if (arr_slots_ != 0) arrive(arr_ent_, arr_slots_);
    if (arr_virt_) arrive(arr_virt_ent_, virt_bit);
  }

  // The issuing step.
  const uint32_t step = simd_ ? static_cast<uint32_t>(lanes_) : 1u;
  if (begin_step_) {
    Entry& t = ent_[tail_];
    t.valid = true;
    t.issued = issue_done_;
    t.done = false;
    t.elem = next_;
    t.dbase = ptr_d_;
    t.cnt = static_cast<uint8_t>(iss_cnt_);
    t.wait = (r_need_ == 0 ? virt_bit : 0u) | r_need_;
    t.wpend = 0;
    t.half = static_cast<uint16_t>(r_half_);
    if (a_fab_) t.val[0] = fab_a_val_;
    if (b_fab_) t.val[lanes_] = fab_b_val_;
    ptr_d_ += step * sb_d_;
    cur_ = tail_;
    tail_ = NextEnt(tail_);
  } else if (issue_done_) {
    ent_[cur_].issued = true;
  }
  issuing_ = (begin_step_ || issuing_) && !issue_done_;
  pend_ = r_left_;
  if (issue_done_) {
    next_ += static_cast<uint32_t>(step_cnt_);
    ptr_a_ += step * sb_a_;
    ptr_b_ += step * sb_b_;
  }

  // The write stage.
  Entry& h = ent_[head_];
  if (head_ready_ && !reduction_) h.wpend = static_cast<uint8_t>(h.wpend & ~w_served_);
  if (head_ready_ && reduction_) {
    for (int k = 0; k < h.cnt; ++k) acc_[k] = acc_next_[k];
  }
  if (retire_step_) {
    h.valid = false;
    h.done = false;
    head_ = NextEnt(head_);
  }
  count_ += (begin_step_ ? 1 : 0) - (retire_step_ ? 1 : 0);

  // Reductions on several lanes end by adding the lanes.
  if (retire_step_ && last_step_ && reduction_ && simd_ && lanes_ > 1) {
    combining_ = true;
    comb_k_ = 1;
  } else if (combining_) {
    total_ = comb_r;
    ++comb_k_;
  }
  if (out_.done) {
    active_ = false;
    combining_ = false;
  }
}

}  // namespace wafersim::fabric
