#include "runtime/argmax_plan.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "runtime/mapping_util.h"

namespace wafersim::runtime {

namespace {

constexpr uint32_t kStampsAddr = 0, kLogitsAddr = 32;
constexpr int kColorIn = 0;
// The pairs go down the column on two colors by turns: a tile's out color is not its in color.
int PairColor(size_t row) { return row % 2 == 0 ? 1 : 2; }

}  // namespace

plan::Plan BuildArgmaxPlan(const std::vector<size_t>& counts, const fabric::FabricConfig& fabric) {
  if (counts.empty()) throw std::invalid_argument("argmax: no rows");
  const size_t most = *std::max_element(counts.begin(), counts.end());
  if (*std::min_element(counts.begin(), counts.end()) == 0) throw std::invalid_argument("argmax: an empty row");
  const uint64_t need = kLogitsAddr + 4 * uint64_t{most};
  if (need > static_cast<uint64_t>(fabric.sram_bytes)) {
    throw std::invalid_argument(fmt::format("argmax: a row of {} logits needs {} bytes of SRAM, a tile has {}", most,
                                            need, fabric.sram_bytes));
  }
  const int q = static_cast<int>(counts.size());
  plan::Plan p;
  p.kernel = "argmax";
  p.region = {0, 0, 1, q};
  p.phases = {"argmax"};
  p.stamps_addr = kStampsAddr;
  p.sram_bytes_per_tile = static_cast<uint32_t>(need);
  size_t total = 0;
  for (size_t c : counts) total += c;
  p.description = fmt::format("argmax of {} logits on a column of {} tiles", total, q);
  plan::Port in{"x", plan::DType::kFp32, total, {}, {}};
  size_t first = 0;
  for (int r = 0; r < q; ++r) {
    const auto row = static_cast<size_t>(r);
    plan::PlanTile t;
    t.x = 0;
    t.y = r;
    t.role = "argmax";
    t.program = {"kernels/argmax_tile.s",
                 {{"N", static_cast<int64_t>(counts[row])}, {"FIRST", static_cast<int64_t>(first)},
                  {"XADDR", kLogitsAddr}, {"COLOR_IN", kColorIn}, {"FROM_NORTH", r > 0 ? 1 : 0},
                  {"COLOR_PAIR", r > 0 ? PairColor(row - 1) : 0}, {"COLOR_OUT", PairColor(row)},
                  {"STAMPS", kStampsAddr}}};
    t.routes.push_back({kColorIn, kPortWest, kPortCore});
    if (r > 0) t.routes.push_back({PairColor(row - 1), kPortNorth, kPortCore});
    t.routes.push_back({PairColor(row), kPortCore, kPortSouth});
    in.streams.push_back({0, r, noc::Dir::West, kColorIn, first, counts[row]});
    p.tiles.push_back(std::move(t));
    p.stamped_tiles.emplace_back(0, r);
    first += counts[row];
  }
  plan::Port out{"top", plan::DType::kFp32, 2, {}, {}};
  out.streams.push_back({0, q - 1, noc::Dir::South, PairColor(static_cast<size_t>(q - 1)), 0, 2});
  p.inputs.push_back(std::move(in));
  p.outputs.push_back(std::move(out));
  p.tensors["x"] = plan::Tensor{{static_cast<int64_t>(total)}, plan::DType::kFp32, std::vector<float>(total, 0.0f)};
  // Not fitted: the row in and its copy (a word a cycle each), the reduction, the scan (about
  // six cycles an element, half the row on average), and a few cycles a tile down the column.
  p.cost.estimated_cycles = 5.0 * double(most) + 8.0 * q + 20;
  p.cost.compute_bound_cycles = double(most);
  p.cost.flops = double(total);
  p.cost.macs_per_tile_cycle = 1;
  p.parameters = {{"logits", total}, {"rows", q}};
  return p;
}

}  // namespace wafersim::runtime
