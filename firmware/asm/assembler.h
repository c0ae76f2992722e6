// The PE assembler (docs/isa.md, "Assembly language"): two passes over the source with its
// includes; errors name file:line:column. Used by `wafersim asm` and by the runtime.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "isa/isa.h"
#include "isa/program.h"

namespace wafersim::assembler {

struct AsmOptions {
  int imem_words = isa::kDefaultImemWords;
  int sram_bytes = isa::kDefaultSramBytes;
  std::vector<std::string> include_dirs;  ///< searched after the including file's folder
  /// When set, AssembleFile appends the path of every file it reads (the source, then each
  /// .include), so a caller can keep its outputs off them.
  std::vector<std::string>* files_read = nullptr;
};

class AsmError : public std::runtime_error {
 public:
  AsmError(const std::string& file, int line, int column, const std::string& message);
  const std::string file;
  const int line;
  const int column;
};

isa::Program AssembleFile(const std::string& path, const AsmOptions& options = {});
/// `name` stands for the file in error messages; includes resolve against the current folder.
isa::Program AssembleText(const std::string& text, const std::string& name = "<text>",
                          const AsmOptions& options = {});

/// "pc: word  disassembly" for each instruction, for listings.
std::string Listing(const isa::Program& program);

}  // namespace wafersim::assembler
