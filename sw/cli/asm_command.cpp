#include "cli/asm_command.h"

#include <memory>

#include <fmt/format.h>

#include "asm/assembler.h"
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
  as->add_option("file", flags->input, "assembly source")->required();
  as->add_option("-o,--output", flags->output, "program file to write (default: FILE with .bin)");
  as->add_option("-I,--include", flags->include_dirs, "folders searched by .include");
  as->add_flag("--list", flags->listing, "print the disassembled program");
  as->callback([flags, &run] {
    run = [flags]() -> int {
      assembler::AsmOptions opt;
      opt.include_dirs = flags->include_dirs;
      const isa::Program p = assembler::AssembleFile(flags->input, opt);
      std::string out = flags->output;
      if (out.empty()) {
        out = flags->input;
        const auto dot = out.rfind('.');
        out = (dot == std::string::npos ? out : out.substr(0, dot)) + ".bin";
      }
      isa::SaveProgram(p, out);
      if (flags->listing) fmt::print("{}", assembler::Listing(p));
      fmt::print("wafersim asm: {} -> {}: {} instructions, {} data bytes, {} symbols\n", flags->input,
                 out, p.code.size(), p.DataEnd(), p.symbols.size());
      return 0;
    };
  });

  auto input = std::make_shared<std::string>();
  CLI::App* dis = app.add_subcommand("disasm", "Print a PE program file as assembly");
  dis->add_option("file", *input, "program file")->required();
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
