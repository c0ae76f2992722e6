#include "runtime/gemm_mapper.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "isa/fp.h"
#include "runtime/mapping_util.h"

namespace wafersim::runtime {

namespace {

constexpr int kColorA = 0;  // A's panels along each region row, from the west edge
constexpr int kColorB = 1;  // B's panels down each region column, from the north edge
// C's rows flow east on these two, alternating by column: a router position routes one color
// from one set of inputs, so column c takes one from the west and sends the other east.
constexpr int kColorOutA = 2, kColorOutB = 3;
constexpr uint32_t kStampsAddr = 0;  // stamps: first panels in, products done, C sent; then scratch
constexpr uint32_t kStampScratch = 16;

int OutColor(int column) { return column % 2 == 0 ? kColorOutA : kColorOutB; }

// A tile's SRAM for a block of `rows` x `cols` of C and panels `kb` elements wide.
struct TileLayout {
  uint32_t c_addr, a_addr, b_addr, row_bytes, end;
  uint32_t c_bytes, a_bytes, b_bytes;
};

// `es`: bytes per element of A and B (4 binary32, 2 binary16). A's panel rows and B's panel
// columns are each padded to whole bank rows (8 words), and B starts one bank (binary32) or
// two (binary16: a 4-lane step reads two words of each) after A, so a dot product's two
// operands never want the same bank.
TileLayout Layout(int64_t rows, int64_t cols, int64_t kb, uint32_t es) {
  TileLayout l;
  l.c_addr = 32;
  l.c_bytes = 4 * static_cast<uint32_t>(rows * cols);
  l.row_bytes = Align(es * static_cast<uint32_t>(kb), 32);
  l.a_addr = Align(l.c_addr + l.c_bytes, 32);
  l.a_bytes = l.row_bytes * static_cast<uint32_t>(rows);
  l.b_addr = l.a_addr + l.a_bytes + (es == 4 ? 4 : 8);
  // The panel arrives in whole words (two binary16 elements a word).
  l.b_bytes = l.row_bytes * static_cast<uint32_t>(cols - 1) + Align(es * static_cast<uint32_t>(kb), 4);
  l.end = l.b_addr + l.b_bytes;
  return l;
}

// Words a panel row of `kp` elements takes on the fabric: binary16 travels two to a wavelet.
int64_t PanelWords(int64_t kp, uint32_t es) { return es == 4 ? kp : (kp + 1) / 2; }

// One panel of `kp` elements: receive A's rows (color 0) and B's columns (color 1) into SRAM,
// then one dot product per element of the block, stored in C (the first panel) or added to it.
// Registers: r3 = 1, r13 = bytes per panel row, r11 = where the first-panel stamp goes.
std::string PanelSource(int id, int64_t kp, int64_t rows, int64_t cols, const TileLayout& l, uint32_t es,
                        const std::string& dtype, bool accumulate) {
  const std::string add = accumulate ? "        lw      r10, 0(r7)\n        fadd    r9, r10, r9\n" : "";
  const int64_t words = PanelWords(kp, es);
  return fmt::format(R"(# panel of {kp}
        li      r12, {words}
        dfab    d0, {ca}, r12, in, f32      # A's rows from the west
        li      r5, {aaddr}
        dmem    d1, r5, r12, r3, f32
        li      r6, {rows}
ra{id}:  tfmov   d1, d0
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, ra{id}
        dfab    d0, {cb}, r12, in, f32      # B's columns from the north
        li      r5, {baddr}
        dmem    d1, r5, r12, r3, f32
        li      r6, {cols}
rb{id}:  tfmov   d1, d0
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, rb{id}
        csrr    r10, cycle
        sw      r10, 0(r11)
        li      r11, {scratch}             # only the first panel's arrival is kept
        li      r2, {kp}
        li      r5, {aaddr}
        dmem    d1, r5, r2, r3, {dt}       # A's row i
        li      r7, {caddr}
        li      r6, {rows}
ci{id}:  li      r5, {baddr}
        dmem    d2, r5, r2, r3, {dt}       # B's column j
        li      r8, {cols}
cj{id}:  tfdot   r9, d1, d2
{add}        sw      r9, 0(r7)
        addi    r7, r7, 4
        dadd    d2, r13
        addi    r8, r8, -1
        bne     r8, r0, cj{id}
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, ci{id}
)",
                     fmt::arg("kp", kp), fmt::arg("words", words), fmt::arg("ca", kColorA), fmt::arg("cb", kColorB),
                     fmt::arg("aaddr", l.a_addr), fmt::arg("baddr", l.b_addr), fmt::arg("caddr", l.c_addr),
                     fmt::arg("rows", rows), fmt::arg("cols", cols), fmt::arg("id", id),
                     fmt::arg("scratch", kStampScratch), fmt::arg("dt", dtype), fmt::arg("add", add));
}

struct Shape {
  int64_t m, n, k;
};

// The program of region tile (c, r): routes, the panels, then C's rows east.
std::string ComputeTileSource(int c, int r, int pw, int ph, const Shape& s, int64_t rows, int64_t cols,
                              int64_t west_cols, int64_t kb, const TileLayout& l, uint32_t es,
                              const std::string& dtype) {
  std::string src = fmt::format("# gemm tile ({},{}): C block {} x {}, k {} in panels of {}, {}\n        .text\nmain:\n",
                                c, r, rows, cols, s.k, kb, dtype);
  src += RouteConfig(kColorA, Route(kPortWest, kPortCore | (c + 1 < pw ? kPortEast : 0)));
  src += RouteConfig(kColorB, Route(kPortNorth, kPortCore | (r + 1 < ph ? kPortSouth : 0)));
  if (c > 0) src += RouteConfig(OutColor(c - 1), Route(kPortWest, kPortCore));
  src += RouteConfig(OutColor(c), Route(kPortCore, kPortEast));
  src += fmt::format("        li      r3, 1\n        li      r13, {}\n        li      r11, {}\n", l.row_bytes,
                     kStampsAddr);
  const int64_t panels = (s.k + kb - 1) / kb, last = s.k - (panels - 1) * kb;
  src += PanelSource(0, panels > 1 ? kb : last, rows, cols, l, es, dtype, false);
  if (panels > 2) {
    src += fmt::format("        li      r1, {}\nfull:\n", panels - 2);
    src += PanelSource(1, kb, rows, cols, l, es, dtype, true);
    src += "        addi    r1, r1, -1\n        bne     r1, r0, full\n";
  }
  if (panels > 1) src += PanelSource(2, last, rows, cols, l, es, dtype, true);
  src += fmt::format(R"(        csrr    r10, cycle
        sw      r10, {stamp1}(r0)
        li      r6, {rows}
        li      r4, {cols}
        li      r5, {caddr}
        dmem    d4, r5, r4, r3, f32         # C's row i of the block
        dfab    d5, {out}, r4, out, f32
        li      r14, {crow}
)",
                     fmt::arg("stamp1", kStampsAddr + 4), fmt::arg("rows", rows), fmt::arg("cols", cols),
                     fmt::arg("caddr", l.c_addr), fmt::arg("out", OutColor(c)), fmt::arg("crow", 4 * cols));
  if (c > 0) {
    src += fmt::format("        li      r12, {}\n        dfab    d6, {}, r12, in, f32   # the row so far\n"
                       "        dfab    d7, {}, r12, out, f32\n",
                       west_cols, OutColor(c - 1), OutColor(c));
  }
  src += "cout:\n";
  if (c > 0) src += "        tfmov   d7, d6\n";
  src += fmt::format(R"(        tfmov   d5, d4
        dadd    d4, r14
        addi    r6, r6, -1
        bne     r6, r0, cout
        csrr    r10, cycle
        sw      r10, {}(r0)
        halt
)",
                     kStampsAddr + 8);
  return src;
}

// The smallest panel width worth taking: one bank row of elements.
int64_t PanelGrain(uint32_t es) { return es == 4 ? 8 : 16; }

// The widest panel (a multiple of the grain, or all of k) with which the largest block fits.
std::optional<int64_t> PanelWidth(int64_t rows, int64_t cols, int64_t k, uint32_t es, uint32_t sram) {
  if (Layout(rows, cols, k, es).end <= sram) return k;
  const int64_t grain = PanelGrain(es);
  for (int64_t kb = (k - 1) / grain * grain; kb >= grain; kb -= grain) {
    if (Layout(rows, cols, kb, es).end <= sram) return kb;
  }
  return std::nullopt;
}

}  // namespace

KernelMapping MapGemm(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  if (req.m < 1) throw std::invalid_argument(fmt::format("--m: {} must be at least 1", req.m));
  if (req.n < 1) throw std::invalid_argument(fmt::format("--n: {} must be at least 1", req.n));
  if (req.k < 1) throw std::invalid_argument(fmt::format("--k: {} must be at least 1", req.k));
  if (req.m > 100'000 || req.n > 100'000 || req.k > 100'000) {
    throw std::invalid_argument(fmt::format("--m/--n/--k: {}x{}x{} is larger than this mapping takes (100,000)",
                                            req.m, req.n, req.k));
  }
  const uint32_t es = ElementBytes(req);
  const char* type_name = es == 4 ? "binary32" : "binary16";
  const RegionSize asked = RequestedRegion(req, fabric);
  int pw = asked.width, ph = asked.height;
  if (fabric.colors < 4) {
    throw std::invalid_argument(fmt::format("router.colors: gemm needs 4 colors, the fabric has {}", fabric.colors));
  }
  const Shape s{req.m, req.n, req.k};
  // A tile needs at least one row and one column of C.
  const int max_w = static_cast<int>(std::min<int64_t>(fabric.width, req.n));
  const int max_h = static_cast<int>(std::min<int64_t>(fabric.height, req.m));
  pw = std::min(pw, max_w);
  ph = std::min(ph, max_h);
  const uint32_t sram = static_cast<uint32_t>(fabric.sram_bytes);
  std::optional<int64_t> kb = PanelWidth(Share(s.m, ph, 0), Share(s.n, pw, 0), s.k, es, sram);
  // --fit: grow the region, the shorter side first, until the largest block fits.
  while (!kb && req.fit && (pw < max_w || ph < max_h)) {
    if (pw < max_w && (pw <= ph || ph == max_h)) {
      ++pw;
    } else {
      ++ph;
    }
    kb = PanelWidth(Share(s.m, ph, 0), Share(s.n, pw, 0), s.k, es, sram);
  }
  const int64_t max_rows = Share(s.m, ph, 0), max_cols = Share(s.n, pw, 0);
  if (!kb) {
    const TileLayout l = Layout(max_rows, max_cols, std::min(s.k, PanelGrain(es)), es);
    throw std::invalid_argument(fmt::format(
        "gemm {}x{}x{} does not fit a {}x{} region: tile (0,0) needs {} bytes of SRAM (C block {}x{} binary32: {} "
        "bytes; A and B panels {} {} wide, rows padded to {} bytes: {} and {} bytes; cycle stamps 32 bytes) but has "
        "{}; use a larger --mesh or --region{}",
        s.m, s.n, s.k, pw, ph, l.end, max_rows, max_cols, l.c_bytes, std::min(s.k, PanelGrain(es)), type_name,
        l.row_bytes, l.a_bytes, l.b_bytes, sram, req.fit ? "" : ", or --fit"));
  }
  const int64_t panels = (s.k + *kb - 1) / *kb;

  KernelMapping km;
  km.kernel = "gemm";
  km.region_width = pw;
  km.region_height = ph;
  km.output_size = static_cast<size_t>(s.m * s.n);
  km.output_name = "C";
  km.phases = {"first_panels", "products", "c_out"};
  km.stamps_addr = kStampsAddr;
  km.description = fmt::format("C = A B, A {}x{}, B {}x{} {}{}, k in {} panel{} of {}, on a {}x{} region of the {}x{} "
                               "mesh",
                               s.m, s.k, s.k, s.n, type_name, es == 2 ? " (binary32 sums)" : "", panels,
                               panels > 1 ? "s" : "", *kb, pw, ph, fabric.width, fabric.height);
  km.sram_bytes_per_tile = Layout(max_rows, max_cols, *kb, es).end;

  // The inputs: A uniform in [-1, 1) (unless the request gives "a": a block's activations,
  // a row per token) and B, the weights, in [-weight_scale, weight_scale), from the seed;
  // binary16 storage keeps the values as stored.
  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const auto wscale = static_cast<float>(req.weight_scale);
  auto stored = [&](float v) { return AsStored(v, es); };
  std::vector<float> a(static_cast<size_t>(s.m * s.k)), b(static_cast<size_t>(s.k * s.n));
  for (auto& v : a) v = dist(rng);
  for (auto& v : b) v = stored(wscale * dist(rng));
  CheckInputNames(req, {"a"});
  TakeInput(req, "a", a);
  for (auto& v : a) v = stored(v);
  km.reference.assign(km.output_size, 0.0);
  km.tolerance.assign(km.output_size, 0.0);
  // Each panel's dot product is a chain of at most kb binary32 roundings (fewer per lane with
  // binary16), and the panels' sums add `panels` more: |error| <= (k + panels) 2^-24 sum |a b|,
  // doubled for room.
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double sum = 0, magnitude = 0;
      for (int64_t q = 0; q < s.k; ++q) {
        const double p = double(a[i * s.k + q]) * double(b[q * s.n + j]);
        sum += p;
        magnitude += std::fabs(p);
      }
      km.reference[i * s.n + j] = sum;
      km.tolerance[i * s.n + j] = 2.0 * double(s.k + panels) * std::ldexp(1.0, -24) * magnitude + 1e-30;
    }
  }

  // A panel row on the fabric: binary32 words, or binary16 halves two to a word (low half first).
  auto panel_words = [&](const std::vector<float>& values, std::vector<uint32_t>& out) {
    if (es == 4) {
      for (float v : values) out.push_back(isa::AsBits(v));
      return;
    }
    for (size_t q = 0; q < values.size(); q += 2) {
      const uint32_t lo = isa::F32ToF16(isa::AsBits(values[q]));
      const uint32_t hi = q + 1 < values.size() ? isa::F32ToF16(isa::AsBits(values[q + 1])) : 0;
      out.push_back(lo | (hi << 16));
    }
  };

  assembler::AsmOptions asm_options;
  asm_options.imem_words = fabric.imem_words;
  asm_options.sram_bytes = fabric.sram_bytes;
  for (int r = 0; r < ph; ++r) {
    const int64_t rows = Share(s.m, ph, r), row0 = Start(s.m, ph, r);
    for (int c = 0; c < pw; ++c) {
      const int64_t cols = Share(s.n, pw, c), col0 = Start(s.n, pw, c);
      const TileLayout l = Layout(rows, cols, *kb, es);
      const std::string src = ComputeTileSource(c, r, pw, ph, s, rows, cols, col0, *kb, l, es, req.dtype);
      TileProgram tp{c, r, assembler::AssembleText(src, fmt::format("gemm tile ({},{})", c, r), asm_options)};
      km.tiles.push_back(std::move(tp));
      km.stamped_tiles.emplace_back(c, r);
    }
    // East of the region C's rows pass straight through to the mesh edge.
    for (int c = pw; c < fabric.width; ++c) {
      const std::string src = "main:\n" + RouteConfig(OutColor(pw - 1), Route(kPortWest, kPortEast)) + "        halt\n";
      km.tiles.push_back({c, r, assembler::AssembleText(src, fmt::format("gemm forwarding tile ({},{})", c, r),
                                                        asm_options)});
    }
    km.outputs.push_back({fabric.width - 1, r, noc::Dir::East, OutColor(pw - 1), static_cast<size_t>(row0 * s.n),
                          static_cast<size_t>(rows * s.n)});
    EdgeInput in{0, r, noc::Dir::West, kColorA, {}};
    for (int64_t k0 = 0; k0 < s.k; k0 += *kb) {
      const int64_t kp = std::min(*kb, s.k - k0);
      for (int64_t i = row0; i < row0 + rows; ++i) {
        panel_words(std::vector<float>(a.begin() + i * s.k + k0, a.begin() + i * s.k + k0 + kp), in.payloads);
      }
    }
    km.inputs.push_back(std::move(in));
  }
  for (int c = 0; c < pw; ++c) {
    const int64_t cols = Share(s.n, pw, c), col0 = Start(s.n, pw, c);
    EdgeInput in{c, 0, noc::Dir::North, kColorB, {}};
    for (int64_t k0 = 0; k0 < s.k; k0 += *kb) {
      const int64_t kp = std::min(*kb, s.k - k0);
      for (int64_t j = col0; j < col0 + cols; ++j) {
        std::vector<float> column(static_cast<size_t>(kp));
        for (int64_t q = 0; q < kp; ++q) column[q] = b[(k0 + q) * s.n + j];
        panel_words(column, in.payloads);
      }
    }
    km.inputs.push_back(std::move(in));
  }

  km.flops = 2.0 * double(s.m) * double(s.n) * double(s.k);
  const double lanes = es == 4 ? 1.0 : double(fabric.simd_width);
  km.macs_per_tile_cycle = lanes;
  km.compute_bound_cycles = double(s.m) * double(s.n) * double(s.k) / (double(pw) * ph * lanes);
  // The busiest edge link: a row's A in, a column's B in, or a row of blocks of C out.
  const double row_words =
      double(panels - 1) * double(PanelWords(*kb, es)) + double(PanelWords(s.k - (panels - 1) * *kb, es));
  const double a_words = double(max_rows) * row_words, b_words = double(max_cols) * row_words;
  km.io_bound_cycles = std::max({a_words, b_words, double(max_rows) * double(s.n)}) / fabric.edge_wavelets_per_cycle;
  km.parameters = {{"m", s.m},           {"n", s.n},         {"k", s.k},
                   {"dtype", req.dtype}, {"panel_k", *kb},   {"panels", panels},
                   {"region", fmt::format("{}x{}", pw, ph)}, {"seed", req.seed}};
  return km;
}

}  // namespace wafersim::runtime
