#include "isa/isa.h"

#include <array>

#include <fmt/format.h>

namespace wafersim::isa {

namespace {

int32_t SignExtend(uint32_t v, int bits) {
  const uint32_t m = 1u << (bits - 1);
  v &= (1u << bits) - 1;
  return static_cast<int32_t>((v ^ m) - m);
}

const char* const kCsrNames[kNumCsrs] = {"x", "y", "cycle", "cycleh", "task",
                                         "taskdata", "instret", "stalls", "err"};

}  // namespace

const std::vector<Mnemonic>& Mnemonics() {
  using F = Format;
  using S = Shape;
  static const std::vector<Mnemonic> table = {
      {"halt", kOpHalt, 0, F::None, S::None},
      {"add", kOpAlu, kAdd, F::R, S::RdRs1Rs2},
      {"sub", kOpAlu, kSub, F::R, S::RdRs1Rs2},
      {"and", kOpAlu, kAnd, F::R, S::RdRs1Rs2},
      {"or", kOpAlu, kOr, F::R, S::RdRs1Rs2},
      {"xor", kOpAlu, kXor, F::R, S::RdRs1Rs2},
      {"sll", kOpAlu, kSll, F::R, S::RdRs1Rs2},
      {"srl", kOpAlu, kSrl, F::R, S::RdRs1Rs2},
      {"sra", kOpAlu, kSra, F::R, S::RdRs1Rs2},
      {"slt", kOpAlu, kSlt, F::R, S::RdRs1Rs2},
      {"sltu", kOpAlu, kSltu, F::R, S::RdRs1Rs2},
      {"mul", kOpAlu, kMul, F::R, S::RdRs1Rs2},
      {"addi", kOpAddi, 0, F::I, S::RdRs1Imm},
      {"andi", kOpAndi, 0, F::I, S::RdRs1Imm},
      {"ori", kOpOri, 0, F::I, S::RdRs1Imm},
      {"xori", kOpXori, 0, F::I, S::RdRs1Imm},
      {"slli", kOpSlli, 0, F::I, S::RdRs1Imm},
      {"srli", kOpSrli, 0, F::I, S::RdRs1Imm},
      {"srai", kOpSrai, 0, F::I, S::RdRs1Imm},
      {"slti", kOpSlti, 0, F::I, S::RdRs1Imm},
      {"lui", kOpLui, 0, F::U, S::RdImm},
      {"jal", kOpJal, 0, F::U, S::RdLabel},
      {"jalr", kOpJalr, 0, F::I, S::RdRs1Imm},
      {"lw", kOpLw, 0, F::I, S::RdMem},
      {"sw", kOpSw, 0, F::S, S::Rs2Mem},
      {"lhu", kOpLhu, 0, F::I, S::RdMem},
      {"sh", kOpSh, 0, F::S, S::Rs2Mem},
      {"beq", kOpBeq, 0, F::S, S::Branch},
      {"bne", kOpBne, 0, F::S, S::Branch},
      {"blt", kOpBlt, 0, F::S, S::Branch},
      {"bge", kOpBge, 0, F::S, S::Branch},
      {"bltu", kOpBltu, 0, F::S, S::Branch},
      {"bgeu", kOpBgeu, 0, F::S, S::Branch},
      {"fadd", kOpFp, kFadd, F::R, S::RdRs1Rs2},
      {"fsub", kOpFp, kFsub, F::R, S::RdRs1Rs2},
      {"fmul", kOpFp, kFmul, F::R, S::RdRs1Rs2},
      {"fmax", kOpFp, kFmax, F::R, S::RdRs1Rs2},
      {"fmin", kOpFp, kFmin, F::R, S::RdRs1Rs2},
      {"flt", kOpFp, kFlt, F::R, S::RdRs1Rs2},
      {"fle", kOpFp, kFle, F::R, S::RdRs1Rs2},
      {"feq", kOpFp, kFeq, F::R, S::RdRs1Rs2},
      {"fcvt.s.w", kOpFp, kFcvtSW, F::R, S::RdRs1},
      {"fcvt.w.s", kOpFp, kFcvtWS, F::R, S::RdRs1},
      {"fcvt.s.h", kOpFp, kFcvtSH, F::R, S::RdRs1},
      {"fcvt.h.s", kOpFp, kFcvtHS, F::R, S::RdRs1},
      {"ffma", kOpFfma, 0, F::R, S::RdRs1Rs2Rs3},
      {"dmem", kOpDmem, 0, F::D, S::Dmem},
      {"dfab", kOpDfab, 0, F::D, S::Dfab},
      {"dadd", kOpDadd, 0, F::D, S::DdRs1},
      {"tfmac", kOpTensor, kTfmac, F::T, S::DdDaDbRs},
      {"tfadd", kOpTensor, kTfadd, F::T, S::DdDaDb},
      {"tfmul", kOpTensor, kTfmul, F::T, S::DdDaDb},
      {"tfmuls", kOpTensor, kTfmuls, F::T, S::DdDaRs},
      {"tfadds", kOpTensor, kTfadds, F::T, S::DdDaRs},
      {"tfmax", kOpTensor, kTfmax, F::T, S::DdDaDb},
      {"tfmov", kOpTensor, kTfmov, F::T, S::DdDa},
      {"tfdot", kOpTensor, kTfdot, F::T, S::RdDaDb},
      {"tfsum", kOpTensor, kTfsum, F::T, S::RdDa},
      {"tfmaxr", kOpTensor, kTfmaxr, F::T, S::RdDa},
      {"tbind", kOpTbind, 0, F::K, S::Tbind},
      {"tact", kOpTask, kTact, F::C, S::Task},
      {"tblock", kOpTask, kTblock, F::C, S::Task},
      {"tunblock", kOpTask, kTunblock, F::C, S::Task},
      {"tdone", kOpTask, kTdone, F::C, S::None},
      {"send", kOpSend, 0, F::C, S::Send},
      {"recv", kOpRecv, 0, F::C, S::Recv},
      {"csrr", kOpCsrr, 0, F::C, S::Csrr},
      {"rcfg", kOpRcfg, 0, F::C, S::Rcfg},
  };
  return table;
}

const Mnemonic* FindMnemonic(const std::string& name) {
  for (const auto& m : Mnemonics()) {
    if (name == m.name) return &m;
  }
  return nullptr;
}

namespace {
// The mnemonic table indexed by opcode and function, built once: decoding (the reference
// model's every step) is a lookup, not a search.
struct DecodeTable {
  std::array<std::array<const Mnemonic*, 16>, 64> by_op_fn{};
  std::array<Format, 64> format{};
  std::array<bool, 64> has_fn{};  // several mnemonics share the opcode, told apart by fn
  DecodeTable() {
    std::array<int, 64> count{};
    for (const auto& m : Mnemonics()) {
      by_op_fn[m.op][m.fn] = &m;
      format[m.op] = m.format;
      ++count[m.op];
    }
    for (int op = 0; op < 64; ++op) has_fn[op] = count[op] > 1;
  }
};
const DecodeTable& Table() {
  static const DecodeTable table;
  return table;
}
}  // namespace

Format FormatOf(uint8_t op) { return op < 64 ? Table().format[op] : Format::None; }

const Mnemonic* MnemonicOf(uint32_t word) {
  const uint8_t op = static_cast<uint8_t>(word >> 26);
  if (op == kOpHalt && word != 0) return nullptr;
  const uint8_t fn = Table().has_fn[op] ? static_cast<uint8_t>(word & 0xf) : 0;
  return Table().by_op_fn[op][fn];
}

const char* ErrorName(int err) {
  static const char* const kNames[] = {"none", "illegal instruction", "misaligned access",
                                       "address out of range", "operand too short",
                                       "color owned by a data task", "destination overlaps a source"};
  return err >= 0 && err <= kErrOverlap ? kNames[err] : "unknown error";
}

const char* CsrName(int csr) { return csr >= 0 && csr < kNumCsrs ? kCsrNames[csr] : "?"; }

std::optional<int> CsrByName(const std::string& name) {
  for (int i = 0; i < kNumCsrs; ++i) {
    if (name == kCsrNames[i]) return i;
  }
  return std::nullopt;
}

uint32_t Encode(const Instr& in) {
  const uint32_t op = static_cast<uint32_t>(in.op) << 26;
  auto u = [](uint32_t v, int bits, int lsb) { return (v & ((1u << bits) - 1)) << lsb; };
  switch (FormatOf(in.op)) {
    case Format::R:
      return op | u(in.rd, 4, 22) | u(in.rs1, 4, 18) | u(in.rs2, 4, 14) | u(in.rs3, 4, 10) |
             u(in.fn, 4, 0);
    case Format::I:
      return op | u(in.rd, 4, 22) | u(in.rs1, 4, 18) | u(static_cast<uint32_t>(in.imm), 18, 0);
    case Format::S:
      return op | u(in.rs2, 4, 22) | u(in.rs1, 4, 18) | u(static_cast<uint32_t>(in.imm), 18, 0);
    case Format::U:
      return op | u(in.rd, 4, 22) | u(static_cast<uint32_t>(in.imm), 22, 0);
    case Format::D:
      return op | u(in.dd, 3, 23) | u(in.rs1, 4, 18) | u(in.rs2, 4, 14) | u(in.rs3, 4, 10) |
             u(in.flags, 10, 0);
    case Format::T:
      return op | u(in.dd, 3, 23) | u(in.da, 3, 20) | u(in.db, 3, 17) | u(in.rs, 4, 13) |
             u(in.rd, 4, 9) | u(in.fn, 4, 0);
    case Format::K:
      return op | u(in.kind, 1, 25) | u(in.task, 4, 21) | u(in.color, 5, 16) | u(in.entry, 16, 0);
    case Format::C:
      return op | u(in.rd, 4, 22) | u(in.rs1, 4, 18) | u(in.rs2, 4, 14) |
             u(static_cast<uint32_t>(in.imm), 10, 4) | u(in.fn, 4, 0);
    case Format::None:
      return 0;
  }
  return 0;
}

Instr Decode(uint32_t w) {
  Instr in;
  in.op = static_cast<uint8_t>(w >> 26);
  auto f = [w](int bits, int lsb) { return static_cast<uint8_t>((w >> lsb) & ((1u << bits) - 1)); };
  switch (FormatOf(in.op)) {
    case Format::R:
      in.rd = f(4, 22), in.rs1 = f(4, 18), in.rs2 = f(4, 14), in.rs3 = f(4, 10), in.fn = f(4, 0);
      break;
    case Format::I:
      in.rd = f(4, 22), in.rs1 = f(4, 18), in.imm = SignExtend(w, 18);
      break;
    case Format::S:
      in.rs2 = f(4, 22), in.rs1 = f(4, 18), in.imm = SignExtend(w, 18);
      break;
    case Format::U:
      in.rd = f(4, 22);
      in.imm = in.op == kOpJal ? SignExtend(w, 22) : static_cast<int32_t>(w & 0x3fffff);
      break;
    case Format::D:
      in.dd = f(3, 23), in.rs1 = f(4, 18), in.rs2 = f(4, 14), in.rs3 = f(4, 10);
      in.flags = static_cast<uint16_t>(w & 0x3ff);
      break;
    case Format::T:
      in.dd = f(3, 23), in.da = f(3, 20), in.db = f(3, 17), in.rs = f(4, 13), in.rd = f(4, 9);
      in.fn = f(4, 0);
      break;
    case Format::K:
      in.kind = f(1, 25), in.task = f(4, 21), in.color = f(5, 16);
      in.entry = static_cast<uint16_t>(w & 0xffff);
      break;
    case Format::C:
      in.rd = f(4, 22), in.rs1 = f(4, 18), in.rs2 = f(4, 14);
      in.imm = static_cast<int32_t>((w >> 4) & 0x3ff);
      in.fn = f(4, 0);
      break;
    case Format::None:
      break;
  }
  return in;
}

std::string Disassemble(uint32_t w, std::optional<uint32_t> pc) {
  const Mnemonic* m = MnemonicOf(w);
  if (m == nullptr) return fmt::format(".word 0x{:08x}  # illegal", w);
  const Instr in = Decode(w);
  auto r = [](int i) { return fmt::format("r{}", i); };
  auto d = [](int i) { return fmt::format("d{}", i); };
  auto target = [&](int32_t off) {
    return pc ? fmt::format("{}", static_cast<int64_t>(*pc) + off) : fmt::format("{:+}", off);
  };
  const std::string name = m->name;
  switch (m->shape) {
    case Shape::None: return name;
    case Shape::RdRs1Rs2: return fmt::format("{} {}, {}, {}", name, r(in.rd), r(in.rs1), r(in.rs2));
    case Shape::RdRs1: return fmt::format("{} {}, {}", name, r(in.rd), r(in.rs1));
    case Shape::RdRs1Rs2Rs3:
      return fmt::format("{} {}, {}, {}, {}", name, r(in.rd), r(in.rs1), r(in.rs2), r(in.rs3));
    case Shape::RdRs1Imm: return fmt::format("{} {}, {}, {}", name, r(in.rd), r(in.rs1), in.imm);
    case Shape::RdMem: return fmt::format("{} {}, {}({})", name, r(in.rd), in.imm, r(in.rs1));
    case Shape::Rs2Mem: return fmt::format("{} {}, {}({})", name, r(in.rs2), in.imm, r(in.rs1));
    case Shape::Branch:
      return fmt::format("{} {}, {}, {}", name, r(in.rs1), r(in.rs2), target(in.imm));
    case Shape::RdImm: return fmt::format("{} {}, 0x{:x}", name, r(in.rd), in.imm);
    case Shape::RdLabel: return fmt::format("{} {}, {}", name, r(in.rd), target(in.imm));
    case Shape::Dmem:
      return fmt::format("{} {}, {}, {}, {}, {}", name, d(in.dd), r(in.rs1), r(in.rs2), r(in.rs3),
                         (in.flags & kFlagF16Mem) ? "f16" : "f32");
    case Shape::Dfab:
      return fmt::format("{} {}, {}, {}, {}, {}", name, d(in.dd), in.flags & 0x1f, r(in.rs2),
                         (in.flags & kFlagOut) ? "out" : "in", (in.flags & kFlagF16Fab) ? "f16" : "f32");
    case Shape::DdRs1: return fmt::format("{} {}, {}", name, d(in.dd), r(in.rs1));
    case Shape::DdDaDbRs:
      return fmt::format("{} {}, {}, {}, {}", name, d(in.dd), d(in.da), d(in.db), r(in.rs));
    case Shape::DdDaDb: return fmt::format("{} {}, {}, {}", name, d(in.dd), d(in.da), d(in.db));
    case Shape::DdDaRs: return fmt::format("{} {}, {}, {}", name, d(in.dd), d(in.da), r(in.rs));
    case Shape::DdDa: return fmt::format("{} {}, {}", name, d(in.dd), d(in.da));
    case Shape::RdDaDb: return fmt::format("{} {}, {}, {}", name, r(in.rd), d(in.da), d(in.db));
    case Shape::RdDa: return fmt::format("{} {}, {}", name, r(in.rd), d(in.da));
    case Shape::Tbind:
      return fmt::format("{} t{}, {}, {}, {}", name, in.task, in.color, in.entry,
                         in.kind ? "control" : "data");
    case Shape::Task: return fmt::format("{} t{}", name, in.imm & 0xf);
    case Shape::Send:
      return fmt::format("{} {}, {}{}{}{}", name, r(in.rs1), in.imm & 0x1f, (in.imm & kSendCtrl) ? ", ctrl" : "",
                         (in.imm & kSendHead) ? ", head" : "", (in.imm & kSendTail) ? ", tail" : "");
    case Shape::Recv: return fmt::format("{} {}, {}", name, r(in.rd), in.imm & 0x1f);
    case Shape::Csrr: return fmt::format("{} {}, {}", name, r(in.rd), CsrName(in.imm));
    case Shape::Rcfg: return fmt::format("{} {}, {}, {}", name, r(in.rs1), in.imm & 7, r(in.rs2));
  }
  return name;
}

}  // namespace wafersim::isa
