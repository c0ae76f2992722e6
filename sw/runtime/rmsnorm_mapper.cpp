#include "runtime/rmsnorm_mapper.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include "isa/fp.h"
#include "plan/plan_lowering.h"
#include "runtime/mapping_util.h"
#include "runtime/vector_cost.h"
#include "runtime/vector_split.h"

namespace wafersim::runtime {

namespace {

// Partial sums along a region row alternate between two colors (a router takes one from the
// west to its core and sends the core's on east on the other); the inverse comes back on a third.
constexpr int kColorSumA = 1, kColorSumB = 2, kColorInv = 3;
// Streamed (chained) x arrives from the north on one color and y leaves south on another.
constexpr int kColorIn = 0, kColorOut = 4;
constexpr uint32_t kStampsAddr = 0;  // four cycle stamps, one per phase
int SumColor(int column) { return column % 2 == 0 ? kColorSumA : kColorSumB; }


// A tile's SRAM: its rows of x (each starting a bank row, so that g, one bank on, never wants
// the bank x does in a step), g's piece, the partial sums and the inverses.
struct Layout {
  uint32_t x_addr, row_bytes, g_addr, s_addr, inv_addr;
  uint64_t end;  // 64 bits: a block too large for any tile still says how large
};

Layout MakeLayout(int64_t rows, int64_t cols) {
  Layout l;
  l.x_addr = 32;
  l.row_bytes = Align(4 * static_cast<uint32_t>(cols), 32);
  l.g_addr = l.x_addr + l.row_bytes * static_cast<uint32_t>(rows) + 4;
  l.s_addr = Align(l.g_addr + 4 * static_cast<uint32_t>(cols), 32);
  l.inv_addr = l.s_addr + 4 * static_cast<uint32_t>(rows);
  const uint64_t r = static_cast<uint64_t>(rows), c = static_cast<uint64_t>(cols);
  const uint64_t row_bytes = Align64(4 * c, 32);
  l.end = Align64(l.x_addr + row_bytes * r + 4 + 4 * c, 32) + 8 * r;
  return l;
}

}  // namespace

plan::Plan BuildRmsNormPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  CheckVectorRequest(req, "rmsnorm");
  const bool stream = req.stream_ports;
  if (stream && fabric.colors < 5) {
    throw std::invalid_argument(
        fmt::format("router.colors: rmsnorm with streamed x and y needs 5 colors, the fabric has {}", fabric.colors));
  }
  if (fabric.colors < 4) {
    throw std::invalid_argument(fmt::format("router.colors: rmsnorm needs 4 colors, the fabric has {}", fabric.colors));
  }
  const int64_t d = req.d_model, T = req.tokens;
  int pw = req.region_width > 0 ? req.region_width : std::min(fabric.width, RmsNormColumns(d));
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
  if (stream && ph > 1) {
    throw std::invalid_argument(fmt::format(
        "--region: rmsnorm with streamed x takes one region row ({} tokens on {} rows asked)", T, ph));
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

  plan::Plan p;
  p.kernel = "rmsnorm";
  p.region = {0, 0, pw, ph};
  p.phases = {"sum_squares", "row_reduction", "inverse_rms", "scale"};
  p.stamps_addr = kStampsAddr;
  p.description =
      fmt::format("y = x / rms(x) * g, {} tokens x {} binary32, eps {:g}, on a {}x{} region of the {}x{} mesh{}", T, d,
                  kRmsNormEps, pw, ph, fabric.width, fabric.height, stream ? " (x and y streamed)" : "");
  p.sram_bytes_per_tile = static_cast<uint32_t>(worst().end);

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
  const double rel = RmsNormRelativeBound(d, pw);
  p.reference.resize(static_cast<size_t>(T * d));
  p.tolerance.resize(static_cast<size_t>(T * d));
  for (int64_t t = 0; t < T; ++t) {
    double ss = 0;
    for (int64_t j = 0; j < d; ++j) ss += double(x[t * d + j]) * x[t * d + j];
    const double inv = 1.0 / std::sqrt(ss / double(d) + double(kRmsNormEps));
    for (int64_t j = 0; j < d; ++j) {
      const double y = double(x[t * d + j]) * inv * g[j];
      p.reference[t * d + j] = y;
      p.tolerance[t * d + j] = rel * std::fabs(y) + 0x1p-148;
    }
  }
  p.tensors["x"] = plan::Tensor{{T, d}, plan::DType::kFp32, x};
  p.tensors["g"] = plan::Tensor{{d}, plan::DType::kFp32, g};

  plan::Port in{"x", plan::DType::kFp32, static_cast<size_t>(T * d), {}, {}};
  plan::Port out{"y", plan::DType::kFp32, static_cast<size_t>(T * d), {}, {}};
  for (int r = 0; r < ph; ++r) {
    const int64_t rows = Share(T, ph, r), row0 = Start(T, ph, r);
    for (int c = 0; c < pw; ++c) {
      const int64_t cols = Share(d, pw, c), col0 = Start(d, pw, c);
      const Layout l = MakeLayout(rows, cols);
      const bool first = c == 0, last = c == pw - 1;
      plan::PlanTile t;
      t.x = c;
      t.y = r;
      t.role = "compute";
      t.program = {"kernels/rmsnorm_tile.s",
                   {{"NC", cols}, {"NR", rows}, {"XADDR", l.x_addr}, {"ROW", l.row_bytes}, {"GADDR", l.g_addr},
                    {"SADDR", l.s_addr}, {"IADDR", l.inv_addr}, {"STAMPS", kStampsAddr}, {"FIRST", first},
                    {"LAST", last}, {"MULTI", pw > 1}, {"COLOR_WEST", first ? 0 : SumColor(c - 1)},
                    {"COLOR_EAST", SumColor(c)}, {"COLOR_INV", kColorInv},
                    {"INV_D", isa::AsBits(static_cast<float>(1.0 / double(d)))}, {"EPS", isa::AsBits(kRmsNormEps)},
                    {"STREAM_IN", stream}, {"COLOR_IN", kColorIn}, {"STREAM_OUT", stream},
                    {"COLOR_OUT", kColorOut}}};
      if (!first) t.routes.push_back({SumColor(c - 1), kPortWest, kPortCore});
      if (!last) t.routes.push_back({SumColor(c), kPortCore, kPortEast});
      if (pw > 1) {
        t.routes.push_back({kColorInv, last ? kPortCore : kPortEast,
                            last ? kPortWest : first ? kPortCore : kPortCore | kPortWest});
      }
      if (stream) {
        t.routes.push_back({kColorIn, kPortNorth, kPortCore});
        t.routes.push_back({kColorOut, kPortCore, kPortSouth});
      } else {
        t.shards.push_back({"x", l.x_addr, row0, rows, col0, cols, l.row_bytes / 4});
      }
      t.shards.push_back({"g", l.g_addr, 0, 1, col0, cols, 0});
      for (int64_t i = 0; i < rows; ++i) {
        const auto at = static_cast<size_t>((row0 + i) * d + col0);
        if (stream) {
          in.streams.push_back({c, r, noc::Dir::North, kColorIn, at, static_cast<size_t>(cols)});
          out.streams.push_back({c, r, noc::Dir::South, kColorOut, at, static_cast<size_t>(cols)});
        } else {
          out.sram.push_back({c, r, l.x_addr + l.row_bytes * static_cast<uint32_t>(i), at, static_cast<size_t>(cols)});
        }
      }
      p.tiles.push_back(std::move(t));
      p.stamped_tiles.emplace_back(c, r);
    }
  }
  if (stream) p.inputs.push_back(std::move(in));
  p.outputs.push_back(std::move(out));

  // Three tensor passes over a tile's elements (squares, times the inverse, times g) at one
  // element per cycle; nothing crosses the mesh edge unless x and y are streamed.
  p.cost.flops = 4.0 * double(T) * double(d);
  p.cost.compute_bound_cycles = 3.0 * double(Share(T, ph, 0)) * double(Share(d, pw, 0));
  if (!stream) p.cost.estimated_cycles = RmsNormCycles(Share(T, ph, 0), Share(d, pw, 0), pw);
  p.cost.macs_per_tile_cycle = 1;
  p.cost.io_bound_cycles =
      stream ? double(Share(T, ph, 0)) * double(Share(d, pw, 0)) / fabric.edge_wavelets_per_cycle : 0;
  p.parameters = {{"d_model", d},
                  {"tokens", T},
                  {"eps", kRmsNormEps},
                  {"region", fmt::format("{}x{}", pw, ph)},
                  {"seed", req.seed}};
  return p;
}

KernelMapping MapRmsNorm(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::Lower(BuildRmsNormPlan(req, fabric), fabric);
}

}  // namespace wafersim::runtime
