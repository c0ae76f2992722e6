#include "fast_core.h"

#include <cstring>

#include <algorithm>
#include <cassert>

#include "isa/fp.h"
#include "isa/isa.h"

namespace wafersim::fabric {

namespace {
constexpr uint8_t kWaitFabricIn = 1, kWaitFabricOut = 2, kWaitSram = 3;
bool HasB(uint8_t fn) {
  return fn == isa::kTfmac || fn == isa::kTfadd || fn == isa::kTfmul || fn == isa::kTfmax || fn == isa::kTfdot;
}
// The byte range [lo, hi) the first n elements of an array cover (pe_core's span_edge).
void Span(const Descriptor& d, uint32_t n, int64_t& lo, int64_t& hi) {
  const int64_t size = d.f16 ? 2 : 4;
  const int64_t first = d.base;
  const int64_t last = first + int64_t{static_cast<int16_t>(d.stride)} * int64_t{(n - 1) & 0xffffu} * size;
  lo = std::min(first, last);
  hi = std::max(first, last) + size;
}
// What the core reads past the instruction memory: all ones (an illegal instruction).
const DecodedInstr kBeyondImem = DecodedProgram::Decode(0xffffffffu);
}  // namespace

FastCore::FastCore(const FastCoreParams& params)
    : p_(params),
      rx_data_(std::make_unique<uint32_t[]>(static_cast<size_t>(params.colors) * params.rx_depth)),
      tensor_(FastTensorParams{params.lanes, params.banks, params.read_latency}) {
  assert(params.colors >= 1 && params.colors <= kFastMaxColors);
  assert(params.rx_depth >= 1 && params.rx_depth <= kFastMaxRxDepth);
  Reset(0, 0, params.rx_depth);
}

void FastCore::Reset(int x, int y, int tx_credits) {
  state_ = State::kExec;
  pc_ = 0;
  regs_.fill(0);
  desc_.fill(Descriptor{});
  task_entry_.fill(0);
  task_color_.fill(0);
  task_ctrl_ = task_bound_ = task_active_ = task_blocked_ = 0;
  current_ = isa::kMainTask;
  taskdata_ = 0;
  err_ = 0;
  cycle_ = 0;
  instret_ = stalls_ = 0;
  ld_wait_ = ld_rd_ = ld_bank_ = 0;
  ld_half_ = ld_upper_ = false;
  t_rd_ = 0;
  x_ = static_cast<uint16_t>(x & 0x7ff);
  y_ = static_cast<uint16_t>(y & 0x7ff);
  tx_ready_ = 0;
  for (int c = 0; c < p_.colors; ++c) {
    tx_cred_[c] = static_cast<uint8_t>(tx_credits);
    if (tx_credits != 0) tx_ready_ |= 1u << c;
  }
  for (auto& q : rxq_) q.head = q.count = 0;
  rx_head_.fill(0);
  rx_valid_ = 0;
  tensor_.Reset();
  replay_.Clear();
  run_ahead_due_ = false;
  run_aheads_ = 0;
  d_ = Decisions{};
  d_.state_d = State::kExec;
  out_ = CoreToRouter{};
  idle_ = false;
}

uint32_t FastCore::OwnedMask() const {
  uint32_t owned = 0;
  for (uint32_t t = task_bound_ & ~task_ctrl_ & 0xffffu; t != 0; t &= t - 1) {
    owned |= 1u << (task_color_[__builtin_ctz(t)] & 31u);
  }
  return owned;
}

bool FastCore::Owned(uint32_t color) const { return color < 32 && ((OwnedMask() >> color) & 1); }

uint8_t FastCore::ArrayError(const Descriptor& d, uint32_t n, int64_t lo, int64_t hi) const {
  if (d.fabric || n == 0) return isa::kErrNone;
  if (d.f16 ? (d.base & 1) != 0 : (d.base & 3) != 0) return isa::kErrMisaligned;
  if (lo < 0 || hi > p_.sram_bytes) return isa::kErrAddress;
  return isa::kErrNone;
}

// A tensor operation's operands, checked whole in its setup cycle, in the RTL's order.
uint8_t FastCore::TensorError(uint8_t fn, const Descriptor& ta, const Descriptor& tb, const Descriptor& td) const {
  const bool red = fn >= isa::kTfdot, has_b = HasB(fn);
  const uint32_t n = red ? ta.len : td.len;
  const uint32_t colors = static_cast<uint32_t>(p_.colors);
  if ((ta.fabric && ta.color >= colors) || (has_b && tb.fabric && tb.color >= colors) ||
      (!red && td.fabric && td.color >= colors)) {
    return isa::kErrIllegal;
  }
  if (ta.len < n || (ta.fabric && ta.out)) return isa::kErrShortOperand;
  if (ta.fabric && Owned(ta.color)) return isa::kErrOwnedColor;
  if (has_b && (tb.len < n || (tb.fabric && tb.out))) return isa::kErrShortOperand;
  if (has_b && tb.fabric && Owned(tb.color)) return isa::kErrOwnedColor;
  if (has_b && ta.fabric && tb.fabric) return isa::kErrShortOperand;
  if (!red && (td.len < n || (td.fabric && !td.out))) return isa::kErrShortOperand;
  int64_t lo_a, hi_a, lo_b, hi_b, lo_d, hi_d;
  Span(ta, n, lo_a, hi_a);
  Span(tb, n, lo_b, hi_b);
  Span(td, n, lo_d, hi_d);
  if (const uint8_t e = ArrayError(ta, n, lo_a, hi_a)) return e;
  if (has_b) {
    if (const uint8_t e = ArrayError(tb, n, lo_b, hi_b)) return e;
  }
  if (!red) {
    if (const uint8_t e = ArrayError(td, n, lo_d, hi_d)) return e;
    // A destination overlapping a source array, other than exactly in place.
    auto overlapping = [&](const Descriptor& s, int64_t s_lo, int64_t s_hi) {
      if (s.fabric || td.fabric || n == 0 || (s.base == td.base && s.stride == td.stride && s.f16 == td.f16)) {
        return false;
      }
      return s_lo < hi_d && lo_d < s_hi;
    };
    if (overlapping(ta, lo_a, hi_a) || (has_b && overlapping(tb, lo_b, hi_b))) return isa::kErrOverlap;
  }
  return isa::kErrNone;
}

uint32_t FastCore::Csr(uint32_t n) const {
  switch (n) {
    case isa::kCsrX: return x_;
    case isa::kCsrY: return y_;
    case isa::kCsrCycle: return static_cast<uint32_t>(cycle_);
    case isa::kCsrCycleH: return static_cast<uint32_t>(cycle_ >> 32);
    case isa::kCsrTask: return current_;
    case isa::kCsrTaskData: return taskdata_;
    case isa::kCsrInstret: return instret_;
    case isa::kCsrStalls: return stalls_;
    case isa::kCsrErr: return err_;
    default: return 0;
  }
}

// The ready task with the lowest number: active, or a data task with a wavelet waiting.
void FastCore::Schedule(bool& found, uint8_t& task, bool& has_wavelet) const {
  const uint32_t cand = task_bound_ & ~task_blocked_ & 0xffffu;
  uint32_t ready = cand & task_active_;
  uint32_t waiting = 0;  // data tasks whose color has a wavelet
  for (uint32_t t = cand & ~task_ctrl_ & 0xffffu; t != 0; t &= t - 1) {
    const int k = __builtin_ctz(t);
    const uint32_t c = task_color_[k];
    if (c < static_cast<uint32_t>(p_.colors) && ((rx_valid_ >> c) & 1)) waiting |= 1u << k;
  }
  ready |= waiting;
  found = ready != 0;
  task = found ? static_cast<uint8_t>(__builtin_ctz(ready)) : 0;
  has_wavelet = found && ((waiting >> task) & 1);
}

const CoreToRouter& FastCore::Evaluate(bool rx_valid, uint64_t rx_flit, const SramBanks& sram, BankRequest* req) {
  Decisions& d = d_;
  d.state_d = state_;
  d.pc_d = pc_;
  d.retire = d.wr_en = d.stall = d.dispatch = d.desc_we = d.t_start = d.load_start = d.s_send = false;
  d.tx_valid = false;
  d.err_now = 0;
  d.wait = 0;
  d.rx_pop = 0;
  d.req_mask = 0;
  d.sched_has_wavelet = false;
  out_ = CoreToRouter{};
  idle_ = false;
  const bool in_imem = pc_ < static_cast<uint32_t>(p_.imem_words);
  const DecodedInstr& in = in_imem ? program_->At(pc_) : kBeyondImem;
  d.wait_color = in.imm10 & 31;
  d.wr_rd = in.rd;

  // A wavelet from the router: data enters its color's queue, control goes to the task unit.
  d.rx_ctrl = rx_valid && ((rx_flit >> 2) & 1);
  d.rx_push = rx_valid && !d.rx_ctrl;
  d.rx_color = static_cast<uint8_t>((rx_flit >> 3) & 31);
  d.rx_data = static_cast<uint32_t>(rx_flit >> 8);

  const TensorOutputs* t = nullptr;
  if (state_ == State::kTensor && tensor_.Busy()) {
    t = &tensor_.Evaluate(sram, rx_valid_, rx_head_.data(), tx_ready_, req);
    d.rx_pop = t->rx_pop;
    d.req_mask = t->req_mask;
    d.stall = t->stall;
  }

  switch (state_) {
    case State::kExec: Exec(in, sram, req); break;
    case State::kLoadWait:
      if (ld_wait_ == p_.read_latency) {
        const uint32_t word = sram.ReadData(ld_bank_);
        d.wr_en = true;
        d.wr_rd = ld_rd_;
        d.wr_data = ld_half_ ? (ld_upper_ ? word >> 16 : word & 0xffffu) : word;
        d.retire = true;
        d.pc_d = static_cast<uint16_t>(pc_ + 1);
        d.state_d = State::kExec;
      }
      break;
    case State::kTensor: {
      // A replayed closed operation: no fabric waits, no pops, no sends.
      const bool replay = replay_.Active();
      const bool done = replay ? replay_.DoneNow() : t->done;
      if (replay) {
        ShowReplayedCycle(req);
      } else {
        d.wait = t->wait;
        d.wait_color = t->wait_color;
      }
      if (done) {
        d.retire = true;
        d.pc_d = static_cast<uint16_t>(pc_ + 1);
        d.state_d = State::kExec;
        if (in.fn >= isa::kTfdot) {
          d.wr_en = true;
          d.wr_rd = t_rd_;
          d.wr_data = replay ? replay_.Result() : t->result;
        }
      }
      break;
    }
    case State::kDispatch: {
      bool found;
      Schedule(found, d.sched_task, d.sched_has_wavelet);
      idle_ = !found;
      if (found) {
        d.dispatch = true;
        d.pc_d = task_entry_[d.sched_task];
        d.state_d = State::kExec;
        if (d.sched_has_wavelet) d.rx_pop |= 1u << task_color_[d.sched_task];
      }
      break;
    }
    case State::kHalted: break;
  }

  // The send port: scalar sends and tensor fabric-out streams never overlap. Only `send`
  // sets the control, head and tail bits (imm[5], imm[6], imm[7]: flit bits 2, 1, 0).
  if (d.s_send) {
    d.tx_valid = true;
    d.tx_color = static_cast<uint8_t>(in.imm10 & 31);
    out_.tx_flit = (uint64_t{regs_[in.rs1]} << 8) | (uint64_t{d.tx_color} << 3) |
                   (uint64_t{(in.imm10 >> 5) & 1u} << 2) | (uint64_t{(in.imm10 >> 6) & 1u} << 1) |
                   uint64_t{(in.imm10 >> 7) & 1u};
  } else if (t != nullptr && t->tx_valid) {
    d.tx_valid = true;
    d.tx_color = t->tx_color;
    out_.tx_flit = (uint64_t{t->tx_data} << 8) | (uint64_t{t->tx_color} << 3);
  }
  out_.tx_valid = d.tx_valid;
  // A credit goes back for every wavelet taken: popped, or a control wavelet on arrival.
  out_.rx_credits = d.rx_pop | (d.rx_ctrl ? 1u << d.rx_color : 0u);
  return out_;
}

void FastCore::Exec(const DecodedInstr& in, const SramBanks& sram, BankRequest* req) {
  Decisions& d = d_;
  bool illegal = false, halt_now = false;
  if (pc_ >= static_cast<uint32_t>(p_.imem_words)) {
    illegal = true;
  } else {
    d.pc_d = static_cast<uint16_t>(pc_ + 1);
    const uint32_t a = regs_[in.rs1], b = regs_[in.rb];
    const uint32_t w = in.word;
    switch (in.kind) {
      case InstrKind::kHalt:
        halt_now = true;
        d.retire = true;
        break;
      case InstrKind::kIllegal: illegal = true; break;
      case InstrKind::kAlu: {
        d.wr_en = d.retire = true;
        const unsigned sh = b & 31;
        switch (in.fn) {
          case isa::kAdd: d.wr_data = a + b; break;
          case isa::kSub: d.wr_data = a - b; break;
          case isa::kAnd: d.wr_data = a & b; break;
          case isa::kOr: d.wr_data = a | b; break;
          case isa::kXor: d.wr_data = a ^ b; break;
          case isa::kSll: d.wr_data = a << sh; break;
          case isa::kSrl: d.wr_data = a >> sh; break;
          case isa::kSra: d.wr_data = static_cast<uint32_t>(static_cast<int32_t>(a) >> sh); break;
          case isa::kSlt: d.wr_data = static_cast<int32_t>(a) < static_cast<int32_t>(b); break;
          case isa::kSltu: d.wr_data = a < b; break;
          default: d.wr_data = a * b; break;  // mul
        }
        break;
      }
      case InstrKind::kAluImm: {
        d.wr_en = d.retire = true;
        const uint32_t imm = static_cast<uint32_t>(in.imm18);
        const unsigned sh = imm & 31;
        switch (in.op) {
          case isa::kOpAddi: d.wr_data = a + imm; break;
          case isa::kOpAndi: d.wr_data = a & imm; break;
          case isa::kOpOri: d.wr_data = a | imm; break;
          case isa::kOpXori: d.wr_data = a ^ imm; break;
          case isa::kOpSlli: d.wr_data = a << sh; break;
          case isa::kOpSrli: d.wr_data = a >> sh; break;
          case isa::kOpSrai: d.wr_data = static_cast<uint32_t>(static_cast<int32_t>(a) >> sh); break;
          default: d.wr_data = static_cast<int32_t>(a) < in.imm18; break;  // slti
        }
        break;
      }
      case InstrKind::kLui:
        d.wr_en = d.retire = true;
        d.wr_data = (w & 0x3fffffu) << 10;
        break;
      case InstrKind::kJal:
        d.wr_en = d.retire = true;
        d.wr_data = uint32_t{pc_} + 1;
        d.pc_d = static_cast<uint16_t>(pc_ + (w & 0xffffu));  // the offset, modulo the 16-bit pc
        break;
      case InstrKind::kJalr:
        d.wr_en = d.retire = true;
        d.wr_data = uint32_t{pc_} + 1;
        d.pc_d = static_cast<uint16_t>(a + static_cast<uint32_t>(in.imm18));
        break;
      case InstrKind::kBranch: {
        bool taken;
        switch (in.op) {
          case isa::kOpBeq: taken = a == b; break;
          case isa::kOpBne: taken = a != b; break;
          case isa::kOpBlt: taken = static_cast<int32_t>(a) < static_cast<int32_t>(b); break;
          case isa::kOpBge: taken = static_cast<int32_t>(a) >= static_cast<int32_t>(b); break;
          case isa::kOpBltu: taken = a < b; break;
          default: taken = a >= b; break;
        }
        d.retire = true;
        if (taken) d.pc_d = static_cast<uint16_t>(pc_ + static_cast<uint32_t>(in.imm18));
        break;
      }
      case InstrKind::kLoad:
      case InstrKind::kStore: {
        const uint32_t addr = a + static_cast<uint32_t>(in.imm18);
        const bool size4 = in.op == isa::kOpLw || in.op == isa::kOpSw;
        const int bank = static_cast<int>((addr >> 2) & static_cast<uint32_t>(p_.banks - 1));
        if (size4 ? (addr & 3) != 0 : (addr & 1) != 0) {
          d.err_now = isa::kErrMisaligned;
        } else if (uint64_t{addr} + (size4 ? 4 : 2) > static_cast<uint64_t>(p_.sram_bytes)) {
          d.err_now = isa::kErrAddress;
        } else if (!sram.Grant(bank)) {
          d.stall = true;
          d.wait = kWaitSram;
          d.pc_d = pc_;
        } else {
          BankRequest& r = req[bank];
          d.req_mask |= 1u << bank;
          r.valid = true;
          r.word = addr >> 2;
          if (in.kind == InstrKind::kStore) {
            r.write = true;
            r.wdata = size4 ? b : (b & 0xffffu) * 0x10001u;
            r.be = size4 ? 0xf : ((addr & 2) ? 0xc : 0x3);
            d.retire = true;
          } else {
            r.write = false;
            r.wdata = 0;
            r.be = 0xf;
            d.state_d = State::kLoadWait;
            d.pc_d = pc_;
            d.load_start = true;
            ld_pending_bank_ = static_cast<uint8_t>(bank);
            ld_pending_upper_ = (addr & 2) != 0;
          }
        }
        break;
      }
      case InstrKind::kFp:
        d.wr_en = d.retire = true;
        switch (in.fn) {
          case isa::kFadd: d.wr_data = isa::FAdd(a, b); break;
          case isa::kFsub: d.wr_data = isa::FSub(a, b); break;
          case isa::kFmul: d.wr_data = isa::FMul(a, b); break;
          case isa::kFmax: d.wr_data = isa::FMax(a, b); break;
          case isa::kFmin: d.wr_data = isa::FMin(a, b); break;
          case isa::kFlt: d.wr_data = isa::FLt(a, b); break;
          case isa::kFle: d.wr_data = isa::FLe(a, b); break;
          case isa::kFeq: d.wr_data = isa::FEq(a, b); break;
          case isa::kFcvtSW: d.wr_data = isa::IntToF(static_cast<int32_t>(a)); break;
          case isa::kFcvtWS: d.wr_data = static_cast<uint32_t>(isa::FToInt(a)); break;
          case isa::kFcvtSH: d.wr_data = isa::F16ToF32(static_cast<uint16_t>(a)); break;
          default: d.wr_data = isa::F32ToF16(a); break;  // fcvt.h.s
        }
        break;
      case InstrKind::kFfma:
        d.wr_en = d.retire = true;
        d.wr_data = isa::FFma(a, b, regs_[in.rs3]);
        break;
      case InstrKind::kDmem:
        d.desc_we = d.retire = true;
        d.desc_new = Descriptor{a, static_cast<uint16_t>(b), static_cast<uint16_t>(regs_[in.rs3]), 0, (w & 1) != 0,
                                false, false};
        break;
      case InstrKind::kDfab:
        d.desc_we = d.retire = true;
        d.desc_new = Descriptor{0, static_cast<uint16_t>(b), 0, static_cast<uint8_t>(w & 31), ((w >> 6) & 1) != 0,
                                ((w >> 5) & 1) != 0, true};
        break;
      case InstrKind::kDadd:
        d.desc_we = d.retire = true;
        d.desc_new = desc_[(w >> 23) & 7];
        if (!d.desc_new.fabric) d.desc_new.base += a;
        break;
      case InstrKind::kTensor: {
        const uint8_t err = TensorError(in.fn, desc_[(w >> 20) & 7], desc_[(w >> 17) & 7], desc_[(w >> 23) & 7]);
        if (err != isa::kErrNone) {
          d.err_now = err;
        } else {
          d.t_start = true;
          d.state_d = State::kTensor;
          d.pc_d = pc_;
        }
        break;
      }
      case InstrKind::kTbind: d.retire = true; break;
      case InstrKind::kTask:
        d.retire = true;
        if (in.fn == isa::kTdone) d.state_d = State::kDispatch;
        break;
      case InstrKind::kSend: {
        const uint32_t color = in.imm10 & 31;
        if (color >= static_cast<uint32_t>(p_.colors)) {
          illegal = true;
        } else if (!((tx_ready_ >> color) & 1)) {
          d.pc_d = pc_;  // wait for a credit
          d.wait = kWaitFabricOut;
        } else {
          d.s_send = d.retire = true;
        }
        break;
      }
      case InstrKind::kRecv: {
        const uint32_t color = in.imm10 & 31;
        if (color >= static_cast<uint32_t>(p_.colors)) {
          illegal = true;
        } else if (Owned(color)) {
          d.err_now = isa::kErrOwnedColor;
        } else if (!((rx_valid_ >> color) & 1)) {
          d.pc_d = pc_;  // wait for a wavelet
          d.wait = kWaitFabricIn;
        } else {
          d.rx_pop |= 1u << color;
          d.wr_en = d.retire = true;
          d.wr_data = rx_head_[color];
        }
        break;
      }
      case InstrKind::kCsrr:
        d.wr_en = d.retire = true;
        d.wr_data = Csr(in.imm10);
        break;
      case InstrKind::kRcfg:
        out_.cfg_valid = true;
        out_.cfg_color = static_cast<uint8_t>(a & 31);
        out_.cfg_sel = static_cast<uint8_t>(in.imm10 & 7);
        out_.cfg_data = static_cast<uint16_t>(b & 0x3ffu);
        d.retire = true;
        break;
    }
  }
  if (illegal) d.err_now = isa::kErrIllegal;
  if (d.err_now != isa::kErrNone) {
    d.state_d = State::kHalted;
    d.pc_d = pc_;
    d.wr_en = false;
    d.retire = false;
  } else if (halt_now) {
    d.state_d = State::kHalted;
    d.pc_d = pc_;
  }
}

uint64_t FastCore::StillHash() const {
  // The object's bytes with the two counters zeroed (its padding never changes after
  // construction), eight at a time in four independent xor-multiply chains (each step is a
  // bijection, so one differing word always changes its chain), then the chains combined.
  constexpr size_t kWords = (sizeof(FastCore) + 7) / 8;
  uint64_t words[kWords] = {};
  std::memcpy(words, static_cast<const void*>(this), sizeof(FastCore));
  unsigned char* bytes = reinterpret_cast<unsigned char*>(words);
  const auto zero = [&](const void* field, size_t n) {
    std::memset(bytes + (static_cast<const unsigned char*>(field) - reinterpret_cast<const unsigned char*>(this)), 0, n);
  };
  zero(&cycle_, sizeof cycle_);
  zero(&stalls_, sizeof stalls_);
  constexpr uint64_t kPrime = 0x100000001b3ull;
  uint64_t h[4] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull, 0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full};
  size_t i = 0;
  for (; i + 4 <= kWords; i += 4) {
    for (int k = 0; k < 4; ++k) h[k] = (h[k] ^ words[i + k]) * kPrime;
  }
  for (; i < kWords; ++i) h[0] = (h[0] ^ words[i]) * kPrime;
  uint64_t r = h[0];
  for (int k = 1; k < 4; ++k) r = (r ^ (h[k] >> 29) ^ h[k]) * kPrime;
  return r;
}

void FastCore::ShowReplayedCycle(BankRequest* req) {
  Decisions& d = d_;
  d.stall = replay_.StallNow();
  d.wait = d.stall ? kWaitSram : 0;
  d.wait_color = 0;
  d.req_mask = replay_.KeepsRequests() ? replay_.RequestsNow(req) : 0;
}

bool FastCore::SkipReplayCycle(BankRequest* req) {
  Decisions& d = d_;
  d.retire = d.wr_en = d.dispatch = d.desc_we = d.t_start = d.load_start = d.s_send = d.tx_valid = false;
  d.rx_pop = 0;
  d.rx_ctrl = d.rx_push = false;
  idle_ = false;
  ShowReplayedCycle(req);
  SkipReplay(1);
  return d.stall;
}

void FastCore::Update(uint32_t tx_credits) {
  const Decisions& d = d_;
  const State old_state = state_;
  const DecodedInstr& in = pc_ < static_cast<uint32_t>(p_.imem_words) ? program_->At(pc_) : kBeyondImem;
  const uint32_t w = in.word;
  if (state_ == State::kTensor) {  // the datapath is busy, or replays, only in this state
    if (tensor_.Busy()) {
      tensor_.Update();
    } else if (replay_.Active()) {
      replay_.Advance(1);
    }
  }
  if (d.t_start) {
    tensor_.Start(in.fn, desc_[(w >> 20) & 7], desc_[(w >> 17) & 7], desc_[(w >> 23) & 7], regs_[(w >> 13) & 15]);
    t_rd_ = (w >> 9) & 15;
    run_ahead_due_ = run_ahead_ && tensor_.Closed();
  }
  state_ = d.state_d;
  pc_ = d.pc_d;
  ++cycle_;
  if (d.retire) ++instret_;
  if (d.stall) ++stalls_;
  if (d.wr_en && d.wr_rd != 0) regs_[d.wr_rd] = d.wr_data;
  if (d.desc_we) desc_[(w >> 23) & 7] = d.desc_new;
  if (d.err_now != isa::kErrNone) err_ = d.err_now;
  // Loads wait ReadLatency cycles for their data.
  if (d.load_start) {
    ld_wait_ = 1;
    ld_rd_ = in.rd;
    ld_half_ = in.op == isa::kOpLhu;
    ld_upper_ = ld_pending_upper_;
    ld_bank_ = ld_pending_bank_;
  } else if (old_state == State::kLoadWait) {
    ++ld_wait_;
  }
  // Tasks.
  if (old_state == State::kExec && d.retire) {
    if (in.kind == InstrKind::kTbind) {
      const int t = (w >> 21) & 15;
      task_entry_[t] = static_cast<uint16_t>(w);
      task_color_[t] = (w >> 16) & 31;
      task_ctrl_ = static_cast<uint16_t>((task_ctrl_ & ~(1u << t)) | (((w >> 25) & 1) << t));
      task_bound_ |= static_cast<uint16_t>(1u << t);
    } else if (in.kind == InstrKind::kTask) {
      const uint16_t bit = static_cast<uint16_t>(1u << (in.imm10 & 15));
      switch (in.fn) {
        case isa::kTact: task_active_ |= bit; break;
        case isa::kTblock: task_blocked_ |= bit; break;
        case isa::kTunblock: task_blocked_ &= static_cast<uint16_t>(~bit); break;
        default: break;
      }
    }
  }
  if (d.dispatch) {
    current_ = d.sched_task;
    taskdata_ = d.sched_has_wavelet ? rx_head_[task_color_[d.sched_task]] : 0u;
    task_active_ &= static_cast<uint16_t>(~(1u << d.sched_task));
  }
  // A control wavelet activates the task its payload names (after a dispatch's clear).
  if (d.rx_ctrl) task_active_ |= static_cast<uint16_t>(1u << (d.rx_data & 15));
  // Send credits: one used per wavelet sent, one back per credit from the router.
  if (d.tx_valid) {
    if (--tx_cred_[d.tx_color] == 0) tx_ready_ &= ~(1u << d.tx_color);
  }
  for (uint32_t c = tx_credits; c != 0; c &= c - 1) {
    const int k = __builtin_ctz(c);
    ++tx_cred_[k];
    tx_ready_ |= 1u << k;
  }
  // Receive queues: pops, then the arriving wavelet.
  for (uint32_t c = d.rx_pop; c != 0; c &= c - 1) {
    const int k = __builtin_ctz(c);
    RxQueue& q = rxq_[k];
    q.head = static_cast<uint8_t>(q.head + 1 == p_.rx_depth ? 0 : q.head + 1);
    if (--q.count == 0) {
      rx_valid_ &= ~(1u << k);
    } else {
      rx_head_[k] = rx_data_[k * p_.rx_depth + q.head];
    }
  }
  if (d.rx_push) {
    const int k = d.rx_color;
    RxQueue& q = rxq_[k];
    assert(q.count < p_.rx_depth);
    int slot = q.head + q.count;
    if (slot >= p_.rx_depth) slot -= p_.rx_depth;
    rx_data_[k * p_.rx_depth + slot] = d.rx_data;
    if (q.count++ == 0) {
      rx_head_[k] = d.rx_data;
      rx_valid_ |= 1u << k;
    }
  }
}

}  // namespace wafersim::fabric
