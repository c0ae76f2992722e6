// A directed test per instruction on the RTL tile, in lockstep with the reference model and
// checked against known values; and the cycle costs docs/isa.md promises.
#include <catch2/catch.hpp>

#include <cstring>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "isa/fp.h"
#include "tile/lockstep.h"
#include "tile/packet_program.h"

using namespace wafersim;
using namespace wafersim::tb;
using isa::AsBits;

namespace {

struct Run {
  std::unique_ptr<Lockstep> ls;
  LockstepStats st;
  uint32_t R(int i) const { return ls->Bench().Reg(i); }
  float F(int i) const { return isa::AsFloat(ls->Bench().Reg(i)); }
  uint32_t Word(uint32_t addr) const {
    uint32_t v;
    std::memcpy(&v, ls->Bench().Sram().Bytes().data() + addr, 4);
    return v;
  }
};

Run Exec(const std::string& body, const std::vector<noc::Wavelet>& feed = {}, uint64_t cycles = 20000) {
  const std::string src = R"(
main:   li r1, 0
        rcfg r1, 4, r0
        li r2, 520            # color 0: West -> core
        rcfg r1, 0, r2
        li r1, 1
        rcfg r1, 4, r0
        rcfg r1, 0, r2
        li r1, 2              # color 2: core -> East
        rcfg r1, 4, r0
        li r2, 80
        rcfg r1, 0, r2
)" + body;
  Run r;
  r.ls = std::make_unique<Lockstep>(assembler::AssembleText(src, "directed.s"), TileBenchConfig{});
  for (const auto& w : feed) r.ls->Feed(noc::Dir::West, w);
  r.st = r.ls->Run(cycles);
  return r;
}

noc::Wavelet Wv(int color, uint32_t data, bool ctrl = false) {
  noc::Wavelet w;
  w.color = static_cast<uint8_t>(color);
  w.data = data;
  w.ctrl = ctrl;
  return w;
}

}  // namespace

TEST_CASE("integer instructions", "[tile][directed]") {
  const Run r = Exec(R"(
        li r1, -7
        li r2, 3
        add r3, r1, r2
        sub r4, r1, r2
        and r5, r1, r2
        or r6, r1, r2
        xor r7, r1, r2
        sll r8, r2, r2
        srl r9, r1, r2
        sra r10, r1, r2
        slt r11, r1, r2
        sltu r12, r1, r2
        mul r13, r1, r2
        halt
)");
  REQUIRE(r.st.halted);
  CHECK(r.st.error == 0);
  CHECK(static_cast<int32_t>(r.R(3)) == -4);
  CHECK(static_cast<int32_t>(r.R(4)) == -10);
  CHECK(r.R(5) == (static_cast<uint32_t>(-7) & 3u));
  CHECK(r.R(6) == (static_cast<uint32_t>(-7) | 3u));
  CHECK(r.R(7) == (static_cast<uint32_t>(-7) ^ 3u));
  CHECK(r.R(8) == 24u);
  CHECK(r.R(9) == static_cast<uint32_t>(-7) >> 3);
  CHECK(static_cast<int32_t>(r.R(10)) == -1);
  CHECK(r.R(11) == 1u);
  CHECK(r.R(12) == 0u);
  CHECK(static_cast<int32_t>(r.R(13)) == -21);
}

TEST_CASE("immediates, lui, jumps and branches", "[tile][directed]") {
  const Run r = Exec(R"(
        li r1, 100
        addi r2, r1, -101
        andi r3, r1, 0x24
        ori r4, r1, 3
        xori r5, r1, -1
        slli r6, r1, 4
        srli r7, r2, 28
        srai r8, r2, 28
        slti r9, r1, 101
        lui r10, 0x12345
        jal r11, over
        li r12, 999          # skipped
over:   li r13, 5
        li r14, 0
loop:   addi r14, r14, 2
        addi r13, r13, -1
        bne r13, r0, loop
        blt r2, r0, neg
        li r12, 1            # skipped: r2 < 0
neg:    bge r0, r2, fin
        li r12, 2            # skipped
fin:    bltu r2, r0, bad
        bgeu r2, r0, good
bad:    li r12, 3
good:   li r15, there
        jalr r0, r15, 0
        li r12, 4            # skipped
there:  halt
)");
  REQUIRE(r.st.halted);
  CHECK(r.st.error == 0);
  CHECK(static_cast<int32_t>(r.R(2)) == -1);
  CHECK(r.R(3) == 0x24u);
  CHECK(r.R(4) == 103u);
  CHECK(r.R(5) == ~100u);
  CHECK(r.R(6) == 1600u);
  CHECK(r.R(7) == 0xfu);
  CHECK(r.R(8) == 0xffffffffu);
  CHECK(r.R(9) == 1u);
  CHECK(r.R(10) == 0x12345u << 10);
  CHECK(r.R(11) == 22u);  // pc after the jal: the preamble is 11 words, then 10 li/alu words
  CHECK(r.R(12) == 0u);
  CHECK(r.R(14) == 10u);
}

TEST_CASE("loads and stores, words and halves", "[tile][directed]") {
  const Run r = Exec(R"(
        li r1, v
        lw r2, 0(r1)
        lhu r3, 2(r1)
        lhu r4, 0(r1)
        li r5, 0xabcd
        sh r5, 6(r1)
        sw r2, 8(r1)
        lw r6, 4(r1)
        halt
        .data
v:      .word 0x89abcdef, 0x00001111
)");
  REQUIRE(r.st.halted);
  CHECK(r.R(2) == 0x89abcdefu);
  CHECK(r.R(3) == 0x89abu);
  CHECK(r.R(4) == 0xcdefu);
  CHECK(r.R(6) == 0xabcd1111u);
  CHECK(r.Word(8) == 0x89abcdefu);
}

TEST_CASE("scalar floating point and conversions", "[tile][directed]") {
  const Run r = Exec(R"(
        lif r1, 1.5
        lif r2, -2.25
        fadd r3, r1, r2
        fsub r4, r1, r2
        fmul r5, r1, r2
        fmax r6, r1, r2
        fmin r7, r1, r2
        flt r8, r2, r1
        fle r9, r1, r1
        feq r10, r1, r2
        li r11, -7
        fcvt.s.w r11, r11
        fcvt.w.s r12, r2
        ffma r13, r1, r2, r1
        fcvt.h.s r14, r1
        fcvt.s.h r15, r14
        halt
)");
  REQUIRE(r.st.halted);
  CHECK(r.F(3) == -0.75f);
  CHECK(r.F(4) == 3.75f);
  CHECK(r.F(5) == -3.375f);
  CHECK(r.F(6) == 1.5f);
  CHECK(r.F(7) == -2.25f);
  CHECK(r.R(8) == 1u);
  CHECK(r.R(9) == 1u);
  CHECK(r.R(10) == 0u);
  CHECK(r.F(11) == -7.0f);
  CHECK(static_cast<int32_t>(r.R(12)) == -2);
  CHECK(r.F(13) == -1.875f);
  CHECK(r.R(14) == 0x3e00u);
  CHECK(r.F(15) == 1.5f);
}

TEST_CASE("descriptors and every tensor operation", "[tile][directed]") {
  const Run r = Exec(R"(
        li r1, a
        li r2, 4
        li r3, 1
        dmem d1, r1, r2, r3, f32
        li r1, b
        dmem d2, r1, r2, r3, f32
        li r1, out
        dmem d3, r1, r2, r3, f32
        lif r4, 0.5
        tfmac d3, d1, d2, r4        # out = a + b * 0.5
        li r1, out2
        dmem d4, r1, r2, r3, f32
        tfmax d4, d1, d2
        tfdot r5, d1, d2            # 1*10 + 2*20 + 3*30 + 4*40 = 300
        tfsum r6, d1                # 10
        tfmaxr r7, d2               # 40
        li r1, h
        li r2, 8
        dmem d5, r1, r2, r3, f16    # eight binary16 values, all-f16: four lanes
        tfsum r8, d5                # 36
        li r1, out3
        dmem d6, r1, r2, r3, f16
        tfadds d6, d5, r4           # h + 0.5, stored as binary16
        li r1, 8
        dadd d1, r1                 # a + 2 elements
        li r2, 2
        li r1, out4
        dmem d7, r1, r2, r3, f32
        tfmov d7, d1                # 3, 4
        halt
        .data
a:      .float 1, 2, 3, 4
b:      .float 10, 20, 30, 40
out:    .space 16
out2:   .space 16
h:      .f16 1, 2, 3, 4, 5, 6, 7, 8
out3:   .space 16
out4:   .space 8
)");
  REQUIRE(r.st.halted);
  REQUIRE(r.st.error == 0);
  const auto& p = r.ls->Bench();
  (void)p;
  auto f = [&](uint32_t addr) { return isa::AsFloat(r.Word(addr)); };
  CHECK(f(32) == 6.0f);
  CHECK(f(44) == 24.0f);
  CHECK(f(48) == 10.0f);
  CHECK(f(60) == 40.0f);
  CHECK(r.F(5) == 300.0f);
  CHECK(r.F(6) == 10.0f);
  CHECK(r.F(7) == 40.0f);
  CHECK(r.F(8) == 36.0f);
  CHECK((r.Word(80) & 0xffff) == 0x3e00u);  // 1.5 as binary16
  CHECK(f(96) == 3.0f);
  CHECK(f(100) == 4.0f);
}

TEST_CASE("fabric: send, recv, fabric streams and route writes", "[tile][directed]") {
  const Run r = Exec(R"(
        recv r1, 1
        recv r2, 1
        add r3, r1, r2
        send r3, 2
        li r4, 3
        dfab d1, 1, r4, in, f32
        dfab d2, 2, r4, out, f32
        lif r5, 2.0
        tfmuls d2, d1, r5          # three wavelets in, doubled, three out
        halt
)", {Wv(1, 5), Wv(1, 7), Wv(1, AsBits(1.0f)), Wv(1, AsBits(2.0f)), Wv(1, AsBits(3.0f))});
  REQUIRE(r.st.halted);
  CHECK(r.R(3) == 12u);
  const auto& east = r.ls->Sent(noc::Dir::East);
  REQUIRE(east.size() == 4);
  CHECK(east[0].data == 12u);
  CHECK(isa::AsFloat(east[1].data) == 2.0f);
  CHECK(isa::AsFloat(east[3].data) == 6.0f);
}

TEST_CASE("fabric: send's control, head and tail bits frame packets that route by their heads", "[tile][directed]") {
  const Run r = Exec(PacketProgramBody());
  REQUIRE(r.st.halted);
  CHECK(r.st.error == 0);
  CHECK(r.ls->Bench().RouterErrors().empty());  // every packet framed: no body without a head
  const auto expected = PacketProgramSends();
  for (const noc::Dir link : {noc::Dir::North, noc::Dir::East, noc::Dir::South, noc::Dir::West}) {
    std::vector<uint64_t> want, got;
    for (const auto& e : expected) {
      if (e.link == link) want.push_back(e.w.Pack());
    }
    for (const auto& w : r.ls->Sent(link)) got.push_back(w.Pack());
    INFO("link " << static_cast<int>(link) << " (flits as data[39:8] color[7:3] ctrl head tail)");
    CHECK(got == want);
  }
}

TEST_CASE("tasks: data and control activation, block, unblock, priority", "[tile][directed]") {
  const Run r = Exec(R"(
        li r9, 0
        tbind t3, 0, on_data, data
        tbind t1, 9, on_ctrl, control
        tbind t5, 9, late, control
        tblock t3
        tact t5
        tdone                     # by now the control wavelet has made t1 active too
on_data:
        csrr r10, taskdata
        add r9, r9, r10
        csrr r11, task
        li r12, 3
        bne r10, r12, more
        halt
more:   tdone
on_ctrl:
        csrr r13, task
        tunblock t3
        tdone
late:   csrr r14, task
        tdone
)", {Wv(0, 1), Wv(0, 2), Wv(1, 1, true), Wv(0, 3)});
  REQUIRE(r.st.halted);
  CHECK(r.st.error == 0);
  // Lowest number first: t1 (activated by the control wavelet) unblocks t3, whose three
  // wavelets then keep it ahead of t5; t3 halts on the third before t5 ever runs.
  CHECK(r.R(13) == 1u);
  CHECK(r.R(9) == 6u);    // 1 + 2 + 3
  CHECK(r.R(11) == 3u);
  CHECK(r.R(14) == 0u);
  CHECK(r.st.dispatches == 4);
}

TEST_CASE("CSRs and errors", "[tile][directed]") {
  const Run r = Exec(R"(
        csrr r1, x
        csrr r2, y
        csrr r3, task
        csrr r4, instret
        lw r5, 2(r0)
)");
  REQUIRE(r.st.halted);
  CHECK(r.R(1) == 3u);
  CHECK(r.R(2) == 2u);
  CHECK(r.R(3) == 16u);
  CHECK(r.R(4) == 14u);  // the 11 preamble words and the three csrr before it
  CHECK(r.st.error == isa::kErrMisaligned);
  CHECK(Exec("        .word 0x04000000 | 11\n").st.error == isa::kErrIllegal);
  CHECK(Exec("        li r1, 49152\n        lw r2, 0(r1)\n").st.error == isa::kErrAddress);
  CHECK(Exec("        tbind t0, 1, x, data\nx:      recv r1, 1\n").st.error == isa::kErrOwnedColor);
}

TEST_CASE("cycle costs are those docs/isa.md gives", "[tile][directed][timing]") {
  // Cycles between two csrr cycle reads, minus the first read's own cycle.
  auto cost = [](const std::string& code, const std::string& data = "") {
    const Run r = Exec("        csrr r14, cycle\n" + code + "        csrr r15, cycle\n        halt\n" + data);
    REQUIRE(r.st.error == 0);
    return static_cast<int64_t>(r.R(15)) - static_cast<int64_t>(r.R(14)) - 1;
  };
  CHECK(cost("") == 0);
  CHECK(cost("        add r1, r1, r1\n") == 1);
  CHECK(cost("        lw r1, 0(r0)\n") == 2);            // 1 + ReadLatency
  CHECK(cost("        sw r1, 0(r0)\n") == 1);
  CHECK(cost("        fmul r1, r1, r1\n") == 1);
  const std::string arrays = "        .data\nx:      .space 256\ny:      .space 256\n        .align 4\nz: .space 256\n";
  auto tensor = [&](int n, const char* type) {
    return fmt::format(
        "        li r1, x\n        li r2, {}\n        li r3, 1\n        dmem d1, r1, r2, r3, {}\n"
        "        li r1, z\n        dmem d2, r1, r2, r3, {}\n        csrr r13, cycle\n"
        "        tfmov d2, d1\n        csrr r12, cycle\n        halt\n", n, type, type);
  };
  for (int n : {0, 1, 10, 33}) {
    INFO("f32, n = " << n);
    const Run r = Exec(tensor(n, "f32") + arrays);
    REQUIRE(r.st.error == 0);
    const int64_t c = static_cast<int64_t>(r.R(12)) - static_cast<int64_t>(r.R(13)) - 1;
    CHECK(c == (n == 0 ? 2 : n + 1 + 2));  // n + ReadLatency + 2
  }
  for (int n : {8, 16, 30}) {
    INFO("f16, four lanes, n = " << n);
    const Run r = Exec(tensor(n, "f16") + arrays);
    REQUIRE(r.st.error == 0);
    const int64_t c = static_cast<int64_t>(r.R(12)) - static_cast<int64_t>(r.R(13)) - 1;
    CHECK(c == (n + 3) / 4 + 1 + 2);
  }
}
