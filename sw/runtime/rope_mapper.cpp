#include "runtime/rope_mapper.h"

#include <fmt/format.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "plan/plan_lowering.h"
#include "runtime/mapping_util.h"
#include "runtime/vector_cost.h"
#include "runtime/vector_split.h"

namespace wafersim::runtime {

namespace {

constexpr uint32_t kStampsAddr = 0;

// Every operand is read with stride 2, so element i of an array whose first word is in bank b
// is in bank b + 2i (8 banks): two operands of a step meet only when their b are equal, and
// the write two steps behind meets a read only when its b is the read's plus 4. x_e in bank 0
// (x_o 1), cos 2 and sin 3 interleaved, the scratch in bank 2 (one word in two) keep all six
// passes clear (docs/mapping.md, rope).
struct Layout {
  uint32_t x_addr, cs_addr, t_addr;
  uint64_t end;  // 64 bits: a piece too large for any tile still says how large
};
Layout MakeLayout(int64_t pairs) {
  const uint32_t bytes = 8 * static_cast<uint32_t>(pairs);
  Layout l;
  l.x_addr = 32;
  l.cs_addr = Align(l.x_addr + bytes, 32) + 8;
  l.t_addr = Align(l.cs_addr + bytes, 32) + 8;
  const uint64_t b = 8 * static_cast<uint64_t>(pairs);
  l.end = Align64(Align64(l.x_addr + b, 32) + 8 + b, 32) + 8 + b - 4;
  return l;
}

// The flags' own rules; the vector kernels' shared ones (tokens, dtype) follow with the row
// width standing for --d-model, which rope does not take.
int64_t CheckRopeRequest(const KernelRequest& req) {
  if (req.heads < 1) throw std::invalid_argument(fmt::format("--heads: {} must be at least 1", req.heads));
  if (req.kv_heads < 0 || req.kv_heads > req.heads) {
    throw std::invalid_argument(fmt::format("--kv-heads: {} must be in 0..{} (--heads; 0: as many as --heads)",
                                            req.kv_heads, req.heads));
  }
  if (req.head_dim < 2 || req.head_dim > 4096 || req.head_dim % 2 != 0) {
    throw std::invalid_argument(
        fmt::format("--head-dim: {} must be even and in 2..4096 (rope turns pairs of elements)", req.head_dim));
  }
  const int64_t vectors = int64_t{req.heads} + (req.kv_heads > 0 ? req.kv_heads : req.heads);
  const int64_t width = vectors * req.head_dim;
  if (width > 1'000'000) {
    throw std::invalid_argument(fmt::format(
        "--heads, --kv-heads, --head-dim: {} head vectors x {} = {} elements a token, more than 1,000,000", vectors,
        req.head_dim, width));
  }
  KernelRequest as_vector = req;
  as_vector.d_model = static_cast<int>(width);
  CheckVectorRequest(as_vector, "rope");
  if (req.batch < 1 || req.tokens % req.batch != 0) {
    throw std::invalid_argument(fmt::format(
        "--batch: {} must be at least 1 and divide --tokens {} (each sequence's tokens sit at consecutive positions)",
        req.batch, req.tokens));
  }
  if (req.context < 0 || req.context > 10'000'000) {
    throw std::invalid_argument(fmt::format("--context: {} must be in 0..10,000,000", req.context));
  }
  if (req.rope_base != 0 && (!(req.rope_base > 1) || !std::isfinite(req.rope_base))) {
    throw std::invalid_argument(fmt::format("--rope-base: {} must be a finite number above 1", req.rope_base));
  }
  return vectors;
}

}  // namespace

int64_t RopePosition(int64_t token, int64_t tokens, int64_t sequences, int64_t first_position) {
  return first_position + token % (tokens / sequences);
}

double RopeAngle(int64_t position, int64_t i, int64_t head_dim, double base) {
  return double(position) * std::pow(base, -2.0 * double(i) / double(head_dim));
}

plan::Plan BuildRopePlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  const int64_t vectors = CheckRopeRequest(req);
  const double base = req.rope_base > 0 ? req.rope_base : 10000.0;  // the RoPE paper's
  const int64_t T = req.tokens, D = req.head_dim, W = vectors * D, half = D / 2;
  const int64_t total = T * W / 2;  // pairs
  const FlatSplit split = SplitFlat(req, fabric, total, [](int64_t pairs) { return MakeLayout(pairs).end; });
  const int pw = split.width, ph = split.height;
  const int64_t max_pairs = split.max_elements;
  const Layout worst = MakeLayout(max_pairs);
  const std::string heads = fmt::format("({} + {}) heads", req.heads, vectors - req.heads);
  const std::string shape = fmt::format("rope {} tokens x {} x {}", T, heads, D);
  if (worst.end > static_cast<uint32_t>(fabric.sram_bytes)) {
    throw std::invalid_argument(fmt::format(
        "{} does not fit a {}x{} region: tile (0,0) needs {} bytes of SRAM (x {} pairs of binary32: {} bytes; cos "
        "and sin: {} bytes; scratch, one word in two: {} bytes; cycle stamps 32 bytes) but has {}; use a larger "
        "--mesh or --region, or --fit",
        shape, pw, ph, worst.end, max_pairs, 8 * max_pairs, 8 * max_pairs, 8 * max_pairs - 4, fabric.sram_bytes));
  }
  if (max_pairs > kMaxDescriptorLength) {
    throw std::invalid_argument(fmt::format(
        "{} on a {}x{} region: tile (0,0) would take {} pairs, more than a descriptor's {} elements; use a larger "
        "--mesh or --region",
        shape, pw, ph, max_pairs, kMaxDescriptorLength));
  }

  const int64_t per_sequence = T / req.batch;
  plan::Plan p;
  p.kernel = "rope";
  p.region = {0, 0, pw, ph};
  p.phases = {"rotate"};
  p.stamps_addr = kStampsAddr;
  p.description = fmt::format(
      "rotary embedding, interleaved pairs, base {:g}: {} tokens x {} x {} binary32 at positions {}..{}{}, on a {}x{} "
      "region of the {}x{} mesh",
      base, T, heads, D, req.context, req.context + per_sequence - 1,
      req.batch > 1 ? fmt::format(" ({} sequences)", req.batch) : "", pw, ph, fabric.width, fabric.height);
  p.sram_bytes_per_tile = static_cast<uint32_t>(worst.end);

  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(T * W));
  for (auto& v : x) v = dist(rng);
  CheckInputNames(req, {"x"});
  TakeInput(req, "x", x);
  // The tables the tiles get: cos and sin of each pair's angle, interleaved, rounded once.
  std::vector<float> cs(x.size());
  // Error bound: cos and sin rounded to binary32 (u each), each product rounded (u), the sum
  // or difference rounded (u of y): 2u (|x_e cos| + |x_o sin|) + u |y|, times 1.01 for the
  // second-order terms; 2^-148 for products and sums below 2^-126.
  p.reference.resize(x.size());
  p.tolerance.resize(x.size());
  for (int64_t t = 0; t < T; ++t) {
    const int64_t position = RopePosition(t, T, req.batch, req.context);
    std::vector<double> cosine(static_cast<size_t>(half)), sine(static_cast<size_t>(half));
    for (int64_t i = 0; i < half; ++i) {
      const double a = RopeAngle(position, i, D, base);
      cosine[i] = std::cos(a);
      sine[i] = std::sin(a);
    }
    for (int64_t h = 0; h < vectors; ++h) {
      for (int64_t i = 0; i < half; ++i) {
        const size_t e = static_cast<size_t>(t * W + h * D + 2 * i), o = e + 1;
        const double c = cosine[i], s = sine[i], xe = x[e], xo = x[o];
        cs[e] = static_cast<float>(c);
        cs[o] = static_cast<float>(s);
        p.reference[e] = xe * c - xo * s;
        p.reference[o] = xe * s + xo * c;
        const double terms = std::fabs(xe * c) + std::fabs(xo * s), cross = std::fabs(xe * s) + std::fabs(xo * c);
        p.tolerance[e] = 1.01 * (2 * kU * terms + kU * std::fabs(p.reference[e])) + 0x1p-148;
        p.tolerance[o] = 1.01 * (2 * kU * cross + kU * std::fabs(p.reference[o])) + 0x1p-148;
      }
    }
  }

  p.tensors["x"] = plan::Tensor{{T * W}, plan::DType::kFp32, x};

  plan::Port out{"y", plan::DType::kFp32, x.size(), {}, {}};
  for (int r = 0; r < ph; ++r) {
    for (int c = 0; c < pw; ++c) {
      const int64_t tile = int64_t{r} * pw + c, m = Share(total, int64_t{pw} * ph, tile);
      const int64_t at = 2 * Start(total, int64_t{pw} * ph, tile), n = 2 * m;
      const Layout l = MakeLayout(m);
      plan::PlanTile t;
      t.x = c;
      t.y = r;
      t.role = "compute";
      t.program = {"kernels/rope_tile.s",
                   {{"M", m}, {"XADDR", l.x_addr}, {"CSADDR", l.cs_addr}, {"TADDR", l.t_addr}, {"STAMPS", kStampsAddr}}};
      t.shards.push_back({"x", l.x_addr, 0, 1, at, n, 0});
      // The table is the host's, a copy of each position's cos and sin per head vector.
      t.raw.push_back(
          {l.cs_addr, Float32Segment(l.cs_addr, std::vector<float>(cs.begin() + at, cs.begin() + at + n)).bytes});
      out.sram.push_back({c, r, l.x_addr, static_cast<size_t>(at), static_cast<size_t>(n)});
      p.tiles.push_back(std::move(t));
      p.stamped_tiles.emplace_back(c, r);
    }
  }
  p.outputs.push_back(std::move(out));

  // Four products and two sums a pair, each a tensor pass at one element per tile per cycle
  // (the PE has no vector-times-vector multiply-add); nothing crosses the edge.
  p.cost.flops = 6.0 * double(total);
  p.cost.compute_bound_cycles = 6.0 * double(max_pairs);
  p.cost.estimated_cycles = RopeCycles(max_pairs);
  p.cost.macs_per_tile_cycle = 1;
  p.cost.io_bound_cycles = 0;
  p.parameters = {{"tokens", T},
                  {"heads", req.heads},
                  {"kv_heads", vectors - req.heads},
                  {"head_dim", D},
                  {"batch", req.batch},
                  {"first_position", req.context},
                  {"rope_base", base},
                  {"convention", "interleaved"},
                  {"region", fmt::format("{}x{}", pw, ph)},
                  {"seed", req.seed}};
  return p;
}

KernelMapping MapRope(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::Lower(BuildRopePlan(req, fabric), fabric);
}

}  // namespace wafersim::runtime
