#include "runtime/silu_mul_mapper.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "asm/assembler.h"
#include "isa/fp.h"
#include "runtime/rmsnorm_mapper.h"
#include "runtime/mapping_util.h"
#include "runtime/vector_split.h"

namespace wafersim::runtime {

namespace {

constexpr uint32_t kStampsAddr = 0;                 // two cycle stamps: sigmoids done, products done
constexpr float kSigmoidDenominatorCap = 0x1p126f;  // 1 + exp(-g) capped so rsqrt_f32 sees a normal number


// g from byte 32, u one bank on, the sigmoids five banks on: a product's two reads in a step
// never want the same bank, nor does the write of an element a few steps back (with the
// sigmoids two banks on, 0.5% of the cycles waited). y is written over the sigmoids.
struct Layout {
  uint32_t g_addr, u_addr, s_addr, end;
};
Layout MakeLayout(int64_t elements) {
  const uint32_t bytes = 4 * static_cast<uint32_t>(elements);
  Layout l;
  l.g_addr = 32;
  l.u_addr = Align(l.g_addr + bytes, 32) + 4;
  l.s_addr = Align(l.u_addr + bytes, 32) + 20;
  l.end = l.s_addr + bytes;
  return l;
}

std::string TileSource(int64_t n, const Layout& l) {
  return fmt::format(R"(# silu_mul tile: {n} elements
        .equ    N, {n}
main:   li      r8, {g}
        li      r11, {s}
        li      r9, N
        lif     r12, 1.0
        li      r13, {cap}
sig:    lw      r1, 0(r8)
        fsub    r1, r0, r1              # -g
        call    exp_f32
        fadd    r1, r1, r12             # 1 + exp(-g)
        fmin    r1, r1, r13
        call    rsqrt_f32
        fmul    r1, r1, r1              # sigmoid(g) = 1 / (1 + exp(-g))
        sw      r1, 0(r11)
        addi    r8, r8, 4
        addi    r11, r11, 4
        addi    r9, r9, -1
        bne     r9, r0, sig
        csrr    r10, cycle
        sw      r10, {stamp0}(r0)
        li      r3, 1
        li      r4, N
        li      r5, {s}
        dmem    d1, r5, r4, r3, f32
        li      r5, {g}
        dmem    d2, r5, r4, r3, f32
        li      r5, {u}
        dmem    d3, r5, r4, r3, f32
        tfmul   d1, d1, d2              # silu(g)
        tfmul   d1, d1, d3              # times u
        csrr    r10, cycle
        sw      r10, {stamp1}(r0)
        halt
        .include "exp_f32.s"
        .include "rsqrt_f32.s"
)",
                     fmt::arg("n", n), fmt::arg("g", l.g_addr), fmt::arg("u", l.u_addr), fmt::arg("s", l.s_addr),
                     fmt::arg("cap", isa::AsBits(kSigmoidDenominatorCap)), fmt::arg("stamp0", kStampsAddr),
                     fmt::arg("stamp1", kStampsAddr + 4));
}


}  // namespace

KernelMapping MapSiluMul(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  CheckVectorRequest(req, "silu_mul");
  const int64_t d = req.d_model, T = req.tokens;
  const int64_t total = T * d;
  const FlatSplit split = SplitFlat(req, fabric, total, [](int64_t e) { return MakeLayout(e).end; });
  const int pw = split.width, ph = split.height;
  const int64_t max_elems = split.max_elements;
  auto worst = [&] { return MakeLayout(max_elems); };
  if (worst().end > static_cast<uint32_t>(fabric.sram_bytes)) {
    throw std::invalid_argument(fmt::format(
        "silu_mul {} tokens x {} does not fit a {}x{} region: tile (0,0) needs {} bytes of SRAM (gate, up and the "
        "sigmoids, {} binary32 elements each: {} bytes; cycle stamps 32 bytes) but has {}; use a larger --mesh or "
        "--region, or --fit",
        T, d, pw, ph, worst().end, max_elems, 12 * max_elems, fabric.sram_bytes));
  }

  KernelMapping km;
  km.kernel = "silu_mul";
  km.region_width = pw;
  km.region_height = ph;
  km.output_size = static_cast<size_t>(T * d);
  km.phases = {"sigmoid", "multiply"};
  km.stamps_addr = kStampsAddr;
  km.description = fmt::format("y = silu(g) * u, {} tokens x {} binary32, on a {}x{} region of the {}x{} mesh", T, d,
                               pw, ph, fabric.width, fabric.height);
  km.sram_bytes_per_tile = worst().end;

  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> gate(-6.0f, 6.0f), up(-1.0f, 1.0f);
  std::vector<float> g(static_cast<size_t>(T * d)), u(static_cast<size_t>(T * d));
  for (auto& v : g) v = gate(rng);
  for (auto& v : u) v = up(rng);
  CheckInputNames(req, {"g", "u"});
  TakeInput(req, "g", g);
  TakeInput(req, "u", u);
  // Error bound, relative to each y: exp(-g) is within E (exp_f32.s) and 1 + exp(-g) within
  // E + u; rsqrt_f32 halves that and adds 3u; squaring doubles it and rounds (u); two
  // products (2u): E + 10u in all. Below 2^-126 exp_f32 is off by 2^-150 + E 2^-126 absolute,
  // and the capped denominator (g < -87.3) gives a sigmoid off by at most 2^-126: |g u| 2^-125
  // covers both; subnormal products round by 2^-150 each.
  const double rel = 1.01 * (kExpF32RelativeError + 4 * kU + 2 * kRsqrtF32RelativeError);
  km.reference.resize(km.output_size);
  km.tolerance.resize(km.output_size);
  for (size_t i = 0; i < km.output_size; ++i) {
    const double gi = g[i], ui = u[i];
    km.reference[i] = gi / (1.0 + std::exp(-gi)) * ui;
    km.tolerance[i] = rel * std::fabs(km.reference[i]) + std::fabs(gi * ui) * 0x1p-125 + 0x1p-148;
  }

  assembler::AsmOptions asm_options;
  asm_options.imem_words = fabric.imem_words;
  asm_options.sram_bytes = fabric.sram_bytes;
  asm_options.include_dirs = {std::string(WAFERSIM_SOURCE_DIR) + "/firmware/kernels"};
  std::unordered_map<std::string, isa::Program> assembled;
  for (int r = 0; r < ph; ++r) {
    for (int c = 0; c < pw; ++c) {
      const int64_t tile = int64_t{r} * pw + c, n = Share(total, int64_t{pw} * ph, tile);
      const size_t at = static_cast<size_t>(Start(total, int64_t{pw} * ph, tile));
      const Layout l = MakeLayout(n);
      const std::string src = TileSource(n, l);
      auto it = assembled.find(src);
      if (it == assembled.end()) {
        it = assembled
                 .emplace(src, assembler::AssembleText(src, fmt::format("silu_mul tile ({},{})", c, r), asm_options))
                 .first;
      }
      TileProgram tp{c, r, it->second};
      tp.program.data.push_back(Float32Segment(l.g_addr, std::vector<float>(g.begin() + at, g.begin() + at + n)));
      tp.program.data.push_back(Float32Segment(l.u_addr, std::vector<float>(u.begin() + at, u.begin() + at + n)));
      km.sram_outputs.push_back({c, r, l.s_addr, at, static_cast<size_t>(n)});
      km.tiles.push_back(std::move(tp));
      km.stamped_tiles.emplace_back(c, r);
    }
  }
  // The bound counts the two tensor products at one element per tile per cycle; the scalar
  // sigmoid (about 60 instructions an element) is what this mapping adds on top.
  km.flops = 2.0 * double(T) * double(d);
  km.compute_bound_cycles = 2.0 * double(max_elems);
  km.macs_per_tile_cycle = 1;
  km.io_bound_cycles = 0;
  km.parameters = {{"d_model", d}, {"tokens", T}, {"region", fmt::format("{}x{}", pw, ph)}, {"seed", req.seed}};
  return km;
}

}  // namespace wafersim::runtime
