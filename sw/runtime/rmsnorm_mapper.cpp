#include "runtime/rmsnorm_mapper.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "asm/assembler.h"
#include "isa/fp.h"
#include "runtime/mapping_util.h"
#include "runtime/vector_split.h"

namespace wafersim::runtime {

namespace {

// Partial sums along a region row alternate between two colors (a router takes one from the
// west to its core and sends the core's on east on the other); the inverse comes back on a third.
constexpr int kColorSumA = 1, kColorSumB = 2, kColorInv = 3;
constexpr uint32_t kStampsAddr = 0;  // four cycle stamps, one per phase
int SumColor(int column) { return column % 2 == 0 ? kColorSumA : kColorSumB; }


// A tile's SRAM: its rows of x (each starting a bank row, so that g, one bank on, never wants
// the bank x does in a step), g's piece, the partial sums and the inverses.
struct Layout {
  uint32_t x_addr, row_bytes, g_addr, s_addr, inv_addr, end;
};

Layout MakeLayout(int64_t rows, int64_t cols) {
  Layout l;
  l.x_addr = 32;
  l.row_bytes = Align(4 * static_cast<uint32_t>(cols), 32);
  l.g_addr = l.x_addr + l.row_bytes * static_cast<uint32_t>(rows) + 4;
  l.s_addr = Align(l.g_addr + 4 * static_cast<uint32_t>(cols), 32);
  l.inv_addr = l.s_addr + 4 * static_cast<uint32_t>(rows);
  l.end = l.inv_addr + 4 * static_cast<uint32_t>(rows);
  return l;
}

std::string Stamp(int i) {
  return fmt::format("        csrr    r10, cycle\n        sw      r10, {}(r0)\n", kStampsAddr + 4 * i);
}

std::string TileSource(int c, int pw, int64_t rows, int64_t cols, int64_t d, const Layout& l) {
  const bool last = c == pw - 1;
  std::string s = fmt::format("# rmsnorm tile: {} rows x {} elements of {}\n", rows, cols, d);
  s += fmt::format(
      "        .equ    NC, {}\n        .equ    NR, {}\n        .equ    XADDR, {}\n        .equ    ROW, {}\n"
      "        .equ    GADDR, {}\n        .equ    SADDR, {}\n        .equ    IADDR, {}\n        .text\nmain:\n",
      cols, rows, l.x_addr, l.row_bytes, l.g_addr, l.s_addr, l.inv_addr);
  if (c > 0) s += RouteConfig(SumColor(c - 1), Route(kPortWest, kPortCore));
  if (!last) s += RouteConfig(SumColor(c), Route(kPortCore, kPortEast));
  if (pw > 1) {
    const uint32_t route = last     ? Route(kPortCore, kPortWest)
                           : c == 0 ? Route(kPortEast, kPortCore)
                                    : Route(kPortEast, kPortCore | kPortWest);
    s += RouteConfig(kColorInv, route);
  }
  // Phase sum_squares: s_t = x_t . x_t.
  s += R"(        li      r3, 1
        li      r4, NC
        li      r5, XADDR
        dmem    d1, r5, r4, r3, f32
        li      r6, ROW
        li      r7, SADDR
        li      r8, NR
sq:     tfdot   r9, d1, d1
        sw      r9, 0(r7)
        addi    r7, r7, 4
        dadd    d1, r6
        addi    r8, r8, -1
        bne     r8, r0, sq
)";
  s += Stamp(0);
  // Phase row_reduction: the sums so far come from the west, this tile's are added, on east.
  s += "        li      r8, NR\n        li      r5, SADDR\n        dmem    d2, r5, r8, r3, f32\n";
  if (c > 0) {
    s += fmt::format("        dfab    d3, {}, r8, in, f32\n        tfadd   d2, d3, d2\n", SumColor(c - 1));
  }
  if (!last) s += fmt::format("        dfab    d4, {}, r8, out, f32\n        tfmov   d4, d2\n", SumColor(c));
  s += Stamp(1);
  // Phase inverse_rms: the last column computes 1/sqrt(s/d + eps) and sends it west.
  s += "        li      r5, IADDR\n        dmem    d5, r5, r8, r3, f32\n";
  if (last) {
    s += fmt::format(R"(        li      r12, {}                 # 1/d
        li      r13, {}                 # eps
        li      r8, SADDR
        li      r9, NR
inv:    lw      r1, 0(r8)
        fmul    r1, r1, r12
        fadd    r1, r1, r13
        call    rsqrt_f32
        sw      r1, {}(r8)
        addi    r8, r8, 4
        addi    r9, r9, -1
        bne     r9, r0, inv
        li      r8, NR
)",
                     isa::AsBits(static_cast<float>(1.0 / double(d))), isa::AsBits(kRmsNormEps), l.inv_addr - l.s_addr);
    if (pw > 1) s += fmt::format("        dfab    d6, {}, r8, out, f32\n        tfmov   d6, d5\n", kColorInv);
  } else {
    s += fmt::format("        dfab    d6, {}, r8, in, f32\n        tfmov   d5, d6\n", kColorInv);
  }
  s += Stamp(2);
  // Phase scale: x_t = (x_t * inv_t) * g, in place.
  s += R"(        li      r3, 1
        li      r4, NC
        li      r5, XADDR
        dmem    d1, r5, r4, r3, f32
        li      r5, GADDR
        dmem    d7, r5, r4, r3, f32
        li      r8, IADDR
        li      r11, NR
sc:     lw      r9, 0(r8)
        tfmuls  d1, d1, r9
        tfmul   d1, d1, d7
        addi    r8, r8, 4
        dadd    d1, r6
        addi    r11, r11, -1
        bne     r11, r0, sc
)";
  s += Stamp(3);
  s += "        halt\n";
  if (last) s += "        .include \"rsqrt_f32.s\"\n";
  return s;
}


// Columns that balance the work per tile (three passes over d / P elements) against the
// walk along the row: about 13 cycles a hop for the sums going east and 4 for the inverse
// coming back (measured, docs/mapping.md), so P near sqrt(3 d / 17).
int BalancedColumns(int64_t d) { return static_cast<int>(std::max<double>(1, std::round(std::sqrt(3.0 * d / 17)))); }

}  // namespace

KernelMapping MapRmsNorm(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  CheckVectorRequest(req, "rmsnorm");
  if (fabric.colors < 4) {
    throw std::invalid_argument(fmt::format("router.colors: rmsnorm needs 4 colors, the fabric has {}", fabric.colors));
  }
  const int64_t d = req.d_model, T = req.tokens;
  int pw = req.region_width > 0 ? req.region_width : std::min(fabric.width, BalancedColumns(d));
  int ph = req.region_height > 0 ? req.region_height : fabric.height;
  if (pw > fabric.width || ph > fabric.height) {
    throw std::invalid_argument(
        fmt::format("--region: {}x{} does not fit the {}x{} mesh", pw, ph, fabric.width, fabric.height));
  }
  pw = static_cast<int>(std::min<int64_t>(pw, d));
  ph = static_cast<int>(std::min<int64_t>(ph, T));
  auto worst = [&] { return MakeLayout(Share(T, ph, 0), Share(d, pw, 0)); };
  // --fit: more columns first (shorter rows), up to the mesh.
  while (req.fit && worst().end > static_cast<uint32_t>(fabric.sram_bytes) && pw < std::min<int64_t>(fabric.width, d)) {
    pw = static_cast<int>(std::min<int64_t>({int64_t{pw} * 2, fabric.width, d}));
  }
  if (worst().end > static_cast<uint32_t>(fabric.sram_bytes)) {
    const int64_t rows = Share(T, ph, 0), cols = Share(d, pw, 0);
    const Layout l = worst();
    throw std::invalid_argument(fmt::format(
        "rmsnorm {} tokens x {} does not fit a {}x{} region: tile (0,0) needs {} bytes of SRAM (x {}x{} binary32 with "
        "rows padded to {} bytes: {} bytes; g {} bytes; sums and inverses {} bytes; cycle stamps 32 bytes) but has {}; "
        "use a larger --mesh or --region, or --fit",
        T, d, pw, ph, l.end, rows, cols, l.row_bytes, l.row_bytes * rows, 4 * cols, 8 * rows, fabric.sram_bytes));
  }

  KernelMapping km;
  km.kernel = "rmsnorm";
  km.region_width = pw;
  km.region_height = ph;
  km.output_size = static_cast<size_t>(T * d);
  km.phases = {"sum_squares", "row_reduction", "inverse_rms", "scale"};
  km.stamps_addr = kStampsAddr;
  km.description =
      fmt::format("y = x / rms(x) * g, {} tokens x {} binary32, eps {:g}, on a {}x{} region of the {}x{} mesh", T, d,
                  kRmsNormEps, pw, ph, fabric.width, fabric.height);
  km.sram_bytes_per_tile = worst().end;

  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f), gain(0.5f, 1.5f);
  std::vector<float> x(static_cast<size_t>(T * d)), g(static_cast<size_t>(d));
  for (auto& v : x) v = dist(rng);
  for (auto& v : g) v = gain(rng);
  CheckInputNames(req, {"x"});
  TakeInput(req, "x", x);

  // Error bound, relative to each y: the sum of d squares (fused per tile, then P - 1 adds along
  // the row) is a chain of at most d + P roundings of positive terms, (d + P) u; times the
  // rounded 1/d and the product (2u), plus eps (u); the inverse square root halves that and
  // adds its own 3u; then two products (2u).
  const double rel = 1.01 * (0.5 * (double(d + pw) + 3) * kU + kRsqrtF32RelativeError + 2 * kU);
  km.reference.resize(km.output_size);
  km.tolerance.resize(km.output_size);
  for (int64_t t = 0; t < T; ++t) {
    double ss = 0;
    for (int64_t j = 0; j < d; ++j) ss += double(x[t * d + j]) * x[t * d + j];
    const double inv = 1.0 / std::sqrt(ss / double(d) + double(kRmsNormEps));
    for (int64_t j = 0; j < d; ++j) {
      const double y = double(x[t * d + j]) * inv * g[j];
      km.reference[t * d + j] = y;
      km.tolerance[t * d + j] = rel * std::fabs(y) + 0x1p-148;
    }
  }

  assembler::AsmOptions asm_options;
  asm_options.imem_words = fabric.imem_words;
  asm_options.sram_bytes = fabric.sram_bytes;
  asm_options.include_dirs = {std::string(WAFERSIM_SOURCE_DIR) + "/firmware/kernels"};
  std::unordered_map<std::string, isa::Program> assembled;
  for (int r = 0; r < ph; ++r) {
    const int64_t rows = Share(T, ph, r), row0 = Start(T, ph, r);
    for (int c = 0; c < pw; ++c) {
      const int64_t cols = Share(d, pw, c), col0 = Start(d, pw, c);
      const Layout l = MakeLayout(rows, cols);
      const std::string src = TileSource(c, pw, rows, cols, d, l);
      auto it = assembled.find(src);
      if (it == assembled.end()) {
        it =
            assembled.emplace(src, assembler::AssembleText(src, fmt::format("rmsnorm tile ({},{})", c, r), asm_options))
                .first;
      }
      TileProgram tp{c, r, it->second};
      std::vector<float> block(static_cast<size_t>(l.row_bytes / 4 * rows), 0.0f);
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) block[i * (l.row_bytes / 4) + j] = x[(row0 + i) * d + col0 + j];
        km.sram_outputs.push_back({c, r, l.x_addr + l.row_bytes * static_cast<uint32_t>(i),
                                   static_cast<size_t>((row0 + i) * d + col0), static_cast<size_t>(cols)});
      }
      tp.program.data.push_back(Float32Segment(l.x_addr, block));
      tp.program.data.push_back(Float32Segment(l.g_addr, std::vector<float>(g.begin() + col0, g.begin() + col0 + cols)));
      km.tiles.push_back(std::move(tp));
      km.stamped_tiles.emplace_back(c, r);
    }
  }

  // Three tensor passes over a tile's elements (squares, times the inverse, times g) at one
  // element per cycle; nothing crosses the mesh edge (x and g are in SRAM, y stays there).
  km.flops = 4.0 * double(T) * double(d);
  km.compute_bound_cycles = 3.0 * double(Share(T, ph, 0)) * double(Share(d, pw, 0));
  km.macs_per_tile_cycle = 1;
  km.io_bound_cycles = 0;
  km.parameters = {{"d_model", d},
                   {"tokens", T},
                   {"eps", kRmsNormEps},
                   {"region", fmt::format("{}x{}", pw, ph)},
                   {"seed", req.seed}};
  return km;
}

}  // namespace wafersim::runtime
