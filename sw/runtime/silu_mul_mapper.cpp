#include "runtime/silu_mul_mapper.h"

#include <fmt/format.h>

#include <cmath>
#include <random>
#include <stdexcept>

#include "plan/plan_lowering.h"
#include "runtime/mapping_util.h"
#include "runtime/rmsnorm_mapper.h"
#include "runtime/vector_cost.h"
#include "runtime/vector_split.h"

namespace wafersim::runtime {

namespace {

constexpr uint32_t kStampsAddr = 0;  // two cycle stamps: sigmoids done, products done
// Streamed (chained): each tile's g and u arrive from the west on one color, y leaves east on another.
constexpr int kColorIn = 0, kColorOut = 1;

// g from byte 32, u one bank on, the sigmoids five banks on: a product's two reads in a step
// never want the same bank, nor does the write of an element a few steps back (with the
// sigmoids two banks on, 0.5% of the cycles waited). y is written over the sigmoids.
struct Layout {
  uint32_t g_addr, u_addr, s_addr;
  uint64_t end;  // 64 bits: a piece too large for any tile still says how large
};
Layout MakeLayout(int64_t elements) {
  const uint32_t bytes = 4 * static_cast<uint32_t>(elements);
  Layout l;
  l.g_addr = 32;
  l.u_addr = Align(l.g_addr + bytes, 32) + 4;
  l.s_addr = Align(l.u_addr + bytes, 32) + 20;
  const uint64_t b = 4 * static_cast<uint64_t>(elements);
  l.end = Align64(Align64(l.g_addr + b, 32) + 4 + b, 32) + 20 + b;
  return l;
}

}  // namespace

plan::Plan BuildSiluMulPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  CheckVectorRequest(req, "silu_mul");
  const int64_t d = req.d_model, T = req.tokens;
  const int64_t total = T * d;
  const FlatSplit split = SplitFlat(req, fabric, total, [](int64_t e) { return MakeLayout(e).end; });
  const int pw = split.width, ph = split.height;
  const int64_t max_elems = split.max_elements;
  auto worst = [&] { return MakeLayout(max_elems); };
  const bool stream = req.stream_ports;
  if (stream && pw > 1) {
    throw std::invalid_argument(fmt::format(
        "--region: silu_mul with streamed g, u and y takes one region column, a tile per row of its producer ({} asked)",
        pw));
  }
  if (stream && fabric.colors < 2) {
    throw std::invalid_argument(
        fmt::format("router.colors: silu_mul with streamed ports needs 2 colors, the fabric has {}", fabric.colors));
  }
  if (worst().end > static_cast<uint32_t>(fabric.sram_bytes)) {
    throw std::invalid_argument(fmt::format(
        "silu_mul {} tokens x {} does not fit a {}x{} region: tile (0,0) needs {} bytes of SRAM (gate, up and the "
        "sigmoids, {} binary32 elements each: {} bytes; cycle stamps 32 bytes) but has {}; use a larger --mesh or "
        "--region, or --fit",
        T, d, pw, ph, worst().end, max_elems, 12 * max_elems, fabric.sram_bytes));
  }

  plan::Plan p;
  p.kernel = "silu_mul";
  p.region = {0, 0, pw, ph};
  p.phases = {"sigmoid", "multiply"};
  p.stamps_addr = kStampsAddr;
  p.description = fmt::format("y = silu(g) * u, {} tokens x {} binary32, on a {}x{} region of the {}x{} mesh{}", T, d,
                              pw, ph, fabric.width, fabric.height,
                              stream ? " (each tile's g then u from the west, y to the east)" : "");
  p.sram_bytes_per_tile = static_cast<uint32_t>(worst().end);

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
  p.reference.resize(static_cast<size_t>(total));
  p.tolerance.resize(static_cast<size_t>(total));
  for (size_t i = 0; i < p.reference.size(); ++i) {
    const double gi = g[i], ui = u[i];
    p.reference[i] = gi / (1.0 + std::exp(-gi)) * ui;
    p.tolerance[i] = rel * std::fabs(p.reference[i]) + std::fabs(gi * ui) * 0x1p-125 + 0x1p-148;
  }
  // Streamed, g and u travel as one port, "gu": each tile's piece of g, then the same piece of u.
  std::vector<float> gu;
  if (stream) {
    gu.reserve(static_cast<size_t>(2 * total));
    for (int r = 0; r < ph; ++r) {
      const auto at = static_cast<size_t>(Start(total, ph, r)), n = static_cast<size_t>(Share(total, ph, r));
      gu.insert(gu.end(), g.begin() + static_cast<ptrdiff_t>(at), g.begin() + static_cast<ptrdiff_t>(at + n));
      gu.insert(gu.end(), u.begin() + static_cast<ptrdiff_t>(at), u.begin() + static_cast<ptrdiff_t>(at + n));
    }
    p.tensors["gu"] = plan::Tensor{{2 * total}, plan::DType::kFp32, std::move(gu)};
  } else {
    p.tensors["g"] = plan::Tensor{{total}, plan::DType::kFp32, std::move(g)};
    p.tensors["u"] = plan::Tensor{{total}, plan::DType::kFp32, std::move(u)};
  }

  plan::Port in{"gu", plan::DType::kFp32, static_cast<size_t>(2 * total), {}, {}};
  plan::Port out{"y", plan::DType::kFp32, static_cast<size_t>(total), {}, {}};
  for (int r = 0; r < ph; ++r) {
    for (int c = 0; c < pw; ++c) {
      const int64_t tile = int64_t{r} * pw + c, n = Share(total, int64_t{pw} * ph, tile);
      const int64_t at = Start(total, int64_t{pw} * ph, tile);
      const Layout l = MakeLayout(n);
      plan::PlanTile t;
      t.x = c;
      t.y = r;
      t.role = "compute";
      t.program = {"kernels/silu_mul_tile.s",
                   {{"N", n}, {"GADDR", l.g_addr}, {"UADDR", l.u_addr}, {"SADDR", l.s_addr}, {"STAMPS", kStampsAddr},
                    {"STREAM", stream}, {"COLOR_IN", kColorIn}, {"COLOR_OUT", kColorOut}}};
      if (stream) {
        t.routes.push_back({kColorIn, kPortWest, kPortCore});
        t.routes.push_back({kColorOut, kPortCore, kPortEast});
        in.streams.push_back({c, r, noc::Dir::West, kColorIn, static_cast<size_t>(2 * at), static_cast<size_t>(2 * n)});
        out.streams.push_back({c, r, noc::Dir::East, kColorOut, static_cast<size_t>(at), static_cast<size_t>(n)});
      } else {
        t.shards.push_back({"g", l.g_addr, 0, 1, at, n, 0});
        t.shards.push_back({"u", l.u_addr, 0, 1, at, n, 0});
        out.sram.push_back({c, r, l.s_addr, static_cast<size_t>(at), static_cast<size_t>(n)});
      }
      p.tiles.push_back(std::move(t));
      p.stamped_tiles.emplace_back(c, r);
    }
  }
  if (stream) p.inputs.push_back(std::move(in));
  p.outputs.push_back(std::move(out));

  // The bound counts the two tensor products at one element per tile per cycle; the scalar
  // sigmoid (about 60 instructions an element) is what this mapping adds on top.
  p.cost.flops = 2.0 * double(T) * double(d);
  p.cost.compute_bound_cycles = 2.0 * double(max_elems);
  // Streamed, the piece's 2n words come in and its n go out at a word a cycle on top.
  p.cost.estimated_cycles = SiluMulCycles(max_elems) + (stream ? 3.0 * double(max_elems) : 0.0);
  p.cost.macs_per_tile_cycle = 1;
  p.cost.io_bound_cycles = stream ? 3.0 * double(max_elems) / fabric.edge_wavelets_per_cycle : 0;
  p.parameters = {{"d_model", d}, {"tokens", T}, {"region", fmt::format("{}x{}", pw, ph)}, {"seed", req.seed}};
  return p;
}

KernelMapping MapSiluMul(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::Lower(BuildSiluMulPlan(req, fabric), fabric);
}

}  // namespace wafersim::runtime
