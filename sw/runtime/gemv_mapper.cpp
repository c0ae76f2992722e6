#include "runtime/gemv_mapper.h"

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "isa/fp.h"
#include "runtime/mapping_util.h"

namespace wafersim::runtime {

namespace {

constexpr int kColorX = 0;  // x down each column
// Partial sums along a row alternate between these two colors, so a router can take one
// from the west to its core and send the core's on to the east.
constexpr int kColorSumA = 1, kColorSumB = 2;
constexpr uint32_t kStampsAddr = 0;  // three cycle stamps: x received, dot products done, sums sent

int SumColor(int column) { return column % 2 == 0 ? kColorSumA : kColorSumB; }  // what column c sends

struct TileLayout {
  uint32_t x_addr, partial_addr, w_addr, w_row_bytes, end;
};

// `es`: bytes per element of W and x (4 for binary32, 2 for binary16).
TileLayout Layout(int64_t rows, int64_t cols, uint32_t es) {
  TileLayout l;
  l.x_addr = 32;
  l.partial_addr = Align(l.x_addr + es * static_cast<uint32_t>(cols), 32);
  // W just after x in the banks (x starts on bank 0): with binary32 one bank on, with
  // binary16 two (a 4-lane step reads two words of each); each row's stride is a whole number
  // of bank rows, so W and x never want the same bank in a step.
  l.w_addr = Align(l.partial_addr + 4 * static_cast<uint32_t>(rows), 32) + (es == 4 ? 4 : 8);
  l.w_row_bytes = Align(es * static_cast<uint32_t>(cols), 32);
  l.end = l.w_addr + l.w_row_bytes * static_cast<uint32_t>(rows - 1) + es * static_cast<uint32_t>(cols);
  return l;
}

// Cycles the mapping takes on a pw x ph region, fitted to fast-tile runs of 1024x1024 on
// regions of 8..64 x 16..64 tiles (within 1%, docs/mapping.md): x multicast down the
// columns, a dot product per row with about 8 cycles of loop around it, then the row sums'
// chain east at about 8 cycles a hop.
double EstimatedCycles(int64_t m, int64_t n, int pw, int ph, double lanes) {
  const double rows = double(Share(m, ph, 0)), cols = double(Share(n, pw, 0));
  return 3.0 * ph + cols + 30 + rows * (cols / lanes + 8) + 8.0 * pw + rows;
}

struct RegionChoice {
  int width, height;
  bool smaller;  ///< chosen instead of the whole mesh
};

// With no --region: the whole mesh, unless a region whose blocks fit is estimated to take at
// most 2/3 of its time. On a wafer the 762-hop chain of row sums costs far more than the
// products the extra columns share, so a GEMV takes a slice of it.
RegionChoice ChooseRegion(int64_t m, int64_t n, uint32_t es, double lanes, const fabric::FabricConfig& f) {
  const int w_max = static_cast<int>(std::min<int64_t>(f.width, n)), h_max = static_cast<int>(std::min<int64_t>(f.height, m));
  const double whole = EstimatedCycles(m, n, w_max, h_max, lanes);
  RegionChoice best{w_max, h_max, false};
  double best_cycles = whole;
  for (int pw = 1; pw <= w_max; ++pw) {
    for (int ph = 1; ph <= h_max; ++ph) {
      if (Layout(Share(m, ph, 0), Share(n, pw, 0), es).end > static_cast<uint64_t>(f.sram_bytes)) continue;
      const double c = EstimatedCycles(m, n, pw, ph, lanes);
      if (c < best_cycles) {
        best_cycles = c;
        best = {pw, ph, true};
      }
    }
  }
  if (best_cycles > whole * 2.0 / 3.0) return {w_max, h_max, false};
  return best;
}

// The program of region tile (c, r): routes, receive x, a dot product per row, add the
// partial sums coming from the west and send them east.
std::string ComputeTileSource(int c, int r, int region_h, int64_t rows, int64_t cols, const TileLayout& l,
                              const std::string& dtype) {
  std::string s = fmt::format("# gemv tile: {} rows x {} columns of W, {}\n", rows, cols, dtype);
  s += fmt::format("        .equ    NC, {}\n        .equ    MR, {}\n        .equ    XADDR, {}\n"
                   "        .equ    PADDR, {}\n        .equ    WADDR, {}\n        .equ    WROW, {}\n        .text\n",
                   cols, rows, l.x_addr, l.partial_addr, l.w_addr, l.w_row_bytes);
  s += "main:\n";
  s += RouteConfig(kColorX, Route(kPortNorth, kPortCore | (r + 1 < region_h ? kPortSouth : 0)));
  if (c > 0) s += RouteConfig(SumColor(c - 1), Route(kPortWest, kPortCore));
  s += RouteConfig(SumColor(c), Route(kPortCore, kPortEast));
  s += fmt::format(R"(        li      r3, 1
        li      r4, NC
        dfab    d1, {}, r4, in, {}         # x's piece, from the north
        li      r5, XADDR
        dmem    d2, r5, r4, r3, {}
        tfmov   d2, d1
        csrr    r10, cycle
        sw      r10, {}(r0)
        li      r5, WADDR
        dmem    d3, r5, r4, r3, {}         # row 0 of the block
        li      r6, WROW
        li      r7, PADDR
        li      r8, MR
row:    tfdot   r9, d3, d2
        sw      r9, 0(r7)
        addi    r7, r7, 4
        dadd    d3, r6                      # next row
        addi    r8, r8, -1
        bne     r8, r0, row
        csrr    r10, cycle
        sw      r10, {}(r0)
        li      r8, MR
        li      r5, PADDR
        dmem    d4, r5, r8, r3, f32         # this tile's partial sums
        dfab    d5, {}, r8, out, f32        # on to the east
)",
                   kColorX, dtype, dtype, kStampsAddr, dtype, kStampsAddr + 4, SumColor(c));
  if (c == 0) {
    s += "        tfmov   d5, d4\n";
  } else {
    s += fmt::format("        dfab    d6, {}, r8, in, f32         # the sums so far, from the west\n"
                     "        tfadd   d5, d6, d4\n",
                     SumColor(c - 1));
  }
  s += fmt::format("        csrr    r10, cycle\n        sw      r10, {}(r0)\n        halt\n", kStampsAddr + 8);
  return s;
}

// The values as stored: binary32 words, or binary16 halves (already rounded to binary16).
void AppendValues(isa::Program& p, uint32_t addr, const std::vector<float>& values, uint32_t es) {
  isa::DataSegment seg;
  seg.addr = addr;
  seg.bytes.resize(values.size() * es);
  for (size_t i = 0; i < values.size(); ++i) {
    const uint32_t v = es == 4 ? isa::AsBits(values[i]) : isa::F32ToF16(isa::AsBits(values[i]));
    std::memcpy(&seg.bytes[i * es], &v, es);
  }
  p.data.push_back(std::move(seg));
}

}  // namespace

KernelMapping MapGemv(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  if (req.m < 1) throw std::invalid_argument(fmt::format("--m: {} must be at least 1", req.m));
  if (req.n < 1) throw std::invalid_argument(fmt::format("--n: {} must be at least 1", req.n));
  if (req.m > 1'000'000 || req.n > 1'000'000) {
    throw std::invalid_argument(fmt::format("--m/--n: {}x{} is larger than this mapping takes (1,000,000)", req.m,
                                            req.n));
  }
  const uint32_t es = ElementBytes(req);
  const char* type_name = es == 4 ? "binary32" : "binary16";
  const RegionSize asked = RequestedRegion(req, fabric);
  int pw = asked.width, ph = asked.height;
  if (fabric.colors < 3) {
    throw std::invalid_argument(fmt::format("router.colors: gemv needs 3 colors, the fabric has {}", fabric.colors));
  }
  // A tile needs at least one row and one column.
  pw = static_cast<int>(std::min<int64_t>(pw, req.n));
  ph = static_cast<int>(std::min<int64_t>(ph, req.m));
  // The region's west column: a chosen region sits at the east edge, where its sums leave.
  int x0 = 0;
  const double lanes = es == 4 ? 1.0 : double(fabric.simd_width);  // multiply-adds per tile per cycle
  if (req.region_width == 0 && req.region_height == 0) {
    const RegionChoice choice = ChooseRegion(req.m, req.n, es, lanes, fabric);
    if (choice.smaller) {
      pw = choice.width;
      ph = choice.height;
      x0 = fabric.width - pw;
    }
  }

  KernelMapping km;
  km.kernel = "gemv";
  km.region_width = pw;
  km.region_height = ph;
  km.output_size = static_cast<size_t>(req.m);
  km.phases = {"x_broadcast", "dot_products", "row_reduction"};
  km.stamps_addr = kStampsAddr;
  km.description = fmt::format("y = W x, W {}x{} {}{}, on a {}x{} region of the {}x{} mesh{}", req.m, req.n,
                               type_name, es == 2 ? " (binary32 sums)" : "", pw, ph, fabric.width, fabric.height,
                               x0 > 0 ? fmt::format(" at its east edge (columns {}-{}: faster than the whole mesh)",
                                                    x0, x0 + pw - 1)
                                      : "");

  // The SRAM check comes first: the largest block decides.
  const int64_t max_rows = Share(req.m, ph, 0), max_cols = Share(req.n, pw, 0);
  const TileLayout worst = Layout(max_rows, max_cols, es);
  km.sram_bytes_per_tile = worst.end;
  if (worst.end > static_cast<uint64_t>(fabric.sram_bytes)) {
    throw std::invalid_argument(fmt::format(
        "gemv {}x{} does not fit a {}x{} region: tile (0,0) needs {} bytes of SRAM (W block {}x{} {} with "
        "rows padded to {} bytes: {} bytes; x piece {} bytes; partial sums {} bytes; cycle stamps 32 bytes) but has "
        "{}; use a larger --mesh or --region",
        req.m, req.n, pw, ph, worst.end, max_rows, max_cols, type_name, worst.w_row_bytes,
        worst.w_row_bytes * (max_rows - 1) + es * max_cols, es * max_cols, 4 * max_rows, fabric.sram_bytes));
  }

  // The inputs: W uniform in [-weight_scale, weight_scale) and x in [-1, 1), from the seed,
  // unless the request gives x.
  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const auto wscale = static_cast<float>(req.weight_scale);
  std::vector<float> w(static_cast<size_t>(req.m * req.n)), x(static_cast<size_t>(req.n));
  // Binary16 storage: the reference uses the values as stored.
  auto stored = [&](float v) { return AsStored(v, es); };
  for (auto& v : w) v = stored(wscale * dist(rng));
  for (auto& v : x) v = dist(rng);
  CheckInputNames(req, {"x"});
  TakeInput(req, "x", x);
  for (auto& v : x) v = stored(v);
  km.reference.assign(km.output_size, 0.0);
  km.tolerance.assign(km.output_size, 0.0);
  // Each binary32 result is a chain of n roundings at most: |error| <= n * 2^-24 * sum |w x|
  // (with room to spare, 2n).
  for (int64_t i = 0; i < req.m; ++i) {
    double sum = 0, magnitude = 0;
    for (int64_t j = 0; j < req.n; ++j) {
      const double p = double(w[i * req.n + j]) * double(x[j]);
      sum += p;
      magnitude += std::fabs(p);
    }
    km.reference[i] = sum;
    km.tolerance[i] = 2.0 * double(req.n) * std::ldexp(1.0, -24) * magnitude + 1e-30;
  }

  assembler::AsmOptions asm_options;
  asm_options.imem_words = fabric.imem_words;
  asm_options.sram_bytes = fabric.sram_bytes;
  // Tiles differ in their data, but their code comes in a few variants (block sizes, column
  // parity, the first column and last row): each is assembled once, which matters on a wafer.
  std::unordered_map<std::string, isa::Program> assembled;
  auto assemble = [&](const std::string& src, int c, int r, const char* what) {
    auto it = assembled.find(src);
    if (it == assembled.end()) {
      it = assembled.emplace(src, assembler::AssembleText(src, fmt::format("gemv {} ({},{})", what, c, r), asm_options))
               .first;
    }
    return it->second;
  };
  for (int r = 0; r < ph; ++r) {
    const int64_t rows = Share(req.m, ph, r), row0 = Start(req.m, ph, r);
    for (int c = 0; c < pw; ++c) {
      const int64_t cols = Share(req.n, pw, c), col0 = Start(req.n, pw, c);
      const TileLayout l = Layout(rows, cols, es);
      TileProgram tp{x0 + c, r, assemble(ComputeTileSource(c, r, ph, rows, cols, l, req.dtype), x0 + c, r, "tile")};
      const int64_t stride = l.w_row_bytes / es;
      std::vector<float> block(static_cast<size_t>(stride * (rows - 1) + cols), 0.0f);
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) block[i * stride + j] = w[(row0 + i) * req.n + col0 + j];
      }
      AppendValues(tp.program, l.w_addr, block, es);
      km.tiles.push_back(std::move(tp));
      km.stamped_tiles.emplace_back(x0 + c, r);
    }
    // East of the region the row's sums pass straight through to the mesh edge.
    for (int c = x0 + pw; c < fabric.width; ++c) {
      const std::string src = "main:\n" + RouteConfig(SumColor(pw - 1), Route(kPortWest, kPortEast)) + "        halt\n";
      km.tiles.push_back({c, r, assemble(src, c, r, "forwarding tile")});
    }
    km.outputs.push_back({fabric.width - 1, r, noc::Dir::East, SumColor(pw - 1), static_cast<size_t>(row0),
                          static_cast<size_t>(rows)});
  }
  for (int c = 0; c < pw; ++c) {
    const int64_t cols = Share(req.n, pw, c), col0 = Start(req.n, pw, c);
    EdgeInput in{x0 + c, 0, noc::Dir::North, kColorX, {}};
    for (int64_t j = 0; j < cols; ++j) {
      in.payloads.push_back(es == 4 ? isa::AsBits(x[col0 + j]) : isa::F32ToF16(isa::AsBits(x[col0 + j])));
    }
    km.inputs.push_back(std::move(in));
  }

  km.flops = 2.0 * double(req.m) * double(req.n);
  // One multiply-add per tile per cycle with binary32 operands, SimdWidth with binary16.
  km.compute_bound_cycles = double(req.m) * double(req.n) / (double(pw) * ph * lanes);
  km.macs_per_tile_cycle = lanes;
  km.estimated_cycles = EstimatedCycles(req.m, req.n, pw, ph, lanes) + (fabric.width - x0 - pw) * 3.0;
  km.io_bound_cycles = std::max(double(max_cols), double(max_rows)) / fabric.edge_wavelets_per_cycle;
  km.parameters = {{"m", req.m}, {"n", req.n}, {"dtype", req.dtype}, {"region", fmt::format("{}x{}", pw, ph)},
                   {"seed", req.seed}};
  return km;
}

}  // namespace wafersim::runtime
