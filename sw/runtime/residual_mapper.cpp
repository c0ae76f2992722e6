#include "runtime/residual_mapper.h"

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

constexpr uint32_t kStampsAddr = 0;


// x from byte 32, r one bank on from the next bank row (so a step's two reads never want the
// same bank); the sum overwrites x.
struct Layout {
  uint32_t x_addr, r_addr, end;
};
Layout MakeLayout(int64_t elements) {
  Layout l;
  l.x_addr = 32;
  l.r_addr = Align(l.x_addr + 4 * static_cast<uint32_t>(elements), 32) + 4;
  l.end = l.r_addr + 4 * static_cast<uint32_t>(elements);
  return l;
}


}  // namespace

KernelMapping MapResidual(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  CheckVectorRequest(req, "residual");
  const int64_t d = req.d_model, T = req.tokens;
  const int64_t total = T * d;
  const FlatSplit split = SplitFlat(req, fabric, total, [](int64_t e) { return MakeLayout(e).end; });
  const int pw = split.width, ph = split.height;
  const int64_t max_elems = split.max_elements;
  auto worst = [&] { return MakeLayout(max_elems); };
  if (worst().end > static_cast<uint32_t>(fabric.sram_bytes)) {
    throw std::invalid_argument(fmt::format(
        "residual {} tokens x {} does not fit a {}x{} region: tile (0,0) needs {} bytes of SRAM (x and r, {} binary32 "
        "elements each: {} bytes; cycle stamps 32 bytes) but has {}; use a larger --mesh or --region, or --fit",
        T, d, pw, ph, worst().end, max_elems, 8 * max_elems, fabric.sram_bytes));
  }

  KernelMapping km;
  km.kernel = "residual";
  km.region_width = pw;
  km.region_height = ph;
  km.output_size = static_cast<size_t>(T * d);
  km.phases = {"add"};
  km.stamps_addr = kStampsAddr;
  km.description = fmt::format("y = x + r, {} tokens x {} binary32, on a {}x{} region of the {}x{} mesh", T, d, pw, ph,
                               fabric.width, fabric.height);
  km.sram_bytes_per_tile = worst().end;

  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(T * d)), res(static_cast<size_t>(T * d));
  for (auto& v : x) v = dist(rng);
  for (auto& v : res) v = dist(rng);
  CheckInputNames(req, {"x", "r"});
  TakeInput(req, "x", x);
  TakeInput(req, "r", res);
  // One rounding of the exact sum: at most u of it (half an ulp of a subnormal below 2^-126).
  km.reference.resize(km.output_size);
  km.tolerance.resize(km.output_size);
  for (size_t i = 0; i < km.output_size; ++i) {
    km.reference[i] = double(x[i]) + double(res[i]);
    km.tolerance[i] = kU * std::fabs(km.reference[i]) + 0x1p-150;
  }

  assembler::AsmOptions asm_options;
  asm_options.imem_words = fabric.imem_words;
  asm_options.sram_bytes = fabric.sram_bytes;
  std::unordered_map<std::string, isa::Program> assembled;  // a few shapes of tile, each assembled once
  for (int r = 0; r < ph; ++r) {
    for (int c = 0; c < pw; ++c) {
      const int64_t tile = int64_t{r} * pw + c, n = Share(total, int64_t{pw} * ph, tile);
      const size_t at = static_cast<size_t>(Start(total, int64_t{pw} * ph, tile));
      const Layout l = MakeLayout(n);
      const std::string src = fmt::format(R"(# residual tile: {} elements
main:   li      r3, 1
        li      r4, {}
        li      r5, {}
        dmem    d1, r5, r4, r3, f32
        li      r5, {}
        dmem    d2, r5, r4, r3, f32
        tfadd   d1, d1, d2
        csrr    r10, cycle
        sw      r10, {}(r0)
        halt
)",
                                          n, n, l.x_addr, l.r_addr, kStampsAddr);
      auto it = assembled.find(src);
      if (it == assembled.end()) {
        it = assembled
                 .emplace(src, assembler::AssembleText(src, fmt::format("residual tile ({},{})", c, r), asm_options))
                 .first;
      }
      TileProgram tp{c, r, it->second};
      tp.program.data.push_back(Float32Segment(l.x_addr, std::vector<float>(x.begin() + at, x.begin() + at + n)));
      tp.program.data.push_back(Float32Segment(l.r_addr, std::vector<float>(res.begin() + at, res.begin() + at + n)));
      km.sram_outputs.push_back({c, r, l.x_addr, at, static_cast<size_t>(n)});
      km.tiles.push_back(std::move(tp));
      km.stamped_tiles.emplace_back(c, r);
    }
  }

  // One tensor add per element at one element per tile per cycle; nothing crosses the edge.
  km.flops = double(T) * double(d);
  km.compute_bound_cycles = double(max_elems);
  km.macs_per_tile_cycle = 1;
  km.io_bound_cycles = 0;
  km.parameters = {{"d_model", d}, {"tokens", T}, {"region", fmt::format("{}x{}", pw, ph)}, {"seed", req.seed}};
  return km;
}

}  // namespace wafersim::runtime
