#include "cli/asm_command.h"

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "cli/command_files.h"
#include "io/file_io.h"
#include "isa/program.h"

namespace wafersim::cli {

namespace {
struct AsmFlags {
  std::string input;
  std::string output;
  std::vector<std::string> include_dirs;
  bool listing = false;
};
}  // namespace

void AddAsmCommands(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<AsmFlags>();
  CLI::App* as = app.add_subcommand("asm", "Assemble a PE program (docs/isa.md)");
  as->add_option("file", flags->input, "assembly source")->required()->check(FileName());
  as->add_option("-o,--output", flags->output, "program file to write (default: FILE with .bin)")->check(FileName());
  as->add_option("-I,--include", flags->include_dirs, "folders searched by .include");
  as->add_flag("--list", flags->listing, "print the disassembled program");
  as->callback([flags, &run] {
    run = [flags]() -> int {
      assembler::AsmOptions opt;
      opt.include_dirs = flags->include_dirs;
      std::vector<std::string> read;
      opt.files_read = &read;
      const isa::Program p = assembler::AssembleFile(flags->input, opt);
      const std::string out = flags->output.empty()
                                  ? std::filesystem::path(flags->input).replace_extension(".bin").string()
                                  : flags->output;
      // The program never replaces its source or a file it includes (`asm x.bin` too).
      CommandFiles files;
      for (const auto& f : read) files.Input("", f);
      files.Output(flags->output.empty() ? "asm" : "-o", out);
      files.Check();
      isa::SaveProgram(p, out);
      if (flags->listing) fmt::print("{}", assembler::Listing(p));
      fmt::print("wafersim asm: {} -> {}: {} instructions, {} data bytes, {} symbols\n", io::Printable(flags->input),
                 io::Printable(out), p.code.size(), p.DataEnd(), p.symbols.size());
      return 0;
    };
  });

  auto input = std::make_shared<std::string>();
  CLI::App* dis = app.add_subcommand("disasm", "Print a PE program file as assembly");
  dis->add_option("file", *input, "program file")->required()->check(FileName());
  dis->callback([input, &run] {
    run = [input]() -> int {
      const isa::Program p = isa::LoadProgram(*input);
      fmt::print("{}", assembler::Listing(p));
      for (const auto& d : p.data) fmt::print("data: {} bytes at 0x{:04x}\n", d.bytes.size(), d.addr);
      for (const auto& s : p.symbols) {
        fmt::print("symbol: {} = {} ({})\n", s.name, s.value,
                   s.kind == isa::Symbol::kText ? "text" : s.kind == isa::Symbol::kData ? "data" : "const");
      }
      return 0;
    };
  });
}

}  // namespace wafersim::cli
