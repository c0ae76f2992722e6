#include "plan/npy.h"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "io/file_io.h"
#include "isa/fp.h"

namespace wafersim::plan {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;

[[noreturn]] void Fail(const std::string& path, const std::string& why) {
  throw std::invalid_argument(fmt::format("{}: {}", path, why));
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  void Parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
    bool has_descr = false, has_fortran = false, has_shape = false;
    Expect('{');
    while (true) {
      SkipSpace();
      if (Peek() == '}') break;
      const std::string key = String();
      Expect(':');
      SkipSpace();
      if (key == "descr") {
        descr = String();
        has_descr = true;
      } else if (key == "fortran_order") {
        fortran = Word() == "True";
        has_fortran = true;
      } else if (key == "shape") {
        shape = Tuple();
        has_shape = true;
      } else {
        Bad(fmt::format("unknown header key '{}'", key));
      }
      SkipSpace();
      if (Peek() == ',') {
        ++i_;
        continue;
      }
      SkipSpace();
      if (Peek() != '}') Bad("expected ',' or '}'");
    }
    if (!has_descr || !has_fortran || !has_shape) Bad("the header lacks descr, fortran_order or shape");
  }

 private:
  [[noreturn]] void Bad(const std::string& why) const { Fail(path_, fmt::format("bad header: {}", why)); }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void SkipSpace() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void Expect(char c) {
    SkipSpace();
    if (Peek() != c) Bad(fmt::format("expected '{}'", c));
    ++i_;
  }
  std::string String() {
    SkipSpace();
    const char q = Peek();
    if (q != '\'' && q != '"') Bad("expected a quoted string");
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) Bad("unterminated string");
    std::string out = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return out;
  }
  std::string Word() {
    std::string w;
    while (std::isalpha(static_cast<unsigned char>(Peek()))) w += s_[i_++];
    if (w != "True" && w != "False") Bad("fortran_order is not True or False");
    return w;
  }
  std::vector<int64_t> Tuple() {
    Expect('(');
    std::vector<int64_t> out;
    while (true) {
      SkipSpace();
      if (Peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) Bad("shape is not a tuple of sizes");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) {
        v = v * 10 + (s_[i_++] - '0');
        if (v > (int64_t{1} << 40)) Bad("a size in the shape is too large");
      }
      out.push_back(v);
      SkipSpace();
      if (Peek() == ',') ++i_;
      else if (Peek() != ')') Bad("shape is not a tuple of sizes");
    }
    ++i_;
    return out;
  }

  const std::string& s_;
  const std::string& path_;
  size_t i_ = 0;
};

uint64_t Le(const std::string& data, size_t at, int bytes) {
  uint64_t v = 0;
  for (int b = bytes - 1; b >= 0; --b) v = (v << 8) | static_cast<unsigned char>(data[at + b]);
  return v;
}

}  // namespace

NpyArray ReadNpy(const std::string& path) {
  std::string data;
  try {
    data = io::ReadFile(path);
  } catch (const io::FileError& e) {
    throw std::invalid_argument(e.what());
  }
  if (data.size() < kMagicBytes || data.compare(0, kMagicBytes, kMagic) != 0) {
    Fail(path, "not an .npy file (bad magic)");
  }
  if (data.size() < 10) Fail(path, "truncated header");
  const int major = static_cast<unsigned char>(data[6]);
  if (major < 1 || major > 3) {
    Fail(path, fmt::format("format version {}.{} (read: 1.0, 2.0, 3.0)", major, static_cast<unsigned char>(data[7])));
  }
  const size_t len_bytes = major == 1 ? 2 : 4;
  if (data.size() < 8 + len_bytes) Fail(path, "truncated header");
  const uint64_t header_len = Le(data, 8, static_cast<int>(len_bytes));
  const size_t start = 8 + len_bytes;
  if (data.size() < start + header_len) {
    Fail(path, fmt::format("truncated header ({} bytes, the file has {} after the length)", header_len,
                           data.size() - start));
  }
  NpyArray a;
  bool fortran = false;
  HeaderParser(data.substr(start, header_len), path).Parse(a.descr, fortran, a.shape);
  std::string kind = a.descr;
  if (!kind.empty() && kind[0] == '=') kind[0] = '<';  // native order, on a little-endian host
  if (kind != "<f2" && kind != "<f4" && kind != "<f8" && kind != "<i4" && kind != "<i8") {
    Fail(path, fmt::format("unsupported dtype '{}' (read: <f2, <f4, <f8, <i4, <i8)", a.descr));
  }
  a.descr = kind;
  if (fortran) Fail(path, "Fortran order is not supported (save the array in C order)");
  if (a.shape.size() != 1 && a.shape.size() != 2) {
    Fail(path, fmt::format("shape {} is not 1-D or 2-D", ShapeText(a.shape)));
  }
  uint64_t count = 1;
  constexpr uint64_t kMaxCount = uint64_t{1} << 40;
  for (int64_t d : a.shape) {
    // Checked before multiplying: two sizes of 2^40 would wrap the product around to 0.
    if (d != 0 && count > kMaxCount / static_cast<uint64_t>(d)) {
      Fail(path, fmt::format("shape {} is too large", ShapeText(a.shape)));
    }
    count *= static_cast<uint64_t>(d);
  }
  const size_t item = static_cast<size_t>(kind[2] - '0');
  const size_t have = data.size() - start - header_len, need = count * item;
  if (have != need) {
    Fail(path, fmt::format("shape {} of {} needs {} bytes of data, the file has {}{}", ShapeText(a.shape), a.descr,
                           need, have, have < need ? " (truncated)" : ""));
  }
  a.values.resize(count);
  const char* p = data.data() + start + header_len;
  for (size_t i = 0; i < count; ++i, p += item) {
    const uint64_t bits = Le(data, static_cast<size_t>(p - data.data()), static_cast<int>(item));
    double v = 0;
    if (kind == "<f2") {
      v = isa::AsFloat(isa::F16ToF32(static_cast<uint16_t>(bits)));
    } else if (kind == "<f4") {
      v = isa::AsFloat(static_cast<uint32_t>(bits));
    } else if (kind == "<f8") {
      std::memcpy(&v, &bits, 8);
    } else if (kind == "<i4") {
      v = static_cast<double>(static_cast<int32_t>(static_cast<uint32_t>(bits)));
    } else {
      v = static_cast<double>(static_cast<int64_t>(bits));
    }
    a.values[i] = v;
  }
  return a;
}

void WriteNpy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<double>& values,
              const std::string& descr) {
  if (descr != "<f2" && descr != "<f4" && descr != "<f8") {
    Fail(path, fmt::format("cannot write dtype '{}' (written: <f2, <f4, <f8)", descr));
  }
  uint64_t count = 1;
  for (int64_t d : shape) count *= static_cast<uint64_t>(d);
  if (shape.empty() || shape.size() > 2 || count != values.size()) {
    Fail(path, fmt::format("shape {} does not hold {} values", ShapeText(shape), values.size()));
  }
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, ShapeText(shape));
  // Magic, version, length and header (ending in a newline) take a multiple of 64 bytes.
  const size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string out(kMagic, kMagicBytes);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  const size_t item = static_cast<size_t>(descr[2] - '0');
  out.reserve(out.size() + values.size() * item);
  for (double v : values) {
    uint64_t bits = 0;
    if (item == 2) {
      bits = isa::F32ToF16(isa::AsBits(static_cast<float>(v)));
    } else if (item == 4) {
      bits = isa::AsBits(static_cast<float>(v));
    } else {
      std::memcpy(&bits, &v, 8);
    }
    for (size_t b = 0; b < item; ++b) out += static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  try {
    io::WriteFileAtomic(path, out);
  } catch (const io::FileError& e) {
    throw std::invalid_argument(e.what());
  }
}

}  // namespace wafersim::plan
