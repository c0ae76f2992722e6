// The PE instruction set (docs/isa.md): opcodes, formats, encoding, decoding, and the
// mnemonic table the assembler and the disassembler share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wafersim::isa {

inline constexpr int kNumRegs = 16;
inline constexpr int kNumDescs = 8;
inline constexpr int kNumTasks = 16;
inline constexpr int kMainTask = 16;
inline constexpr int kDefaultImemWords = 4096;
inline constexpr int kDefaultSramBytes = 48 * 1024;

enum Op : uint8_t {
  kOpHalt = 0x00,
  kOpAlu = 0x01,
  kOpAddi = 0x02,
  kOpAndi = 0x03,
  kOpOri = 0x04,
  kOpXori = 0x05,
  kOpSlli = 0x06,
  kOpSrli = 0x07,
  kOpSrai = 0x08,
  kOpSlti = 0x09,
  kOpLui = 0x0A,
  kOpJal = 0x0B,
  kOpJalr = 0x0C,
  kOpLw = 0x0D,
  kOpSw = 0x0E,
  kOpLhu = 0x0F,
  kOpSh = 0x10,
  kOpBeq = 0x11,
  kOpBne = 0x12,
  kOpBlt = 0x13,
  kOpBge = 0x14,
  kOpBltu = 0x15,
  kOpBgeu = 0x16,
  kOpFp = 0x17,
  kOpFfma = 0x18,
  kOpDmem = 0x19,
  kOpDfab = 0x1A,
  kOpDadd = 0x1B,
  kOpTensor = 0x1C,
  kOpTbind = 0x1D,
  kOpTask = 0x1E,
  kOpSend = 0x1F,
  kOpRecv = 0x20,
  kOpCsrr = 0x21,
  kOpRcfg = 0x22,
};

enum AluFn : uint8_t { kAdd, kSub, kAnd, kOr, kXor, kSll, kSrl, kSra, kSlt, kSltu, kMul, kNumAluFns };
enum FpFn : uint8_t {
  kFadd, kFsub, kFmul, kFmax, kFmin, kFlt, kFle, kFeq, kFcvtSW, kFcvtWS, kFcvtSH, kFcvtHS, kNumFpFns
};
enum TensorFn : uint8_t {
  kTfmac, kTfadd, kTfmul, kTfmuls, kTfadds, kTfmax, kTfmov, kTfdot, kTfsum, kTfmaxr, kNumTensorFns
};
enum TaskFn : uint8_t { kTact, kTblock, kTunblock, kTdone, kNumTaskFns };
enum Csr : uint8_t {
  kCsrX, kCsrY, kCsrCycle, kCsrCycleH, kCsrTask, kCsrTaskData, kCsrInstret, kCsrStalls, kCsrErr,
  kNumCsrs
};
enum Err : uint8_t {
  kErrNone, kErrIllegal, kErrMisaligned, kErrAddress, kErrShortOperand, kErrOwnedColor, kErrOverlap
};

/// What an `err` CSR value means ("none" for 0).
const char* ErrorName(int err);

/// Descriptor flags of dmem / dfab.
inline constexpr uint16_t kFlagF16Mem = 1u << 0;  // dmem
inline constexpr uint16_t kFlagOut = 1u << 5;     // dfab
inline constexpr uint16_t kFlagF16Fab = 1u << 6;  // dfab

/// Wavelet bits of `send` in its immediate (imm[4:0] is the color; imm[9:8] are reserved).
inline constexpr uint32_t kSendCtrl = 1u << 5;  // a control wavelet (activates a task)
inline constexpr uint32_t kSendHead = 1u << 6;  // a dynamic packet's head (payload: mesh_pkg::dyn_head_t)
inline constexpr uint32_t kSendTail = 1u << 7;  // a dynamic packet's tail (releases its path)

enum class Format : uint8_t { None, R, I, S, U, D, T, K, C };

/// Operand shapes the assembler parses and the disassembler prints.
enum class Shape : uint8_t {
  None,           // halt, tdone
  RdRs1Rs2,       // add rd, rs1, rs2
  RdRs1,          // fcvt.s.w rd, rs1
  RdRs1Rs2Rs3,    // ffma
  RdRs1Imm,       // addi rd, rs1, imm ; jalr
  RdMem,          // lw rd, imm(rs1)
  Rs2Mem,         // sw rs2, imm(rs1)
  Branch,         // beq rs1, rs2, label
  RdImm,          // lui rd, imm
  RdLabel,        // jal rd, label
  Dmem,           // dmem dd, rs1, rs2, rs3, f32|f16
  Dfab,           // dfab dd, color, rs2, in|out, f32|f16
  DdRs1,          // dadd dd, rs1
  DdDaDbRs,       // tfmac
  DdDaDb,         // tfadd tfmul tfmax
  DdDaRs,         // tfmuls tfadds
  DdDa,           // tfmov
  RdDaDb,         // tfdot
  RdDa,           // tfsum tfmaxr
  Tbind,          // tbind tN, color, label, data|control
  Task,           // tact tN
  Send,           // send rs1, color[, ctrl][, head][, tail]
  Recv,           // recv rd, color
  Csrr,           // csrr rd, csr
  Rcfg,           // rcfg rs1, sel, rs2
};

struct Mnemonic {
  const char* name;
  uint8_t op;
  uint8_t fn;
  Format format;
  Shape shape;
};

/// Every instruction mnemonic (pseudo-instructions are the assembler's own).
const std::vector<Mnemonic>& Mnemonics();
const Mnemonic* FindMnemonic(const std::string& name);
/// The mnemonic of an encoded word, or null for an illegal one.
const Mnemonic* MnemonicOf(uint32_t word);
const char* CsrName(int csr);
std::optional<int> CsrByName(const std::string& name);

/// A decoded instruction: the fields its format has, others zero.
struct Instr {
  uint8_t op = 0;
  uint8_t fn = 0;
  uint8_t rd = 0, rs1 = 0, rs2 = 0, rs3 = 0;
  uint8_t dd = 0, da = 0, db = 0, rs = 0;
  int32_t imm = 0;     // sign-extended for I, S, jal; zero-extended for lui and C
  uint16_t flags = 0;  // D
  uint8_t kind = 0, task = 0, color = 0;  // K
  uint16_t entry = 0;                     // K
};

Format FormatOf(uint8_t op);
uint32_t Encode(const Instr& in);
Instr Decode(uint32_t word);
/// Text of one instruction; `pc` turns relative branch and jump offsets into targets.
std::string Disassemble(uint32_t word, std::optional<uint32_t> pc = std::nullopt);

/// Immediate ranges of the formats.
inline constexpr int32_t kImm18Min = -(1 << 17), kImm18Max = (1 << 17) - 1;
inline constexpr int32_t kImm22Min = -(1 << 21), kImm22Max = (1 << 21) - 1;
inline constexpr uint32_t kLuiMax = (1u << 22) - 1;
inline constexpr uint32_t kImm10Max = (1u << 10) - 1;

}  // namespace wafersim::isa
