#include "runtime/gemm_cost.h"
#include "runtime/gemm_mapper.h"

#include <cmath>
#include <optional>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/plan_lowering.h"
#include "runtime/mapping_util.h"

namespace wafersim::runtime {

namespace {

constexpr int kColorA = 0;  // A's panels along each region row, from the west edge
constexpr int kColorB = 1;  // B's panels down each region column, from the north edge
// C's rows flow east on these two, alternating by column: a router position routes one color
// from one set of inputs, so column c takes one from the west and sends the other east.
constexpr int kColorOutA = 2, kColorOutB = 3;
constexpr uint32_t kStampsAddr = 0;  // stamps: first panels in, products done, C sent (gemm_tile.s)

int OutColor(int column) { return column % 2 == 0 ? kColorOutA : kColorOutB; }

// A tile's SRAM for a block of `rows` x `cols` of C and panels `kb` elements wide.
struct TileLayout {
  uint32_t c_addr, a_addr, b_addr, row_bytes;
  // 64 bits: a block too large for any tile still says how large.
  uint64_t end, c_bytes, a_bytes, b_bytes;
};

// `es`: bytes per element of A and B (4 binary32, 2 binary16). A's panel rows and B's panel
// columns are each padded to whole bank rows (8 words), and B starts one bank (binary32) or
// two (binary16: a 4-lane step reads two words of each) after A, so a dot product's two
// operands never want the same bank.
TileLayout Layout(int64_t rows, int64_t cols, int64_t kb, uint32_t es) {
  TileLayout l;
  l.c_addr = 32;
  l.c_bytes = 4 * static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols);
  l.row_bytes = Align(es * static_cast<uint32_t>(kb), 32);
  const uint64_t a_addr = Align64(l.c_addr + l.c_bytes, 32);
  l.a_bytes = uint64_t{l.row_bytes} * static_cast<uint64_t>(rows);
  const uint64_t b_addr = a_addr + l.a_bytes + (es == 4 ? 4 : 8);
  // The panel arrives in whole words (two binary16 elements a word).
  l.b_bytes = uint64_t{l.row_bytes} * static_cast<uint64_t>(cols - 1) + Align(es * static_cast<uint32_t>(kb), 4);
  l.end = b_addr + l.b_bytes;
  l.a_addr = static_cast<uint32_t>(a_addr);  // used once the layout fits a tile
  l.b_addr = static_cast<uint32_t>(b_addr);
  return l;
}

// Words a panel row of `kp` elements takes on the fabric: binary16 travels two to a wavelet.
int64_t PanelWords(int64_t kp, uint32_t es) { return es == 4 ? kp : (kp + 1) / 2; }

struct Shape {
  int64_t m, n, k;
};

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

plan::Plan BuildGemmPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
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

  plan::Plan p;
  p.kernel = "gemm";
  p.region = {0, 0, pw, ph};
  p.phases = {"first_panels", "products", "c_out"};
  p.stamps_addr = kStampsAddr;
  p.description = fmt::format("C = A B, A {}x{}, B {}x{} {}{}, k in {} panel{} of {}, on a {}x{} region of the {}x{} "
                              "mesh",
                              s.m, s.k, s.k, s.n, type_name, es == 2 ? " (binary32 sums)" : "", panels,
                              panels > 1 ? "s" : "", *kb, pw, ph, fabric.width, fabric.height);
  p.sram_bytes_per_tile = static_cast<uint32_t>(Layout(max_rows, max_cols, *kb, es).end);

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
  p.reference.assign(static_cast<size_t>(s.m * s.n), 0.0);
  p.tolerance.assign(static_cast<size_t>(s.m * s.n), 0.0);
  // Each panel's dot product is a chain of at most kb binary32 roundings (fewer per lane with
  // binary16), and the panels' sums add `panels` more: |error| <= (k + panels) 2^-24 sum |a b|,
  // doubled for room.
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double sum = 0, magnitude = 0;
      for (int64_t q = 0; q < s.k; ++q) {
        const double prod = double(a[i * s.k + q]) * double(b[q * s.n + j]);
        sum += prod;
        magnitude += std::fabs(prod);
      }
      p.reference[i * s.n + j] = sum;
      p.tolerance[i * s.n + j] = 2.0 * double(s.k + panels) * std::ldexp(1.0, -24) * magnitude + 1e-30;
    }
  }

  // A's rows and B's columns go in panel by panel, a row (a column) of each panel after
  // another: each piece is a segment of A, or of B transposed (B's column j is its row j). In
  // binary16 a wavelet carries two elements, low half first.
  const plan::DType dtype = es == 4 ? plan::DType::kFp32 : plan::DType::kFp16;
  std::vector<float> bt(b.size());
  for (int64_t q = 0; q < s.k; ++q) {
    for (int64_t j = 0; j < s.n; ++j) bt[j * s.k + q] = b[q * s.n + j];
  }
  p.tensors["A"] = plan::Tensor{{s.m, s.k}, dtype, std::move(a)};
  p.tensors["Bt"] = plan::Tensor{{s.n, s.k}, dtype, std::move(bt)};
  plan::Port in_a{"A", dtype, static_cast<size_t>(s.m * s.k), {}, {}, es == 2};
  plan::Port in_b{"Bt", dtype, static_cast<size_t>(s.n * s.k), {}, {}, es == 2};
  plan::Port out{"C", plan::DType::kFp32, static_cast<size_t>(s.m * s.n), {}, {}};
  auto panel_pieces = [&](plan::Port& port, int x, int y, noc::Dir side, int color, int64_t first, int64_t count) {
    for (int64_t k0 = 0; k0 < s.k; k0 += *kb) {
      const int64_t kp = std::min(*kb, s.k - k0);
      for (int64_t i = first; i < first + count; ++i) {
        port.streams.push_back({x, y, side, color, static_cast<size_t>(i * s.k + k0), static_cast<size_t>(kp)});
      }
    }
  };

  // The first panel is kb wide (all of k when it is the only one), then the middle ones, then
  // the last with what is left.
  const int64_t middle = std::max<int64_t>(panels - 2, 0), klast = panels > 1 ? s.k - (panels - 1) * *kb : 0;
  for (int r = 0; r < ph; ++r) {
    const int64_t rows = Share(s.m, ph, r), row0 = Start(s.m, ph, r);
    for (int c = 0; c < pw; ++c) {
      const int64_t cols = Share(s.n, pw, c), col0 = Start(s.n, pw, c);
      const TileLayout l = Layout(rows, cols, *kb, es);
      plan::PlanTile t;
      t.x = c;
      t.y = r;
      t.role = "compute";
      t.program = {"kernels/gemm_tile.s",
                   {{"ROWS", rows}, {"COLS", cols}, {"CADDR", l.c_addr}, {"AADDR", l.a_addr}, {"BADDR", l.b_addr},
                    {"PANEL_ROW", l.row_bytes}, {"DT", es * 8}, {"KB", *kb}, {"MIDDLE", middle}, {"KLAST", klast}, {"COLOR_A", kColorA}, {"COLOR_B", kColorB}, {"FIRST", c == 0},
                    {"WEST_COLS", col0}, {"COLOR_WEST", c > 0 ? OutColor(c - 1) : 0}, {"COLOR_EAST", OutColor(c)},
                    {"STAMPS", kStampsAddr}}};
      t.routes.push_back({kColorA, kPortWest, kPortCore | (c + 1 < pw ? kPortEast : 0)});
      t.routes.push_back({kColorB, kPortNorth, kPortCore | (r + 1 < ph ? kPortSouth : 0)});
      if (c > 0) t.routes.push_back({OutColor(c - 1), kPortWest, kPortCore});
      t.routes.push_back({OutColor(c), kPortCore, kPortEast});
      p.tiles.push_back(std::move(t));
      p.stamped_tiles.emplace_back(c, r);
    }
    out.streams.push_back({pw - 1, r, noc::Dir::East, OutColor(pw - 1), static_cast<size_t>(row0 * s.n),
                           static_cast<size_t>(rows * s.n)});
    panel_pieces(in_a, 0, r, noc::Dir::West, kColorA, row0, rows);
  }
  for (int c = 0; c < pw; ++c) {
    panel_pieces(in_b, c, 0, noc::Dir::North, kColorB, Start(s.n, pw, c), Share(s.n, pw, c));
  }
  p.inputs.push_back(std::move(in_a));
  p.inputs.push_back(std::move(in_b));
  p.outputs.push_back(std::move(out));

  p.cost.flops = 2.0 * double(s.m) * double(s.n) * double(s.k);
  const double lanes = es == 4 ? 1.0 : double(fabric.simd_width);
  p.cost.macs_per_tile_cycle = lanes;
  p.cost.compute_bound_cycles = double(s.m) * double(s.n) * double(s.k) / (double(pw) * ph * lanes);
  // The busiest edge link: a row's A in, a column's B in, or a row of blocks of C out.
  const double row_words =
      double(panels - 1) * double(PanelWords(*kb, es)) + double(PanelWords(s.k - (panels - 1) * *kb, es));
  const double a_words = double(max_rows) * row_words, b_words = double(max_cols) * row_words;
  p.cost.io_bound_cycles = std::max({a_words, b_words, double(max_rows) * double(s.n)}) / fabric.edge_wavelets_per_cycle;
  p.cost.estimated_cycles = GemmCycles(max_rows, max_cols, s.n, s.k, *kb, pw, ph, es == 4 ? 1 : fabric.simd_width);
  p.parameters = {{"m", s.m},           {"n", s.n},         {"k", s.k},
                  {"dtype", req.dtype}, {"panel_k", *kb},   {"panels", panels},
                  {"region", fmt::format("{}x{}", pw, ph)}, {"seed", req.seed}};
  return p;
}

KernelMapping MapGemm(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::Lower(BuildGemmPlan(req, fabric), fabric);
}

}  // namespace wafersim::runtime
