// The assembler and disassembler: every instruction round-trips, expressions and
// directives mean what docs/isa.md says, and errors name file:line:column.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "asm/assembler.h"
#include "isa/fp.h"
#include "isa/isa.h"

using namespace wafersim;
using assembler::AsmError;
using assembler::AssembleText;

namespace {
uint32_t One(const std::string& line) {
  const auto p = AssembleText(line + "\n");
  REQUIRE(p.code.size() == 1);
  return p.code[0];
}
std::string ErrorOf(const std::string& text) {
  try {
    AssembleText(text, "t.s");
  } catch (const AsmError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("every instruction's disassembly assembles back to the same word", "[asm]") {
  const char* lines[] = {
      "halt", "add r1, r2, r3", "sub r15, r0, r14", "and r1, r2, r3", "or r1, r2, r3",
      "xor r1, r2, r3", "sll r1, r2, r3", "srl r1, r2, r3", "sra r1, r2, r3", "slt r1, r2, r3",
      "sltu r1, r2, r3", "mul r1, r2, r3", "addi r1, r2, -131072", "andi r1, r2, 131071",
      "ori r1, r2, 5", "xori r1, r2, 5", "slli r1, r2, 31", "srli r1, r2, 1", "srai r1, r2, 2",
      "slti r1, r2, -1", "lui r3, 0x3fffff", "jalr r15, r3, 4", "lw r1, -8(r2)", "sw r1, 12(r2)",
      "lhu r1, 2(r2)", "sh r1, 6(r2)", "fadd r1, r2, r3", "fsub r1, r2, r3", "fmul r1, r2, r3",
      "fmax r1, r2, r3", "fmin r1, r2, r3", "flt r1, r2, r3", "fle r1, r2, r3", "feq r1, r2, r3",
      "fcvt.s.w r1, r2", "fcvt.w.s r1, r2", "fcvt.s.h r1, r2", "fcvt.h.s r1, r2",
      "ffma r1, r2, r3, r4", "dmem d7, r1, r2, r3, f16", "dmem d0, r1, r2, r3, f32",
      "dfab d2, 31, r4, out, f16", "dfab d3, 0, r4, in, f32", "dadd d1, r5",
      "tfmac d1, d2, d3, r4", "tfadd d1, d2, d3", "tfmul d1, d2, d3", "tfmuls d1, d2, r9",
      "tfadds d1, d2, r9", "tfmax d1, d2, d3", "tfmov d1, d2", "tfdot r1, d2, d3", "tfsum r1, d2",
      "tfmaxr r1, d2", "tact t15", "tblock t1", "tunblock t2", "tdone", "send r3, 7",
      "send r3, 7, ctrl", "send r3, 7, head", "send r3, 7, tail", "send r3, 7, head, tail",
      "send r3, 7, ctrl, head, tail", "recv r4, 31", "csrr r1, taskdata", "rcfg r1, 4, r2"};
  for (const char* line : lines) {
    INFO(line);
    const uint32_t w = One(line);
    CHECK(isa::Disassemble(w) == line);
    CHECK(One(isa::Disassemble(w)) == w);
    CHECK(isa::MnemonicOf(w) != nullptr);
  }
}

TEST_CASE("fields land where the encoding table says", "[asm]") {
  CHECK(One("add r1, r2, r3") == ((0x01u << 26) | (1u << 22) | (2u << 18) | (3u << 14) | 0));
  CHECK(One("addi r1, r2, -1") == ((0x02u << 26) | (1u << 22) | (2u << 18) | 0x3ffffu));
  CHECK(One("tfmac d1, d2, d3, r4") == ((0x1Cu << 26) | (1u << 23) | (2u << 20) | (3u << 17) | (4u << 13)));
  CHECK(One("tbind t3, 5, 17, control") == ((0x1Du << 26) | (1u << 25) | (3u << 21) | (5u << 16) | 17u));
  // send: color imm[4:0], ctrl imm[5], head imm[6], tail imm[7], in any order in the source.
  CHECK(One("send r1, 3, tail, head") == ((0x1Fu << 26) | (1u << 18) | ((3u | 0x40u | 0x80u) << 4)));
  CHECK(One("send r1, 3, ctrl") == ((0x1Fu << 26) | (1u << 18) | ((3u | 0x20u) << 4)));
  CHECK(One("halt") == 0u);
  CHECK(isa::MnemonicOf(0x00000001u) == nullptr);           // halt with stray bits
  CHECK(isa::MnemonicOf((0x01u << 26) | 11u) == nullptr);   // ALU fn 11
  CHECK(isa::MnemonicOf(0x3Fu << 26) == nullptr);           // unknown op
}

TEST_CASE("labels, expressions, constants and pseudo-instructions", "[asm]") {
  const auto p = AssembleText(R"(
        .equ  N, 3 * (2 + 5) - 1      # 20
        .equ  M, N << 2 | 1           # 81
start:  li    r1, N
        li    r2, 0x12345678
        li    r3, buf                 # forward data label: two words
        lif   r4, -2.5
        mv    r5, r1
        nop
loop:   addi  r1, r1, -1
        bne   r1, r0, loop
        j     start
        call  fn
fn:     ret
        .data
        .space 6
        .align 4
buf:    .word M, -1
        .half 0xbeef
        .f16  1.0
        .float 0.1
)");
  CHECK(p.Address("N") == 20);
  CHECK(p.Address("M") == 81);
  CHECK(p.Address("buf") == 8);
  CHECK(p.Address("loop") == 9);  // li N: 1 word, li 0x12345678: 2, li buf: 2, lif: 2, mv, nop
  CHECK(isa::Disassemble(p.code[0]) == "addi r1, r0, 20");
  CHECK(isa::Disassemble(p.code[1]) == "lui r2, 0x48d15");
  CHECK(isa::Disassemble(p.code[2]) == "ori r2, r2, 632");
  CHECK(isa::Disassemble(p.code[10], 10) == "bne r1, r0, 9");
  CHECK(isa::Disassemble(p.code[11], 11) == "jal r0, 0");
  CHECK(isa::Disassemble(p.code[12], 12) == "jal r15, 13");
  CHECK(isa::Disassemble(p.code[13]) == "jalr r0, r15, 0");
  REQUIRE(p.data.size() == 1);
  const auto& d = p.data[0].bytes;
  REQUIRE(p.data[0].addr == 0);
  REQUIRE(d.size() == 24);
  CHECK(d[8] == 81);
  CHECK(d[12] == 0xff);
  CHECK((d[16] | d[17] << 8) == 0xbeef);
  CHECK((d[18] | d[19] << 8) == 0x3c00);  // 1.0 in binary16
  uint32_t f = 0;
  for (int i = 0; i < 4; ++i) f |= static_cast<uint32_t>(d[20 + i]) << (8 * i);
  CHECK(f == isa::AsBits(0.1f));
}

TEST_CASE("errors name the file, line and column, and what is wrong", "[asm]") {
  CHECK(ErrorOf("  addi r1, r2\n") == "t.s:1:3: error: 'addi' takes 3 operands");
  CHECK(ErrorOf("\n  frob r1\n") == "t.s:2:3: error: unknown instruction 'frob'");
  CHECK(ErrorOf("  li r1, nowhere\n") == "t.s:1:10: error: undefined symbol 'nowhere'");
  CHECK(ErrorOf("  addi r1, r2, 200000\n") == "t.s:1:16: error: immediate 200000 is out of range -131072..131071");
  CHECK(ErrorOf("  add r1, r2, r16\n") == "t.s:1:15: error: expected a register (r0..r15)");
  CHECK(ErrorOf("x: nop\nx: nop\n") == "t.s:2:1: error: 'x' is already defined");
  CHECK(ErrorOf("  .data\n  .word 1\n  .half 2\n  .word 3\n") == "t.s:4:9: error: data of 4 bytes at byte 6 is misaligned (use .align)");
  CHECK(ErrorOf("  .data\n  add r1, r2, r3\n") == "t.s:2:3: error: instructions belong in .text");
  CHECK(ErrorOf("  .bogus 1\n") == "t.s:1:3: error: unknown directive '.bogus'");
  CHECK(ErrorOf("  lw r1, 4\n") == "t.s:1:10: error: expected a memory operand imm(rN)");
  CHECK(ErrorOf("  addi r1, r1, 4 / 0\n") == "t.s:1:18: error: division by zero");
  CHECK(ErrorOf("  .data\n  .org 8\n  .word 1\n  .org 8\n  .word 2\n") == "t.s:5:9: error: data overlaps earlier data at byte 8");
  CHECK(ErrorOf("  dfab d1, 32, r2, in, f32\n") == "t.s:1:12: error: color 32 is out of range 0..31");
  CHECK(ErrorOf("  send r1, 2, loud\n") == "t.s:1:15: error: expected ctrl or head or tail");
  CHECK(ErrorOf("  send r1, 2, head, head\n") == "t.s:1:21: error: 'head' is given twice");
  CHECK(ErrorOf("r3: nop\n") == "t.s:1:1: error: 'r3' is a register name and cannot be a symbol");
}

TEST_CASE("memory limits are enforced with the sizes named", "[asm]") {
  assembler::AsmOptions small;
  small.imem_words = 2;
  CHECK_THROWS_WITH(AssembleText("nop\nnop\nnop\n", "t.s", small),
                    "t.s:3:1: error: program needs more than the 2 words of instruction memory");
  small.sram_bytes = 8;
  CHECK_THROWS_WITH(AssembleText(".data\n.word 1, 2, 3\n", "t.s", small),
                    "t.s:2:13: error: data at byte 8 is beyond the 8-byte SRAM");
}

TEST_CASE("includes resolve beside the including file and report errors in the included one",
          "[asm]") {
  const auto dir = std::filesystem::temp_directory_path() / "wafersim_asm_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "main.s") << "  .include \"lib.s\"\n  li r1, K\n  halt\n";
  std::ofstream(dir / "lib.s") << "  .equ K, 42\n";
  const auto p = assembler::AssembleFile((dir / "main.s").string());
  CHECK(p.Address("K") == 42);
  CHECK(p.code.size() == 2);
  std::ofstream(dir / "lib.s") << "  .equ K, 42\n  oops\n";
  CHECK_THROWS_WITH(assembler::AssembleFile((dir / "main.s").string()),
                    Catch::EndsWith("lib.s:2:3: error: unknown instruction 'oops'"));
  std::ofstream(dir / "lib.s") << "  .include \"main.s\"\n";
  CHECK_THROWS_WITH(assembler::AssembleFile((dir / "main.s").string()), Catch::Contains("include cycle"));
}

TEST_CASE("program files round-trip and reject garbage", "[asm]") {
  const auto p = AssembleText("main: li r1, v\n halt\n .data\nv: .float 2.5\n");
  const auto path = (std::filesystem::temp_directory_path() / "wafersim_prog.bin").string();
  isa::SaveProgram(p, path);
  const auto q = isa::LoadProgram(path);
  CHECK(q.code == p.code);
  REQUIRE(q.data.size() == 1);
  CHECK(q.data[0].bytes == p.data[0].bytes);
  CHECK(q.Address("v") == p.Address("v"));
  std::ofstream(path) << "not a program";
  CHECK_THROWS_WITH(isa::LoadProgram(path), Catch::Contains("not a wafersim PE program"));
}

TEST_CASE("parameters, conditional assembly and element types given by a parameter", "[asm]") {
  assembler::AsmOptions o;
  o.defines = {{"N", 7}, {"FIRST", 1}, {"DT", 16}};
  const std::string text =
      "        li r1, N\n"
      "        .if FIRST\n"
      "        li r2, 1\n"
      "        .elif N - 7\n"
      "        li r2, 2\n"
      "        .else\n"
      "        li r2, 3\n"
      "        .endif\n"
      "        .if 0\n"
      "skipped: li r3, undefined_here\n"  // never assembled, so never evaluated
      "        .endif\n"
      "        dmem d1, r1, r1, r1, DT\n"
      "        halt\n";
  const auto p = AssembleText(text, "p.s", o);
  REQUIRE(p.code.size() == 4);
  CHECK(p.code[1] == One("li r2, 1"));
  CHECK(p.code[2] == One("dmem d1, r1, r1, r1, f16"));
  o.defines["FIRST"] = 0;
  o.defines["DT"] = 32;
  const auto q = AssembleText(text, "p.s", o);
  CHECK(q.code[1] == One("li r2, 3"));
  CHECK(q.code[2] == One("dmem d1, r1, r1, r1, f32"));
  o.defines["N"] = 8;
  CHECK(AssembleText(text, "p.s", o).code[1] == One("li r2, 2"));
  // A routes prelude goes first, at pc 0.
  o.prelude = "        nop\n";
  CHECK(AssembleText(text, "p.s", o).code[0] == One("nop"));

  CHECK(ErrorOf("  .if 1\n  halt\n") == "t.s:1:1: error: .if without .endif");
  CHECK(ErrorOf("  .endif\n") == "t.s:1:3: error: .endif without .if");
  CHECK(ErrorOf("  .if LATER\n  .endif\nLATER: halt\n") == "t.s:1:7: error: undefined symbol 'LATER'");
  CHECK(ErrorOf("  dmem d1, r1, r1, r1, 8\n") == "t.s:1:24: error: element type 8 is not 32 (f32) or 16 (f16)");
  CHECK(ErrorOf("  dmem d1, r1, r1, r1, f8\n") ==
        "t.s:1:24: error: expected f32 or f16, or a symbol equal to 32 or 16 ('f8' is not defined)");
  assembler::AsmOptions clash;
  clash.defines = {{"N", 1}};
  CHECK_THROWS_WITH(AssembleText("  .equ N, 2\n", "t.s", clash), "t.s:1:8: error: 'N' is already defined");
}

TEST_CASE("repeated blocks have their index and their own labels", "[asm]") {
  assembler::AsmOptions o;
  o.defines = {{"G", 3}};
  const std::string text =
      "        .rept G, I\n"
      "        li r1, 100 + 8 * I\n"
      "loop:   addi r1, r1, -1\n"
      "        bne r1, r0, loop\n"     // this copy's loop
      "        .if I - 1\n"
      "        .else\n"
      "        j done\n"              // in copy 1, forward to its own label
      "        .endif\n"
      "        .rept 2, J\n"
      "        li r2, 10 * I + J\n"
      "        .endr\n"
      "done:   nop\n"
      "        .endr\n"
      "        .rept 0, K\n"
      "        li r3, undefined_here\n"  // repeated no times, so never evaluated
      "        .endr\n"
      "        halt\n";
  const auto p = AssembleText(text, "r.s", o);
  REQUIRE(p.code.size() == 6 + 7 + 6 + 1);
  CHECK(p.code[0] == One("li r1, 100"));
  CHECK(p.code[3] == One("li r2, 0"));
  CHECK(p.code[4] == One("li r2, 1"));
  CHECK(p.code[6] == One("li r1, 108"));
  CHECK(p.code[9] == AssembleText("j x\nnop\nnop\nx: nop\n").code[0]);
  CHECK(p.code[13] == One("li r1, 116"));
  CHECK(p.code[16] == One("li r2, 20"));
  CHECK(p.code[18] == One("nop"));
  CHECK(p.code[19] == One("halt"));
  // Each copy's branch goes back one word, to its own loop.
  CHECK(p.code[2] == AssembleText("x: nop\nbne r1, r0, x\n").code[1]);
  CHECK(p.code[8] == p.code[2]);
  CHECK(p.code[15] == p.code[2]);
  o.defines["G"] = 0;
  CHECK(AssembleText(text, "r.s", o).code.size() == 1);

  CHECK(ErrorOf("  .rept 2, I\n  halt\n") == "t.s:1:1: error: .rept without .endr");
  CHECK(ErrorOf("  .endr\n") == "t.s:1:3: error: .endr without .rept");
  CHECK(ErrorOf("  .rept 2, I\n  .if 1\n  .endr\n  .endif\n") ==
        "t.s:3:3: error: .endr inside an .if opened in its body");
  CHECK(ErrorOf("  .equ I, 1\n  .rept 2, I\n  .endr\n") == "t.s:2:12: error: 'I' is already defined");
}

TEST_CASE("built-in programs assemble without the source checkout and include each other", "[asm]") {
  assembler::AsmOptions o;
  o.defines = {{"NC", 1}, {"NR", 1}, {"XADDR", 32}, {"ROW", 32}, {"GADDR", 64}, {"SADDR", 96}, {"IADDR", 100},
               {"STAMPS", 0}, {"FIRST", 1}, {"LAST", 1}, {"MULTI", 0}, {"COLOR_WEST", 0}, {"COLOR_EAST", 1},
               {"COLOR_INV", 3}, {"INV_D", 0x3f800000}, {"EPS", 0x3727c5ac}, {"STREAM_IN", 0}, {"COLOR_IN", 0},
               {"STREAM_OUT", 0}, {"COLOR_OUT", 4}};
  const auto p = assembler::AssembleBuiltIn("kernels/rmsnorm_tile.s", o);
  bool has_rsqrt = false;
  for (const auto& s : p.symbols) has_rsqrt |= s.name == "rsqrt_f32";
  CHECK(has_rsqrt);  // included from the built-in kernels/rsqrt_f32.s
  o.defines["LAST"] = 0;
  for (const auto& s : assembler::AssembleBuiltIn("kernels/rmsnorm_tile.s", o).symbols) CHECK(s.name != "rsqrt_f32");
  // A program given as text finds a built-in include too.
  CHECK_NOTHROW(AssembleText("  call rsqrt_f32\n  halt\n  .include \"rsqrt_f32.s\"\n", "u.s"));
  CHECK_THROWS_WITH(assembler::AssembleBuiltIn("kernels/none.s"), Catch::Contains("no such built-in program"));
}

// Found by the fuzzer (testbench/fuzz/fuzz_asm.cpp) or while writing it; the inputs are in
// testbench/fuzz/crashes/asm.
TEST_CASE("expressions wrap around in 64 bits instead of overflowing", "[asm][fuzz]") {
  const auto value = [](const std::string& expr) {
    const auto p = AssembleText(".equ A, " + expr + "\n", "t.s");
    return static_cast<int64_t>(*p.Find("A"));
  };
  CHECK(value("0x7fffffffffffffff + 1 + 5") == 5);
  CHECK(value("-(0x8000000000000000) + 7") == 7);
  CHECK(value("0x8000000000000000 / -1 + 3") == 3);
  CHECK(value("0x8000000000000000 % -1 + 3") == 3);
  CHECK(value("0x4000000000000000 * 4 + 9") == 9);
  CHECK_THROWS_WITH(AssembleText("li r1, 99999999999999999999\n", "t.s"),
                    "t.s:1:8: error: number '99999999999999999999' does not fit 64 bits");
}

TEST_CASE("a register index is not read modulo 2^32", "[asm][fuzz]") {
  CHECK_THROWS_WITH(AssembleText("li r4294967296, 1\n", "t.s"), Catch::Contains("expected a register (r0..r15)"));
  CHECK_THROWS_WITH(AssembleText("tbind t4294967296, 1, 0, data\n", "t.s"), Catch::Contains("expected a task"));
}

TEST_CASE("nested .rept blocks that would run for hours are refused", "[asm][fuzz]") {
  CHECK_THROWS_WITH(AssembleText(".rept 65535, i\n.rept 65535, j\n.endr\n.endr\n", "t.s"),
                    Catch::Contains("error: the program runs to more than 262144 statements with its .rept copies"));
  // 64 x 64 copies of an instruction are fine.
  CHECK(AssembleText(".rept 64, i\n.rept 64, j\nnop\n.endr\n.endr\n", "t.s").code.size() == 4096);
}

TEST_CASE("a program file with a symbol of no known kind or data past 4 GiB is refused", "[asm][fuzz]") {
  const std::string path = (std::filesystem::temp_directory_path() / "asm_test_fuzz.bin").string();
  const auto write = [&](const std::vector<uint8_t>& bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
  };
  // "WSPE", version 1, no code, no data, one symbol: value 0, kind 7, name "a".
  write({'W', 'S', 'P', 'E', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 1, 'a'});
  CHECK_THROWS_WITH(isa::LoadProgram(path), Catch::Contains("symbol 0 has kind 7 (0 text, 1 data, 2 constant)"));
  // One data segment of 2 bytes at 0xffffffff.
  write({'W', 'S', 'P', 'E', 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 1, 2});
  CHECK_THROWS_WITH(isa::LoadProgram(path), Catch::Contains("runs past the 32-bit address space"));
  std::remove(path.c_str());
}

TEST_CASE("an include file name the system refuses is one not found", "[asm][fuzz]") {
  const std::string name(5000, 'x');
  CHECK_THROWS_WITH(AssembleText("  .include \"" + name + "\"\n", "t.s"),
                    "t.s:1:12: error: cannot find include file \"" + name + "\"");
}
