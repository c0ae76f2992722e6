#include "fast_tensor.h"

#include <algorithm>
#include <array>
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

uint32_t FastTensor::Result32(uint32_t va, uint32_t vb) const {
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

uint32_t FastTensor::AccNext(const Entry& e, int k) const { return AccNext(e.val[k], e.val[lanes_ + k], acc_[k]); }

uint32_t FastTensor::AccNext(uint32_t va, uint32_t vb, uint32_t acc) const {
  switch (fn_) {
    case isa::kTfdot: return isa::FFma(va, vb, acc);
    case isa::kTfsum: return isa::FAdd(va, acc);
    case isa::kTfmaxr: return isa::FMax(acc, va);
    default: return Result32(va, vb);
  }
}

bool TensorTimingKey::operator==(const TensorTimingKey& o) const {
  return fn == o.fn && simd == o.simd && f16 == o.f16 && n == o.n && stride[0] == o.stride[0] &&
         stride[1] == o.stride[1] && stride[2] == o.stride[2] && bank_offset[0] == o.bank_offset[0] &&
         bank_offset[1] == o.bank_offset[1] && bank_offset[2] == o.bank_offset[2] && b_minus_a == o.b_minus_a &&
         apart == o.apart && lanes == o.lanes && banks == o.banks && read_latency == o.read_latency &&
         write_latency == o.write_latency;
}

size_t TensorTimingKey::Hash() const {
  uint64_t h = 0xcbf29ce484222325ull;
  const auto mix = [&](uint64_t v) { h = (h ^ v) * 0x100000001b3ull; };
  mix(fn | uint64_t{simd} << 8 | uint64_t{f16} << 16 | uint64_t{apart} << 24 | uint64_t{lanes} << 32 |
      uint64_t{banks} << 40 | uint64_t{read_latency} << 48 | uint64_t{write_latency} << 56);
  mix(n | uint64_t{static_cast<uint32_t>(b_minus_a)} << 32);
  mix(stride[0] | uint64_t{stride[1]} << 16 | uint64_t{stride[2]} << 32);
  mix(bank_offset[0] | uint64_t{bank_offset[1]} << 16 | uint64_t{bank_offset[2]} << 32);
  return static_cast<size_t>(h ^ (h >> 29));
}

namespace {
// The word-aligned byte range [lo, hi) the first n elements of an SRAM array touch.
void WordSpan(const Descriptor& d, uint32_t stride_bytes, uint32_t n, uint32_t& lo, uint32_t& hi) {
  const uint32_t first = d.base, last = d.base + (n - 1) * stride_bytes;
  lo = std::min(first, last) & ~3u;
  hi = (std::max(first, last) & ~3u) + 4;
}
}  // namespace

TensorTimingKey FastTensor::TimingKey(const SramBankConfig& banks) const {
  TensorTimingKey k;
  const uint32_t interleave = 4u * static_cast<uint32_t>(banks.banks);
  k.fn = fn_;
  k.simd = simd_;
  k.n = n_;
  k.f16 = static_cast<uint8_t>((a_.f16 ? 1 : 0) | (has_b_ && b_.f16 ? 2 : 0) | (!reduction_ && d_.f16 ? 4 : 0));
  k.stride[0] = a_.stride;
  k.bank_offset[0] = static_cast<uint16_t>(a_.base % interleave);
  k.apart = true;
  if (has_b_) {
    k.stride[1] = b_.stride;
    k.bank_offset[1] = static_cast<uint16_t>(b_.base % interleave);
    uint32_t a_lo = 0, a_hi = 0, b_lo = 0, b_hi = 0;
    if (n_ > 0) {
      WordSpan(a_, sb_a_, n_, a_lo, a_hi);
      WordSpan(b_, sb_b_, n_, b_lo, b_hi);
    }
    if (a_lo < b_hi && b_lo < a_hi) {  // a word may serve both
      k.apart = false;
      k.b_minus_a = static_cast<int32_t>(b_.base - a_.base);
    }
  }
  if (!reduction_) {
    k.stride[2] = d_.stride;
    k.bank_offset[2] = static_cast<uint16_t>(d_.base % interleave);
  }
  k.lanes = static_cast<uint8_t>(lanes_);
  k.banks = static_cast<uint8_t>(banks.banks);
  k.read_latency = static_cast<uint8_t>(banks.read_latency);
  k.write_latency = static_cast<uint8_t>(banks.write_latency);
  return k;
}

uint32_t FastTensor::ComputeClosed(SramBanks& sram) {
  active_ = false;
  const auto load = [&](const Descriptor& x, uint32_t stride_bytes, uint32_t i) {
    const uint32_t addr = x.base + i * stride_bytes;
    const uint32_t word = sram.ReadWord(addr & ~3u);
    return x.f16 ? isa::F16ToF32(static_cast<uint16_t>((addr & 2) ? word >> 16 : word)) : word;
  };
  uint32_t peak = 0;
  const auto touched = [&](const Descriptor& x, uint32_t stride_bytes) {
    uint32_t lo = 0, hi = 0;
    WordSpan(x, stride_bytes, n_, lo, hi);
    peak = std::max(peak, hi);
  };
  if (n_ == 0) return fn_ == isa::kTfmaxr ? isa::kNegInf : 0u;
  touched(a_, sb_a_);
  if (has_b_) touched(b_, sb_b_);
  uint32_t result = 0;
  if (reduction_) {
    // Lane k of a step takes its element k; several lanes are added (or maxed) at the end,
    // lane by lane, as the datapath combines them.
    const uint32_t acc0 = fn_ == isa::kTfmaxr ? isa::kNegInf : 0u;
    const int lanes = simd_ ? lanes_ : 1;
    std::array<uint32_t, kFastMaxLanes> acc;
    acc.fill(acc0);
    for (uint32_t i = 0; i < n_; ++i) {
      const uint32_t va = load(a_, sb_a_, i), vb = has_b_ ? load(b_, sb_b_, i) : 0u;
      uint32_t& lane = acc[i % static_cast<uint32_t>(lanes)];
      lane = AccNext(va, vb, lane);
    }
    result = acc[0];
    if (simd_ && lanes_ > 1) {
      for (int k = 1; k < lanes_; ++k) result = fn_ == isa::kTfmaxr ? isa::FMax(result, acc[k]) : isa::FAdd(result, acc[k]);
    }
  } else {
    touched(d_, sb_d_);
    for (uint32_t i = 0; i < n_; ++i) {
      const uint32_t va = load(a_, sb_a_, i), vb = has_b_ ? load(b_, sb_b_, i) : 0u;
      const uint32_t r = Result32(va, vb);
      const uint32_t addr = d_.base + i * sb_d_;
      if (d_.f16) {
        const uint16_t h = isa::F32ToF16(r);
        uint8_t bytes[2] = {static_cast<uint8_t>(h), static_cast<uint8_t>(h >> 8)};
        sram.Store(addr, bytes, 2);
      } else {
        uint8_t bytes[4] = {static_cast<uint8_t>(r), static_cast<uint8_t>(r >> 8), static_cast<uint8_t>(r >> 16),
                            static_cast<uint8_t>(r >> 24)};
        sram.Store(addr, bytes, 4);
      }
    }
  }
  sram.NoteLoaded(peak);
  return result;
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
