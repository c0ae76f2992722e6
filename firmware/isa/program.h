// An assembled PE program: instruction memory image, SRAM data segments and symbols, and
// its file format (.bin): "WSPE", version, counts, then the three parts, little-endian.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wafersim::isa {

struct DataSegment {
  uint32_t addr = 0;           ///< SRAM byte address
  std::vector<uint8_t> bytes;
};

struct Symbol {
  std::string name;
  uint32_t value = 0;  ///< instruction index (text) or SRAM byte address (data) or constant
  enum Kind : uint8_t { kText, kData, kConst } kind = kConst;
};

struct Program {
  std::vector<uint32_t> code;
  std::vector<DataSegment> data;
  std::vector<Symbol> symbols;

  std::optional<uint32_t> Find(const std::string& name) const;
  /// Throws std::out_of_range naming the symbol when it is missing.
  uint32_t Address(const std::string& name) const;
  /// Bytes of SRAM the data segments reach (highest end address).
  uint32_t DataEnd() const;
};

/// Writes atomically (a temporary file renamed into place); throws on failure.
void SaveProgram(const Program& p, const std::string& path);
/// Throws std::invalid_argument (bad input) naming the file and what is wrong with it.
Program LoadProgram(const std::string& path);

}  // namespace wafersim::isa
