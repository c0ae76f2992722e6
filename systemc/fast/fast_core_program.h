// A PE program decoded once for the fast core: each instruction word with its fields pulled
// out and its kind (the handler the core dispatches on) fixed. Immutable and interned: every
// tile loaded with the same instructions shares one copy (through a shared_ptr), so a wafer
// of tiles does not hold a 16 KB instruction memory each.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>


namespace wafersim::fabric {

/// What the core does with an instruction; every illegal encoding the RTL refuses whatever
/// the tile's parameters is kIllegal (send/recv colors are checked when executed).
enum class InstrKind : uint8_t {
  kHalt, kIllegal, kAlu, kAluImm, kLui, kJal, kJalr, kBranch, kLoad, kStore, kFp, kFfma,
  kDmem, kDfab, kDadd, kTensor, kTbind, kTask, kSend, kRecv, kCsrr, kRcfg
};

struct DecodedInstr {
  uint32_t word = 0;
  int32_t imm18 = 0;   ///< sign-extended imm[17:0]
  InstrKind kind = InstrKind::kHalt;
  uint8_t op = 0;
  uint8_t fn = 0;      ///< instr[3:0]
  uint8_t rd = 0, rs1 = 0, rs3 = 0;
  uint8_t rb = 0;      ///< the register of operand b: rd for stores and branches, else rs2
  uint16_t imm10 = 0;  ///< instr[13:4]
};

class DecodedProgram {
 public:
  /// Decodes the words and one halt word after them (what a load writes).
  explicit DecodedProgram(const std::vector<uint32_t>& code);
  /// The shared decoded copy of these instructions: decoded on first use, then reused while
  /// any tile holds it (thread-safe).
  static std::shared_ptr<const DecodedProgram> Intern(const std::vector<uint32_t>& code);

  /// The instruction at `pc` (a word index below the instruction memory's size): past the
  /// program the memory holds zeros, which are halts.
  const DecodedInstr& At(uint32_t pc) const { return pc < code_.size() ? code_[pc] : code_.back(); }
  size_t Words() const { return code_.size() - 1; }

  static DecodedInstr Decode(uint32_t word);

 private:
  std::vector<DecodedInstr> code_;
};

}  // namespace wafersim::fabric
