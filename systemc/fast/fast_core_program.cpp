#include "fast_core_program.h"

#include <mutex>
#include <unordered_map>

#include "isa/isa.h"

namespace wafersim::fabric {

DecodedInstr DecodedProgram::Decode(uint32_t word) {
  DecodedInstr d;
  d.word = word;
  d.op = static_cast<uint8_t>(word >> 26);
  d.fn = word & 0xf;
  d.rd = (word >> 22) & 0xf;
  d.rs1 = (word >> 18) & 0xf;
  d.rs3 = (word >> 10) & 0xf;
  d.imm18 = static_cast<int32_t>(word << 14) >> 14;
  d.imm10 = (word >> 4) & 0x3ff;
  const uint8_t rs2 = (word >> 14) & 0xf;
  using K = InstrKind;
  K k = K::kIllegal;
  switch (d.op) {
    case isa::kOpHalt: k = word == 0 ? K::kHalt : K::kIllegal; break;
    case isa::kOpAlu: k = d.fn < isa::kNumAluFns ? K::kAlu : K::kIllegal; break;
    case isa::kOpAddi: case isa::kOpAndi: case isa::kOpOri: case isa::kOpXori:
    case isa::kOpSlli: case isa::kOpSrli: case isa::kOpSrai: case isa::kOpSlti: k = K::kAluImm; break;
    case isa::kOpLui: k = K::kLui; break;
    case isa::kOpJal: k = K::kJal; break;
    case isa::kOpJalr: k = K::kJalr; break;
    case isa::kOpBeq: case isa::kOpBne: case isa::kOpBlt: case isa::kOpBge:
    case isa::kOpBltu: case isa::kOpBgeu: k = K::kBranch; break;
    case isa::kOpLw: case isa::kOpLhu: k = K::kLoad; break;
    case isa::kOpSw: case isa::kOpSh: k = K::kStore; break;
    case isa::kOpFp: k = d.fn < isa::kNumFpFns ? K::kFp : K::kIllegal; break;
    case isa::kOpFfma: k = K::kFfma; break;
    case isa::kOpDmem: k = K::kDmem; break;
    case isa::kOpDfab: k = K::kDfab; break;
    case isa::kOpDadd: k = K::kDadd; break;
    case isa::kOpTensor: k = d.fn < isa::kNumTensorFns ? K::kTensor : K::kIllegal; break;
    case isa::kOpTbind: k = K::kTbind; break;
    case isa::kOpTask: k = d.fn < isa::kNumTaskFns ? K::kTask : K::kIllegal; break;
    case isa::kOpSend: k = K::kSend; break;
    case isa::kOpRecv: k = K::kRecv; break;
    case isa::kOpCsrr: k = d.imm10 < isa::kNumCsrs ? K::kCsrr : K::kIllegal; break;
    case isa::kOpRcfg: k = K::kRcfg; break;
    default: break;
  }
  d.kind = k;
  d.rb = (k == K::kStore || k == K::kBranch) ? d.rd : rs2;
  return d;
}

DecodedProgram::DecodedProgram(const std::vector<uint32_t>& code) {
  code_.reserve(code.size() + 1);
  for (uint32_t w : code) code_.push_back(Decode(w));
  code_.push_back(Decode(0));
}

std::shared_ptr<const DecodedProgram> DecodedProgram::Intern(const std::vector<uint32_t>& code) {
  static std::mutex mutex;
  static std::unordered_multimap<uint64_t, std::weak_ptr<const DecodedProgram>> interned;
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over the words
  for (uint32_t w : code) hash = (hash ^ w) * 1099511628211ull;
  std::lock_guard<std::mutex> lock(mutex);
  auto [first, last] = interned.equal_range(hash);
  for (auto it = first; it != last;) {
    if (auto p = it->second.lock()) {
      bool same = p->Words() == code.size();
      for (size_t i = 0; same && i < code.size(); ++i) same = p->code_[i].word == code[i];
      if (same) return p;
      ++it;
    } else {
      it = interned.erase(it);  // no tile holds it any more
    }
  }
  auto p = std::make_shared<const DecodedProgram>(code);
  interned.emplace(hash, p);
  return p;
}

}  // namespace wafersim::fabric
