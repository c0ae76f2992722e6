#include "runtime/gemv_mapper.h"

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "isa/fp.h"
#include "plan/plan_lowering.h"
#include "runtime/gemv_cost.h"
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
  uint32_t x_addr, partial_addr, w_addr, w_row_bytes;
  uint64_t end;  ///< 64 bits: a block too large for any tile still says how large
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
  l.end = l.w_addr + uint64_t{l.w_row_bytes} * static_cast<uint64_t>(rows - 1) + uint64_t{es} * static_cast<uint64_t>(cols);
  return l;
}

// Cycles the mapping takes on a pw x ph region: the plan's cost (runtime/gemv_cost.h).
double EstimatedCycles(int64_t m, int64_t n, int pw, int ph, double lanes) {
  return GemvBlockCost(Share(m, ph, 0), Share(n, pw, 0), pw, ph, static_cast<int>(lanes)).Cycles(1);
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

}  // namespace

plan::Plan BuildGemvPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  if (req.m < 1) throw std::invalid_argument(fmt::format("--m: {} must be at least 1", req.m));
  if (req.n < 1) throw std::invalid_argument(fmt::format("--n: {} must be at least 1", req.n));
  if (req.m > 1'000'000 || req.n > 1'000'000) {
    throw std::invalid_argument(fmt::format("--m/--n: {}x{} is larger than this mapping takes (1,000,000)", req.m,
                                            req.n));
  }
  const uint32_t es = ElementBytes(req);
  const plan::DType dtype = es == 4 ? plan::DType::kFp32 : plan::DType::kFp16;
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

  plan::Plan p;
  p.kernel = "gemv";
  p.region = {x0, 0, pw, ph};
  p.phases = {"x_broadcast", "dot_products", "row_reduction"};
  p.stamps_addr = kStampsAddr;
  p.description = fmt::format("y = W x, W {}x{} {}{}, on a {}x{} region of the {}x{} mesh{}", req.m, req.n,
                              type_name, es == 2 ? " (binary32 sums)" : "", pw, ph, fabric.width, fabric.height,
                              x0 > 0 ? fmt::format(" at its east edge (columns {}-{}: faster than the whole mesh)",
                                                   x0, x0 + pw - 1)
                                     : "");

  // The SRAM check comes first: the largest block decides.
  const int64_t max_rows = Share(req.m, ph, 0), max_cols = Share(req.n, pw, 0);
  const TileLayout worst = Layout(max_rows, max_cols, es);
  if (worst.end > static_cast<uint64_t>(fabric.sram_bytes)) {
    throw std::invalid_argument(fmt::format(
        "gemv {}x{} does not fit a {}x{} region: tile (0,0) needs {} bytes of SRAM (W block {}x{} {} with "
        "rows padded to {} bytes: {} bytes; x piece {} bytes; partial sums {} bytes; cycle stamps 32 bytes) but has "
        "{}; use a larger --mesh or --region",
        req.m, req.n, pw, ph, worst.end, max_rows, max_cols, type_name, worst.w_row_bytes,
        worst.w_row_bytes * (max_rows - 1) + es * max_cols, es * max_cols, 4 * max_rows, fabric.sram_bytes));
  }
  p.sram_bytes_per_tile = static_cast<uint32_t>(worst.end);

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
  // W too may be given: a block that fuses two matrices into one GEMV orders their rows itself.
  CheckInputNames(req, {"x", "W"});
  TakeInput(req, "x", x);
  TakeInput(req, "W", w);
  for (auto& v : x) v = stored(v);
  for (auto& v : w) v = stored(v);
  p.reference.assign(static_cast<size_t>(req.m), 0.0);
  p.tolerance.assign(static_cast<size_t>(req.m), 0.0);
  // Each binary32 result is a chain of n roundings at most: |error| <= n * 2^-24 * sum |w x|
  // (with room to spare, 2n).
  for (int64_t i = 0; i < req.m; ++i) {
    double sum = 0, magnitude = 0;
    for (int64_t j = 0; j < req.n; ++j) {
      const double prod = double(w[i * req.n + j]) * double(x[j]);
      sum += prod;
      magnitude += std::fabs(prod);
    }
    p.reference[i] = sum;
    p.tolerance[i] = 2.0 * double(req.n) * std::ldexp(1.0, -24) * magnitude + 1e-30;
  }
  p.tensors["W"] = plan::Tensor{{req.m, req.n}, dtype, std::move(w)};
  // Chained (stream_ports) with binary16 weights, x comes as its producer sends it, binary32,
  // and each tile rounds its piece to binary16 as it stores it (the values above are rounded).
  const bool x32 = req.stream_ports && es == 2;
  p.tensors["x"] = plan::Tensor{{req.n}, x32 ? plan::DType::kFp32 : dtype, x};

  plan::Port in{"x", x32 ? plan::DType::kFp32 : dtype, static_cast<size_t>(req.n), {}, {}};
  plan::Port out{"y", plan::DType::kFp32, static_cast<size_t>(req.m), {}, {}};
  const uint32_t north = kPortNorth, south = kPortSouth, east = kPortEast, west = kPortWest, core = kPortCore;
  for (int r = 0; r < ph; ++r) {
    const int64_t rows = Share(req.m, ph, r), row0 = Start(req.m, ph, r);
    for (int c = 0; c < pw; ++c) {
      const int64_t cols = Share(req.n, pw, c), col0 = Start(req.n, pw, c);
      const TileLayout l = Layout(rows, cols, es);
      plan::PlanTile t;
      t.x = c;
      t.y = r;
      t.role = "compute";
      t.program = {"kernels/gemv_tile.s",
                   {{"NC", cols}, {"MR", rows}, {"XADDR", l.x_addr}, {"PADDR", l.partial_addr},
                    {"WADDR", l.w_addr}, {"WROW", l.w_row_bytes}, {"DT", es * 8},
                    {"XT", x32 ? 32 : es * 8}, {"COLOR_X", kColorX},
                    {"FIRST", c == 0}, {"COLOR_WEST", c > 0 ? SumColor(c - 1) : 0}, {"COLOR_EAST", SumColor(c)},
                    {"STAMPS", kStampsAddr}}};
      t.routes.push_back({kColorX, north, core | (r + 1 < ph ? south : 0)});
      if (c > 0) t.routes.push_back({SumColor(c - 1), west, core});
      t.routes.push_back({SumColor(c), core, east});
      t.shards.push_back({"W", l.w_addr, row0, rows, col0, cols, l.w_row_bytes / es});
      p.tiles.push_back(std::move(t));
      p.stamped_tiles.emplace_back(c, r);
    }
    out.streams.push_back({pw - 1, r, noc::Dir::East, SumColor(pw - 1), static_cast<size_t>(row0),
                           static_cast<size_t>(rows)});
  }
  for (int c = 0; c < pw; ++c) {
    in.streams.push_back({c, 0, noc::Dir::North, kColorX, static_cast<size_t>(Start(req.n, pw, c)),
                          static_cast<size_t>(Share(req.n, pw, c))});
  }
  p.inputs.push_back(std::move(in));
  p.outputs.push_back(std::move(out));

  p.cost.flops = 2.0 * double(req.m) * double(req.n);
  // One multiply-add per tile per cycle with binary32 operands, SimdWidth with binary16.
  p.cost.compute_bound_cycles = double(req.m) * double(req.n) / (double(pw) * ph * lanes);
  p.cost.macs_per_tile_cycle = lanes;
  p.cost.estimated_cycles = EstimatedCycles(req.m, req.n, pw, ph, lanes);
  p.cost.cycles_per_edge_hop = GemvFit::kPerEdgeHop;  // the row sums passing through to the east edge
  p.cost.io_bound_cycles = std::max(double(max_cols), double(max_rows)) / fabric.edge_wavelets_per_cycle;
  p.parameters = {{"m", req.m}, {"n", req.n}, {"dtype", req.dtype}, {"region", fmt::format("{}x{}", pw, ph)},
                  {"seed", req.seed}};
  return p;
}

uint64_t GemvTileSramBytes(int64_t rows, int64_t cols, uint32_t element_bytes) {
  return Layout(rows, cols, element_bytes).end;
}

KernelMapping MapGemv(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::Lower(BuildGemvPlan(req, fabric), fabric);
}

}  // namespace wafersim::runtime
