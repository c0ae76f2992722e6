#include "golden/core_model.h"

#include <algorithm>

#include <fmt/format.h>

#include "isa/fp.h"

namespace wafersim::golden {

using isa::Instr;

CoreModel::CoreModel(const CoreConfig& config, const isa::Program& program)
    : cfg_(config), imem_(static_cast<size_t>(config.imem_words), 0),
      sram_(static_cast<size_t>(config.sram_bytes), 0) {
  for (size_t i = 0; i < program.code.size() && i < imem_.size(); ++i) imem_[i] = program.code[i];
  for (const auto& seg : program.data) {
    for (size_t i = 0; i < seg.bytes.size() && seg.addr + i < sram_.size(); ++i) {
      sram_[seg.addr + i] = seg.bytes[i];
    }
  }
}

std::string CoreModel::DescribeError() const {
  return err_ == isa::kErrNone ? "no error"
                               : fmt::format("{} at pc {}", isa::ErrorName(err_), err_pc_);
}

void CoreModel::Deliver(const noc::Wavelet& w) {
  if (w.ctrl) {
    tasks_[w.data & 0xf].active = true;
    return;
  }
  queues_[w.color].push_back(w.data);
}

bool CoreModel::OwnedByDataTask(int color) const {
  for (const auto& t : tasks_) {
    if (t.bound && !t.control && t.color == color) return true;
  }
  return false;
}

bool CoreModel::Dispatch() {
  for (int t = 0; t < isa::kNumTasks; ++t) {
    TaskEntry& e = tasks_[t];
    if (!e.bound || e.blocked) continue;
    const bool has_wavelet = !e.control && !queues_[e.color].empty();
    if (!e.active && !has_wavelet) continue;
    e.active = false;
    taskdata_ = 0;
    if (has_wavelet) {
      taskdata_ = queues_[e.color].front();
      queues_[e.color].pop_front();
    }
    current_ = t;
    pc_ = e.entry;
    state_ = State::Running;
    return true;
  }
  return false;
}

CoreModel::StepResult CoreModel::Step() {
  if (state_ == State::Halted) return StepResult::Halted;
  if (state_ == State::Dispatch) return Dispatch() ? StepResult::Dispatched : StepResult::Idle;
  if (pc_ >= imem_.size()) {
    err_pc_ = pc_;
    return Halt(isa::kErrIllegal);
  }
  return Execute(imem_[pc_]);
}

CoreModel::StepResult CoreModel::Halt(int err) {
  if (err != isa::kErrNone && err_ == isa::kErrNone) {
    err_ = err;
    err_pc_ = pc_;
  }
  state_ = State::Halted;
  return StepResult::Halted;
}

bool CoreModel::ReadMem(uint32_t addr, int bytes, uint32_t& value) {
  if (addr % static_cast<uint32_t>(bytes) != 0) return Halt(isa::kErrMisaligned), false;
  if (static_cast<uint64_t>(addr) + static_cast<uint64_t>(bytes) > sram_.size()) {
    return Halt(isa::kErrAddress), false;
  }
  value = 0;
  for (int b = 0; b < bytes; ++b) value |= static_cast<uint32_t>(sram_[addr + static_cast<uint32_t>(b)]) << (8 * b);
  return true;
}

bool CoreModel::WriteMem(uint32_t addr, int bytes, uint32_t value) {
  if (addr % static_cast<uint32_t>(bytes) != 0) return Halt(isa::kErrMisaligned), false;
  if (static_cast<uint64_t>(addr) + static_cast<uint64_t>(bytes) > sram_.size()) {
    return Halt(isa::kErrAddress), false;
  }
  for (int b = 0; b < bytes; ++b) sram_[addr + static_cast<uint32_t>(b)] = static_cast<uint8_t>(value >> (8 * b));
  if (on_mem_write) on_mem_write(MemWrite{addr, static_cast<uint32_t>(bytes), bytes == 2 ? value & 0xffff : value});
  return true;
}

bool CoreModel::ArrayAddr(const Descriptor& d, uint32_t i, uint32_t& addr) {
  const int64_t size = d.f16 ? 2 : 4;
  const int64_t a = static_cast<int64_t>(d.base) + static_cast<int64_t>(i) * d.stride * size;
  if (a < 0 || a > UINT32_MAX) return Halt(isa::kErrAddress), false;
  addr = static_cast<uint32_t>(a);
  return true;
}

CoreModel::StepResult CoreModel::Execute(uint32_t word) {
  const isa::Mnemonic* m = isa::MnemonicOf(word);
  if (m == nullptr) return Halt(isa::kErrIllegal);
  const Instr in = isa::Decode(word);
  const uint32_t a = regs_[in.rs1], b = regs_[in.rs2];
  const int32_t sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
  const uint32_t imm = static_cast<uint32_t>(in.imm);
  uint32_t next = pc_ + 1;
  switch (in.op) {
    case isa::kOpHalt:
      ++instret_;
      return Halt(isa::kErrNone);
    case isa::kOpAlu: {
      uint32_t r = 0;
      switch (in.fn) {
        case isa::kAdd: r = a + b; break;
        case isa::kSub: r = a - b; break;
        case isa::kAnd: r = a & b; break;
        case isa::kOr: r = a | b; break;
        case isa::kXor: r = a ^ b; break;
        case isa::kSll: r = a << (b & 31); break;
        case isa::kSrl: r = a >> (b & 31); break;
        case isa::kSra: r = static_cast<uint32_t>(sa >> (b & 31)); break;
        case isa::kSlt: r = sa < sb; break;
        case isa::kSltu: r = a < b; break;
        case isa::kMul: r = a * b; break;
      }
      WriteReg(in.rd, r);
      break;
    }
    case isa::kOpAddi: WriteReg(in.rd, a + imm); break;
    case isa::kOpAndi: WriteReg(in.rd, a & imm); break;
    case isa::kOpOri: WriteReg(in.rd, a | imm); break;
    case isa::kOpXori: WriteReg(in.rd, a ^ imm); break;
    case isa::kOpSlli: WriteReg(in.rd, a << (imm & 31)); break;
    case isa::kOpSrli: WriteReg(in.rd, a >> (imm & 31)); break;
    case isa::kOpSrai: WriteReg(in.rd, static_cast<uint32_t>(sa >> (imm & 31))); break;
    case isa::kOpSlti: WriteReg(in.rd, sa < in.imm); break;
    case isa::kOpLui: WriteReg(in.rd, imm << 10); break;
    case isa::kOpJal:
      WriteReg(in.rd, pc_ + 1);
      next = (pc_ + imm) & 0xffff;
      break;
    case isa::kOpJalr:
      WriteReg(in.rd, pc_ + 1);
      next = (a + imm) & 0xffff;
      break;
    case isa::kOpLw:
    case isa::kOpLhu: {
      uint32_t v = 0;
      if (!ReadMem(a + imm, in.op == isa::kOpLw ? 4 : 2, v)) return StepResult::Halted;
      WriteReg(in.rd, v);
      break;
    }
    case isa::kOpSw:
    case isa::kOpSh:
      if (!WriteMem(a + imm, in.op == isa::kOpSw ? 4 : 2, in.op == isa::kOpSw ? b : b & 0xffff)) {
        return StepResult::Halted;
      }
      break;
    case isa::kOpBeq: if (a == b) next = pc_ + imm; break;
    case isa::kOpBne: if (a != b) next = pc_ + imm; break;
    case isa::kOpBlt: if (sa < sb) next = pc_ + imm; break;
    case isa::kOpBge: if (sa >= sb) next = pc_ + imm; break;
    case isa::kOpBltu: if (a < b) next = pc_ + imm; break;
    case isa::kOpBgeu: if (a >= b) next = pc_ + imm; break;
    case isa::kOpFp: {
      uint32_t r = 0;
      switch (in.fn) {
        case isa::kFadd: r = isa::FAdd(a, b); break;
        case isa::kFsub: r = isa::FSub(a, b); break;
        case isa::kFmul: r = isa::FMul(a, b); break;
        case isa::kFmax: r = isa::FMax(a, b); break;
        case isa::kFmin: r = isa::FMin(a, b); break;
        case isa::kFlt: r = isa::FLt(a, b); break;
        case isa::kFle: r = isa::FLe(a, b); break;
        case isa::kFeq: r = isa::FEq(a, b); break;
        case isa::kFcvtSW: r = isa::IntToF(sa); break;
        case isa::kFcvtWS: r = static_cast<uint32_t>(isa::FToInt(a)); break;
        case isa::kFcvtSH: r = isa::F16ToF32(static_cast<uint16_t>(a)); break;
        case isa::kFcvtHS: r = isa::F32ToF16(a); break;
      }
      WriteReg(in.rd, r);
      break;
    }
    case isa::kOpFfma: WriteReg(in.rd, isa::FFma(a, b, regs_[in.rs3])); break;
    case isa::kOpDmem: {
      Descriptor& d = descs_[in.dd];
      d = Descriptor{};
      d.base = a;
      d.len = static_cast<uint16_t>(b);
      d.stride = static_cast<int16_t>(regs_[in.rs3] & 0xffff);
      d.f16 = in.flags & isa::kFlagF16Mem;
      break;
    }
    case isa::kOpDfab: {
      Descriptor& d = descs_[in.dd];
      d = Descriptor{};
      d.fabric = true;
      d.color = static_cast<uint8_t>(in.flags & 0x1f);
      d.out = in.flags & isa::kFlagOut;
      d.f16 = in.flags & isa::kFlagF16Fab;
      d.len = static_cast<uint16_t>(b);
      break;
    }
    case isa::kOpDadd:
      if (!descs_[in.dd].fabric) descs_[in.dd].base += a;
      break;
    case isa::kOpTensor: {
      const StepResult r = Tensor(in);
      if (r != StepResult::Retired) return r;
      break;
    }
    case isa::kOpTbind: {
      TaskEntry& t = tasks_[in.task];
      t.entry = in.entry;
      t.color = in.color;
      t.control = in.kind;
      t.bound = true;
      break;
    }
    case isa::kOpTask:
      switch (in.fn) {
        case isa::kTact: tasks_[in.imm & 0xf].active = true; break;
        case isa::kTblock: tasks_[in.imm & 0xf].blocked = true; break;
        case isa::kTunblock: tasks_[in.imm & 0xf].blocked = false; break;
        case isa::kTdone:
          ++instret_;
          pc_ = next;
          state_ = State::Dispatch;
          return StepResult::Retired;
      }
      break;
    case isa::kOpSend: {
      if (static_cast<int>(imm & 0x1f) >= cfg_.colors) return Halt(isa::kErrIllegal);
      noc::Wavelet w;
      w.data = a;
      w.color = static_cast<uint8_t>(imm & 0x1f);
      w.ctrl = imm & isa::kSendCtrl;
      w.head = imm & isa::kSendHead;
      w.tail = imm & isa::kSendTail;
      if (on_send) on_send(w);
      break;
    }
    case isa::kOpRecv: {
      const int color = static_cast<int>(imm & 0x1f);
      if (color >= cfg_.colors) return Halt(isa::kErrIllegal);
      if (OwnedByDataTask(color)) return Halt(isa::kErrOwnedColor);
      if (queues_[color].empty()) return StepResult::Blocked;
      WriteReg(in.rd, queues_[color].front());
      queues_[color].pop_front();
      break;
    }
    case isa::kOpCsrr: {
      uint32_t v = 0;
      switch (imm) {
        case isa::kCsrX: v = static_cast<uint32_t>(cfg_.x); break;
        case isa::kCsrY: v = static_cast<uint32_t>(cfg_.y); break;
        case isa::kCsrCycle: v = static_cast<uint32_t>(cycle_); break;
        case isa::kCsrCycleH: v = static_cast<uint32_t>(cycle_ >> 32); break;
        case isa::kCsrTask: v = static_cast<uint32_t>(current_); break;
        case isa::kCsrTaskData: v = taskdata_; break;
        case isa::kCsrInstret: v = static_cast<uint32_t>(instret_); break;
        case isa::kCsrStalls: v = stalls_; break;
        case isa::kCsrErr: v = static_cast<uint32_t>(err_); break;
        default: return Halt(isa::kErrIllegal);
      }
      WriteReg(in.rd, v);
      break;
    }
    case isa::kOpRcfg:
      if (on_route_write) on_route_write(static_cast<int>(a & 0x1f), static_cast<int>(imm & 7), b & 0x3ff);
      break;
    default:
      return Halt(isa::kErrIllegal);
  }
  ++instret_;
  pc_ = next & 0xffff;
  return StepResult::Retired;
}

CoreModel::StepResult CoreModel::Tensor(const Instr& in) {
  const bool reduction = in.fn >= isa::kTfdot;
  const bool has_b = in.fn == isa::kTfmac || in.fn == isa::kTfadd || in.fn == isa::kTfmul ||
                     in.fn == isa::kTfmax || in.fn == isa::kTfdot;
  const Descriptor& A = descs_[in.da];
  const Descriptor& B = descs_[in.db];
  const Descriptor& D = descs_[in.dd];
  const uint32_t n = reduction ? A.len : D.len;
  // Operand checks, and the wavelets fabric-in operands need, before anything changes.
  if ((A.fabric && A.color >= cfg_.colors) || (has_b && B.fabric && B.color >= cfg_.colors) ||
      (!reduction && D.fabric && D.color >= cfg_.colors)) {
    return Halt(isa::kErrIllegal);
  }
  std::array<size_t, 32> need{};
  auto check_in = [&](const Descriptor& d) -> bool {
    if (d.len < n || (d.fabric && d.out)) return Halt(isa::kErrShortOperand), false;
    if (d.fabric) {
      if (OwnedByDataTask(d.color)) return Halt(isa::kErrOwnedColor), false;
      need[d.color] += n;
    }
    return true;
  };
  if (!check_in(A)) return StepResult::Halted;
  if (has_b && !check_in(B)) return StepResult::Halted;
  if (has_b && A.fabric && B.fabric) return Halt(isa::kErrShortOperand);
  if (!reduction && (D.len < n || (D.fabric && !D.out))) return Halt(isa::kErrShortOperand);
  // Array operands are checked whole before anything moves: alignment, then range.
  auto check_array = [&](const Descriptor& d) -> bool {
    if (d.fabric || n == 0) return true;
    const int64_t size = d.f16 ? 2 : 4;
    if (d.base % size != 0) return Halt(isa::kErrMisaligned), false;
    const int64_t first = d.base, last = d.base + static_cast<int64_t>(n - 1) * d.stride * size;
    if (std::min(first, last) < 0 || std::max(first, last) + size > static_cast<int64_t>(sram_.size())) {
      return Halt(isa::kErrAddress), false;
    }
    return true;
  };
  if (!check_array(A) || (has_b && !check_array(B)) || (!reduction && !check_array(D))) {
    return StepResult::Halted;
  }
  // The destination is exactly a source (in place) or apart from it.
  auto span = [&](const Descriptor& d, int64_t& lo, int64_t& hi) {
    const int64_t size = d.f16 ? 2 : 4;
    const int64_t last = d.base + static_cast<int64_t>(n - 1) * d.stride * size;
    lo = std::min<int64_t>(d.base, last);
    hi = std::max<int64_t>(d.base, last) + size;
  };
  auto overlaps = [&](const Descriptor& src) {
    if (src.fabric || D.fabric || n == 0) return false;
    if (src.base == D.base && src.stride == D.stride && src.f16 == D.f16) return false;
    int64_t a0, a1, d0, d1;
    span(src, a0, a1);
    span(D, d0, d1);
    return a0 < d1 && d0 < a1;
  };
  if (!reduction && (overlaps(A) || (has_b && overlaps(B)))) return Halt(isa::kErrOverlap);
  for (int c = 0; c < 32; ++c) {
    if (queues_[c].size() < need[c]) return StepResult::Blocked;
  }
  auto read = [&](const Descriptor& d, uint32_t i, uint32_t& v) -> bool {
    if (d.fabric) {
      const uint32_t raw = queues_[d.color].front();
      queues_[d.color].pop_front();
      v = d.f16 ? isa::F16ToF32(static_cast<uint16_t>(raw)) : raw;
      return true;
    }
    uint32_t addr = 0, raw = 0;
    if (!ArrayAddr(d, i, addr) || !ReadMem(addr, d.f16 ? 2 : 4, raw)) return false;
    v = d.f16 ? isa::F16ToF32(static_cast<uint16_t>(raw)) : raw;
    return true;
  };
  auto write = [&](const Descriptor& d, uint32_t i, uint32_t v) -> bool {
    const uint32_t raw = d.f16 ? isa::F32ToF16(v) : v;
    if (d.fabric) {
      noc::Wavelet w;
      w.data = raw;
      w.color = d.color;
      if (on_send) on_send(w);
      return true;
    }
    uint32_t addr = 0;
    return ArrayAddr(d, i, addr) && WriteMem(addr, d.f16 ? 2 : 4, raw);
  };
  const bool all_f16_arrays = !A.fabric && A.f16 && (!has_b || (!B.fabric && B.f16)) &&
                              (reduction || (!D.fabric && D.f16));
  const uint32_t lanes = all_f16_arrays ? static_cast<uint32_t>(cfg_.simd_width) : 1;
  const uint32_t init = in.fn == isa::kTfmaxr ? isa::kNegInf : 0u;
  std::vector<uint32_t> acc(lanes, init);
  const uint32_t s = regs_[in.rs];
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t x = 0, y = 0;
    if (!read(A, i, x)) return StepResult::Halted;
    if (has_b && !read(B, i, y)) return StepResult::Halted;
    uint32_t r = 0;
    switch (in.fn) {
      case isa::kTfmac: r = isa::FFma(y, s, x); break;
      case isa::kTfadd: r = isa::FAdd(x, y); break;
      case isa::kTfmul: r = isa::FMul(x, y); break;
      case isa::kTfmuls: r = isa::FMul(x, s); break;
      case isa::kTfadds: r = isa::FAdd(x, s); break;
      case isa::kTfmax: r = isa::FMax(x, y); break;
      case isa::kTfmov: r = x; break;
      case isa::kTfdot: acc[i % lanes] = isa::FFma(x, y, acc[i % lanes]); continue;
      case isa::kTfsum: acc[i % lanes] = isa::FAdd(acc[i % lanes], x); continue;
      case isa::kTfmaxr: acc[i % lanes] = isa::FMax(acc[i % lanes], x); continue;
      default: return Halt(isa::kErrIllegal);
    }
    if (!write(D, i, r)) return StepResult::Halted;
  }
  if (reduction) {
    uint32_t total = acc[0];
    for (uint32_t k = 1; k < lanes; ++k) {
      total = in.fn == isa::kTfmaxr ? isa::FMax(total, acc[k]) : isa::FAdd(total, acc[k]);
    }
    WriteReg(in.rd, total);
  }
  return StepResult::Retired;
}

}  // namespace wafersim::golden
