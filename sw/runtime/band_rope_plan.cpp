#include "runtime/band_rope_plan.h"

#include <cmath>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "runtime/mapping_util.h"
#include "runtime/rope_mapper.h"

namespace wafersim::runtime {

namespace {

constexpr int kColorIn = 7;               // the slice, from the west (the chain renumbers it)
constexpr int kColorQ = 0, kColorKv = 6;  // as the attention decode plan takes q and kv_new
constexpr uint32_t kStampsAddr = 0;       // two stamps: received, sent

struct Layout {
  uint32_t x, cs, t1, t2;
  uint64_t end;
};
Layout MakeLayout(int64_t elements, int head_dim) {
  Layout l;
  l.x = 32;
  const uint64_t table = Align64(l.x + 4 * static_cast<uint64_t>(elements), 32) + 8;
  const uint64_t t1 = Align64(table + 4 * static_cast<uint64_t>(head_dim), 32) + 4;
  const uint64_t t2 = Align64(t1 + 2 * static_cast<uint64_t>(head_dim), 32) + 12;
  l.end = t2 + 2 * static_cast<uint64_t>(head_dim);
  l.cs = static_cast<uint32_t>(table);
  l.t1 = static_cast<uint32_t>(t1);
  l.t2 = static_cast<uint32_t>(t2);
  return l;
}

}  // namespace

plan::Plan BuildBandRopePlan(const BandRopeShape& s, const fabric::FabricConfig& fabric) {
  if (s.bands < 1 || s.q_heads < 0 || s.kv_groups < 0 || s.q_heads + s.kv_groups < 1) {
    throw std::invalid_argument(fmt::format("band rope: {} bands of {} query heads and {} kv groups", s.bands,
                                            s.q_heads, s.kv_groups));
  }
  if (s.head_dim < 2 || s.head_dim % 2 != 0) {
    throw std::invalid_argument(fmt::format("--head-dim: {} must be even for RoPE", s.head_dim));
  }
  if (fabric.colors < 8) {
    throw std::invalid_argument(fmt::format("router.colors: the band RoPE needs 8 colors, the fabric has {}",
                                            fabric.colors));
  }
  if (s.bands > fabric.height) {
    throw std::invalid_argument(fmt::format("band rope: {} bands do not fit the mesh's {} rows", s.bands,
                                            fabric.height));
  }
  const int64_t slice = BandSliceElements(s), hd = s.head_dim, half = hd / 2;
  const Layout l = MakeLayout(slice, s.head_dim);
  if (l.end > static_cast<uint64_t>(fabric.sram_bytes) || slice > kMaxDescriptorLength) {
    throw std::invalid_argument(fmt::format(
        "band rope: a band's slice of {} elements needs {} bytes of SRAM (and a descriptor of at most {}), a tile has {}",
        slice, l.end, kMaxDescriptorLength, fabric.sram_bytes));
  }

  plan::Plan p;
  p.kernel = "band_rope";
  p.region = {0, 0, 1, s.bands};
  p.phases = {"receive", "rotate_send"};
  p.stamps_addr = kStampsAddr;
  p.description = fmt::format("RoPE of {} bands ({} query heads and {} K rows each, x {}) at position {}", s.bands,
                              s.q_heads, s.kv_groups, hd, s.position);
  p.sram_bytes_per_tile = static_cast<uint32_t>(l.end);

  // The table: cos and sin of each pair's angle at the position, interleaved, rounded once.
  std::vector<double> cosine(static_cast<size_t>(half)), sine(static_cast<size_t>(half));
  std::vector<float> cs(static_cast<size_t>(hd));
  for (int64_t i = 0; i < half; ++i) {
    const double a = RopeAngle(s.position, i, hd, s.base);
    cosine[i] = std::cos(a);
    sine[i] = std::sin(a);
    cs[2 * i] = static_cast<float>(cosine[i]);
    cs[2 * i + 1] = static_cast<float>(sine[i]);
  }
  p.tensors["cs"] = plan::Tensor{{hd}, plan::DType::kFp32, cs};

  std::mt19937_64 rng(s.seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(slice * s.bands));
  for (auto& v : x) v = dist(rng);
  p.tensors["x"] = plan::Tensor{{int64_t{s.bands}, slice}, plan::DType::kFp32, x};

  // The reference for a run alone: the outputs q (every band's queries) then kv.
  const int64_t q_per_band = int64_t{s.q_heads} * hd, kv_per_band = 2 * int64_t{s.kv_groups} * hd;
  std::vector<double> q_ref, q_tol, kv_ref, kv_tol;
  auto rotate = [&](const float* v, std::vector<double>& ref, std::vector<double>& tol) {
    for (int64_t i = 0; i < half; ++i) {
      const double xe = v[2 * i], xo = v[2 * i + 1], c = cosine[i], sn = sine[i];
      ref.push_back(xe * c - xo * sn);
      ref.push_back(xe * sn + xo * c);
      // As rope_mapper: cos and sin rounded, each product and the sum rounded.
      tol.push_back(1.01 * (2 * kU * (std::fabs(xe * c) + std::fabs(xo * sn)) + kU * std::fabs(ref[ref.size() - 2])) +
                    0x1p-148);
      tol.push_back(1.01 * (2 * kU * (std::fabs(xe * sn) + std::fabs(xo * c)) + kU * std::fabs(ref.back())) + 0x1p-148);
    }
  };
  for (int b = 0; b < s.bands; ++b) {
    const float* band = &x[static_cast<size_t>(b * slice)];
    for (int h = 0; h < s.q_heads; ++h) rotate(band + h * hd, q_ref, q_tol);
    for (int g = 0; g < s.kv_groups; ++g) {
      rotate(band + q_per_band + 2 * g * hd, kv_ref, kv_tol);
      for (int64_t e = 0; e < hd; ++e) {
        kv_ref.push_back(band[q_per_band + (2 * g + 1) * hd + e]);
        kv_tol.push_back(0);
      }
    }
  }
  p.reference = q_ref;
  p.reference.insert(p.reference.end(), kv_ref.begin(), kv_ref.end());
  p.tolerance = q_tol;
  p.tolerance.insert(p.tolerance.end(), kv_tol.begin(), kv_tol.end());

  plan::Port in{"x", plan::DType::kFp32, static_cast<size_t>(slice * s.bands), {}, {}};
  plan::Port q{"q", plan::DType::kFp32, static_cast<size_t>(q_per_band * s.bands), {}, {}};
  plan::Port kv{"kv", plan::DType::kFp32, static_cast<size_t>(kv_per_band * s.bands), {}, {}};
  for (int b = 0; b < s.bands; ++b) {
    plan::PlanTile t;
    t.x = 0;
    t.y = b;
    t.role = "rope";
    t.program = {"kernels/rope_band_tile.s",
                 {{"QHEADS", s.q_heads}, {"KHEADS", s.kv_groups}, {"HD", hd}, {"XADDR", l.x}, {"CSADDR", l.cs},
                  {"T1ADDR", l.t1}, {"T2ADDR", l.t2}, {"COLOR_IN", kColorIn}, {"COLOR_Q", kColorQ},
                  {"COLOR_KV", kColorKv}, {"STAMPS", kStampsAddr}}};
    t.routes.push_back({kColorIn, kPortWest, kPortCore});
    if (s.q_heads > 0) t.routes.push_back({kColorQ, kPortCore, kPortEast});
    if (s.kv_groups > 0) t.routes.push_back({kColorKv, kPortCore, kPortEast});
    t.shards.push_back({"cs", l.cs, 0, 1, 0, hd, 0});
    p.tiles.push_back(std::move(t));
    p.stamped_tiles.emplace_back(0, b);
    in.streams.push_back({0, b, noc::Dir::West, kColorIn, static_cast<size_t>(b * slice), static_cast<size_t>(slice)});
    if (s.q_heads > 0) {
      q.streams.push_back({0, b, noc::Dir::East, kColorQ, static_cast<size_t>(b * q_per_band),
                           static_cast<size_t>(q_per_band)});
    }
    if (s.kv_groups > 0) {
      kv.streams.push_back({0, b, noc::Dir::East, kColorKv, static_cast<size_t>(b * kv_per_band),
                            static_cast<size_t>(kv_per_band)});
    }
  }
  p.inputs.push_back(std::move(in));
  p.outputs.push_back(std::move(q));
  p.outputs.push_back(std::move(kv));

  // A word a cycle in, the six passes per rotated head (3 cycles a pair each, with set-up), a
  // word a cycle out.
  const double rotated = double(s.q_heads + s.kv_groups);
  p.cost.estimated_cycles = 2.0 * double(slice) + rotated * (3.0 * double(hd) + 40) + 40;
  p.cost.compute_bound_cycles = rotated * 3.0 * double(hd);
  p.cost.flops = 6.0 * rotated * double(half) * s.bands;
  p.parameters = {{"bands", s.bands}, {"q_heads", s.q_heads}, {"kv_groups", s.kv_groups}, {"head_dim", hd},
                  {"position", s.position}};
  return p;
}

}  // namespace wafersim::runtime
