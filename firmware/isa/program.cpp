#include "isa/program.h"

#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "io/file_io.h"

namespace wafersim::isa {

namespace {
constexpr char kMagic[4] = {'W', 'S', 'P', 'E'};
constexpr uint32_t kVersion = 1;

void Put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

class Reader {
 public:
  Reader(const std::vector<uint8_t>& b, const std::string& path) : b_(b), path_(path) {}
  uint32_t U32() {
    Need(4);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(b_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  uint8_t U8() {
    Need(1);
    return b_[pos_++];
  }
  std::vector<uint8_t> Bytes(size_t n) {
    Need(n);
    std::vector<uint8_t> v(b_.begin() + static_cast<long>(pos_), b_.begin() + static_cast<long>(pos_ + n));
    pos_ += n;
    return v;
  }
  void Need(size_t n) const {
    if (pos_ + n > b_.size()) {
      throw std::invalid_argument(fmt::format("{}: truncated program file (at byte {})", path_, pos_));
    }
  }

 private:
  const std::vector<uint8_t>& b_;
  const std::string& path_;
  size_t pos_ = 0;
};
}  // namespace

std::optional<uint32_t> Program::Find(const std::string& name) const {
  for (const auto& s : symbols) {
    if (s.name == name) return s.value;
  }
  return std::nullopt;
}

uint32_t Program::Address(const std::string& name) const {
  if (auto v = Find(name)) return *v;
  throw std::out_of_range(fmt::format("program has no symbol '{}'", name));
}

uint32_t Program::DataEnd() const {
  uint32_t end = 0;
  for (const auto& d : data) end = std::max(end, d.addr + static_cast<uint32_t>(d.bytes.size()));
  return end;
}

void SaveProgram(const Program& p, const std::string& path) {
  std::vector<uint8_t> out(kMagic, kMagic + 4);
  Put32(out, kVersion);
  Put32(out, static_cast<uint32_t>(p.code.size()));
  Put32(out, static_cast<uint32_t>(p.data.size()));
  Put32(out, static_cast<uint32_t>(p.symbols.size()));
  for (uint32_t w : p.code) Put32(out, w);
  for (const auto& d : p.data) {
    Put32(out, d.addr);
    Put32(out, static_cast<uint32_t>(d.bytes.size()));
    out.insert(out.end(), d.bytes.begin(), d.bytes.end());
  }
  for (const auto& s : p.symbols) {
    Put32(out, s.value);
    out.push_back(static_cast<uint8_t>(s.kind));
    out.push_back(static_cast<uint8_t>(s.name.size()));
    out.insert(out.end(), s.name.begin(), s.name.end());
  }
  io::WriteFileAtomic(path, std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

Program LoadProgram(const std::string& path) {
  const std::string text = io::ReadFile(path);
  const std::vector<uint8_t> b(text.begin(), text.end());
  Reader r(b, path);
  const auto magic = r.Bytes(4);
  if (!std::equal(magic.begin(), magic.end(), kMagic)) {
    throw std::invalid_argument(fmt::format("{}: not a wafersim PE program (bad magic)", path));
  }
  if (const uint32_t v = r.U32(); v != kVersion) {
    throw std::invalid_argument(fmt::format("{}: program file version {} (expected {})", path, v, kVersion));
  }
  Program p;
  const uint32_t ncode = r.U32(), ndata = r.U32(), nsym = r.U32();
  for (uint32_t i = 0; i < ncode; ++i) p.code.push_back(r.U32());
  for (uint32_t i = 0; i < ndata; ++i) {
    DataSegment d;
    d.addr = r.U32();
    d.bytes = r.Bytes(r.U32());
    if (uint64_t{d.addr} + d.bytes.size() > (uint64_t{1} << 32)) {
      throw std::invalid_argument(fmt::format("{}: data segment {} at 0x{:x} ({} bytes) runs past the 32-bit address space",
                                              path, i, d.addr, d.bytes.size()));
    }
    p.data.push_back(std::move(d));
  }
  for (uint32_t i = 0; i < nsym; ++i) {
    Symbol s;
    s.value = r.U32();
    const uint8_t kind = r.U8();
    if (kind > Symbol::kConst) {
      throw std::invalid_argument(fmt::format("{}: symbol {} has kind {} (0 text, 1 data, 2 constant)", path, i, kind));
    }
    s.kind = static_cast<Symbol::Kind>(kind);
    const auto name = r.Bytes(r.U8());
    s.name.assign(name.begin(), name.end());
    p.symbols.push_back(std::move(s));
  }
  return p;
}

}  // namespace wafersim::isa
