#include "runtime/residual_mapper.h"

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

constexpr uint32_t kStampsAddr = 0;
// Streamed (chained) x arrives from the north, r from the south.
constexpr int kColorX = 0, kColorR = 1, kColorY = 2, kColorY2 = 3;  // streamed (chained) x, r, y and y2


// x from byte 32, r one bank on from the next bank row (so a step's two reads never want the
// same bank); the sum overwrites x.
struct Layout {
  uint32_t x_addr, r_addr;
  uint64_t end;  // 64 bits: a piece too large for any tile still says how large
};
Layout MakeLayout(int64_t elements) {
  Layout l;
  l.x_addr = 32;
  l.r_addr = Align(l.x_addr + 4 * static_cast<uint32_t>(elements), 32) + 4;
  const uint64_t bytes = 4 * static_cast<uint64_t>(elements);
  l.end = Align64(l.x_addr + bytes, 32) + 4 + bytes;
  return l;
}


}  // namespace

plan::Plan BuildResidualPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return BuildChainedResidualPlan(req, fabric, {});
}

plan::Plan BuildChainedResidualPlan(const KernelRequest& req, const fabric::FabricConfig& fabric,
                                    const ResidualStreams& streams) {
  CheckVectorRequest(req, "residual");
  const bool stream = req.stream_ports;
  if (stream && fabric.colors < (streams.second_y ? 4 : 3)) {
    throw std::invalid_argument(
        fmt::format("router.colors: residual with streamed x, r and y needs {} colors, the fabric has {}",
                    streams.second_y ? 4 : 3, fabric.colors));
  }
  const int64_t d = req.d_model, T = req.tokens;
  const int64_t total = T * d;
  const FlatSplit split = SplitFlat(req, fabric, total, [](int64_t e) { return MakeLayout(e).end; });
  const int pw = split.width, ph = split.height;
  const int64_t max_elems = split.max_elements;
  auto worst = [&] { return MakeLayout(max_elems); };
  if (stream && ph > 1) {
    throw std::invalid_argument(fmt::format("--region: residual with streamed x and r takes one region row ({} asked)", ph));
  }
  if (worst().end > static_cast<uint32_t>(fabric.sram_bytes)) {
    throw std::invalid_argument(fmt::format(
        "residual {} tokens x {} does not fit a {}x{} region: tile (0,0) needs {} bytes of SRAM (x and r, {} binary32 "
        "elements each: {} bytes; cycle stamps 32 bytes) but has {}; use a larger --mesh or --region, or --fit",
        T, d, pw, ph, worst().end, max_elems, 8 * max_elems, fabric.sram_bytes));
  }

  plan::Plan p;
  p.kernel = "residual";
  p.region = {0, 0, pw, ph};
  p.phases = {"add"};
  p.stamps_addr = kStampsAddr;
  p.description = fmt::format("y = x + r, {} tokens x {} binary32, on a {}x{} region of the {}x{} mesh{}", T, d, pw, ph,
                              fabric.width, fabric.height, stream ? " (r from the south, then x from the north; y to the south)" : "");
  p.sram_bytes_per_tile = static_cast<uint32_t>(worst().end);

  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(T * d)), res(static_cast<size_t>(T * d));
  for (auto& v : x) v = dist(rng);
  for (auto& v : res) v = dist(rng);
  CheckInputNames(req, {"x", "r"});
  TakeInput(req, "x", x);
  TakeInput(req, "r", res);
  // One rounding of the exact sum: at most u of it (half an ulp of a subnormal below 2^-126).
  p.reference.resize(static_cast<size_t>(total));
  p.tolerance.resize(static_cast<size_t>(total));
  for (size_t i = 0; i < p.reference.size(); ++i) {
    p.reference[i] = double(x[i]) + double(res[i]);
    p.tolerance[i] = kU * std::fabs(p.reference[i]) + 0x1p-150;
  }
  p.tensors["x"] = plan::Tensor{{total}, plan::DType::kFp32, x};
  p.tensors["r"] = plan::Tensor{{total}, plan::DType::kFp32, res};

  plan::Port in_x{"x", plan::DType::kFp32, static_cast<size_t>(total), {}, {}};
  plan::Port in_r{"r", plan::DType::kFp32, static_cast<size_t>(total), {}, {}};
  plan::Port out{"y", plan::DType::kFp32, static_cast<size_t>(total), {}, {}};
  plan::Port out2{"y2", plan::DType::kFp32, static_cast<size_t>(total), {}, {}};
  for (int r = 0; r < ph; ++r) {
    for (int c = 0; c < pw; ++c) {
      const int64_t tile = int64_t{r} * pw + c, n = Share(total, int64_t{pw} * ph, tile);
      const auto at = Start(total, int64_t{pw} * ph, tile);
      const Layout l = MakeLayout(n);
      plan::PlanTile t;
      t.x = c;
      t.y = r;
      t.role = "compute";
      t.program = {"kernels/residual_tile.s",
                   {{"N", n}, {"XADDR", l.x_addr}, {"RADDR", l.r_addr}, {"STAMPS", kStampsAddr},
                    {"STREAM_X", stream}, {"COLOR_X", kColorX}, {"STREAM_R", stream}, {"COLOR_R", kColorR},
                    {"STREAM_Y", stream}, {"COLOR_Y", kColorY}, {"STREAM_Y2", stream && streams.second_y},
                    {"COLOR_Y2", kColorY2}}};
      if (stream) {
        t.routes.push_back({kColorX, kPortNorth, kPortCore});
        const noc::Dir r_side = streams.r_from_north ? noc::Dir::North : noc::Dir::South;
        t.routes.push_back({kColorR, noc::PortBit(r_side), kPortCore});
        in_x.streams.push_back({c, r, noc::Dir::North, kColorX, static_cast<size_t>(at), static_cast<size_t>(n)});
        in_r.streams.push_back({c, r, r_side, kColorR, static_cast<size_t>(at), static_cast<size_t>(n)});
        t.routes.push_back({kColorY, kPortCore, kPortSouth});
        out.streams.push_back({c, r, noc::Dir::South, kColorY, static_cast<size_t>(at), static_cast<size_t>(n)});
        if (streams.second_y) {
          t.routes.push_back({kColorY2, kPortCore, kPortSouth});
          out2.streams.push_back({c, r, noc::Dir::South, kColorY2, static_cast<size_t>(at), static_cast<size_t>(n)});
        }
      } else {
        t.shards.push_back({"x", l.x_addr, 0, 1, at, n, 0});
        t.shards.push_back({"r", l.r_addr, 0, 1, at, n, 0});
        out.sram.push_back({c, r, l.x_addr, static_cast<size_t>(at), static_cast<size_t>(n)});
      }
      p.tiles.push_back(std::move(t));
      p.stamped_tiles.emplace_back(c, r);
    }
  }
  if (stream) {
    p.inputs.push_back(std::move(in_x));
    p.inputs.push_back(std::move(in_r));
  }
  p.outputs.push_back(std::move(out));
  if (stream && streams.second_y) {
    p.outputs.push_back(std::move(out2));
    // The chain's reference covers both outputs: the second is the first again.
    const auto first = p.reference.size();
    for (size_t i = 0; i < first; ++i) {
      p.reference.push_back(p.reference[i]);
      p.tolerance.push_back(p.tolerance[i]);
    }
  }

  // One tensor add per element at one element per tile per cycle; nothing crosses the edge
  // unless x and r are streamed.
  p.cost.flops = double(T) * double(d);
  p.cost.compute_bound_cycles = double(max_elems);
  if (!stream) p.cost.estimated_cycles = ResidualCycles(max_elems);
  p.cost.macs_per_tile_cycle = 1;
  p.cost.io_bound_cycles = stream ? 3.0 * double(max_elems) / fabric.edge_wavelets_per_cycle : 0;
  p.parameters = {{"d_model", d}, {"tokens", T}, {"region", fmt::format("{}x{}", pw, ph)}, {"seed", req.seed}};
  return p;
}

KernelMapping MapResidual(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::Lower(BuildResidualPlan(req, fabric), fabric);
}

}  // namespace wafersim::runtime
