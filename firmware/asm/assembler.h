// The PE assembler (docs/isa.md, "Assembly language"): two passes over the source with its
// includes; errors name file:line:column. Used by `wafersim asm` and by the runtime.
#pragma once

#include <cstdint>
#include <map>
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
  /// Constants defined before the first line: a program's parameters (a Plan's, say). A
  /// program that defines one of them again is refused ("already defined").
  std::map<std::string, int64_t> defines;
  /// Assembled ahead of the program, at pc 0 (a Plan's route set-up), named `prelude_name`
  /// in errors.
  std::string prelude;
  std::string prelude_name = "<prelude>";
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
/// A program built into the binary ("kernels/gemv_tile.s", firmware_files.h); its includes
/// resolve among the built-in programs first.
isa::Program AssembleBuiltIn(const std::string& name, const AsmOptions& options = {});
/// `name` stands for the file in error messages; includes resolve against the current folder,
/// then the include folders, then the programs built into the binary (firmware_files.h).
isa::Program AssembleText(const std::string& text, const std::string& name = "<text>",
                          const AsmOptions& options = {});

/// "pc: word  disassembly" for each instruction, for listings.
std::string Listing(const isa::Program& program);

}  // namespace wafersim::assembler
