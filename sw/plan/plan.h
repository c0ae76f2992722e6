// A Plan: one kernel mapping as data (docs/plans.md). Its region of the mesh, each tile's
// program (a PE program under firmware/ or beside a plan file, with named parameters), the
// tile's static routes and SRAM shards of named tensors, the ports where data crosses the
// region's boundary, the reference answer and the cost. Built-in mappers build Plans, users
// write them; one lowering step (plan_lowering.h) turns a Plan into what the fabric loads.
// Tile coordinates inside a Plan are relative to its region's north-west tile.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/dtype.h"
#include "wavelet.h"

namespace wafersim::plan {

struct Region {
  int x0 = 0, y0 = 0;  ///< the north-west tile on the mesh
  int width = 0, height = 0;
  bool operator==(const Region&) const = default;
};

/// A PE program and the values of its parameters (defined as constants before its first line).
struct ProgramRef {
  std::string file;  ///< "kernels/gemv_tile.s": built in, or a path relative to the plan file
  std::map<std::string, int64_t> params;
  bool operator<(const ProgramRef& o) const { return std::tie(file, params) < std::tie(o.file, o.params); }
  bool operator==(const ProgramRef&) const = default;
};

/// One color's route through a tile's router: the ports it is taken from and sent to
/// (docs/router.md). Static routes have one switch position; a dynamic color is routed by
/// each packet's header.
struct ColorRoute {
  int color = 0;
  uint32_t rx = 0, tx = 0;  ///< port bits: N 1, E 2, S 4, W 8, core 16
  bool dynamic = false;
  bool operator==(const ColorRoute&) const = default;
};

using wafersim::DType;
/// Element types of tensors and ports: fp32, or fp16 (binary32 arithmetic on the tiles).
inline const std::vector<DType> kPlanDTypes = {DType::kFp32, DType::kFp16};

/// A named tensor of the plan, row-major, its values as the plan stores them (binary16 ones
/// already rounded).
struct Tensor {
  std::vector<int64_t> shape;  ///< {rows, cols} or {n}
  DType dtype = DType::kFp32;
  std::vector<float> values;
  int64_t Cols() const { return shape.size() >= 2 ? shape.back() : (shape.empty() ? 0 : shape[0]); }
  bool operator==(const Tensor&) const = default;
};

/// A block of a tensor in a tile's SRAM: rows row0.. of columns col0.., each row `row_stride`
/// elements after the one before (a 1-D tensor is one row).
struct Shard {
  std::string tensor;
  uint32_t addr = 0;
  int64_t row0 = 0, rows = 1, col0 = 0, cols = 0;
  int64_t row_stride = 0;  ///< elements; 0: cols
  bool operator==(const Shard&) const = default;
};

/// Words given verbatim (constants a program reads, say).
struct RawData {
  uint32_t addr = 0;
  std::vector<uint8_t> bytes;
  bool operator==(const RawData&) const = default;
};

/// The step from a tile to its neighbour through `side` (North is y - 1); {0, 0} for the core.
struct Step {
  int dx = 0, dy = 0;
};
inline Step Toward(noc::Dir side) {
  switch (side) {
    case noc::Dir::North: return {0, -1};
    case noc::Dir::South: return {0, 1};
    case noc::Dir::East: return {1, 0};
    case noc::Dir::West: return {-1, 0};
    default: return {0, 0};
  }
}

/// One tile a stream crosses between a region and the mesh edge, and the route that passes
/// it on.
struct EdgeHop {
  int x = 0, y = 0;
  ColorRoute route;
};
/// The tiles beyond mesh tile (x, y) through `side` up to the mesh edge, in order, each routing
/// `color` straight on: inward for an input, outward for an output. Lowering and chaining lay
/// streams to the edge with it.
inline std::vector<EdgeHop> WayToEdge(int x, int y, noc::Dir side, int color, bool input, int width, int height) {
  const Step d = Toward(side);
  const uint32_t outer = noc::PortBit(side), inner = noc::PortBit(noc::Opposite(side));
  std::vector<EdgeHop> way;
  if (d.dx == 0 && d.dy == 0) return way;
  while (x + d.dx >= 0 && x + d.dx < width && y + d.dy >= 0 && y + d.dy < height) {
    x += d.dx;
    y += d.dy;
    way.push_back({x, y, input ? ColorRoute{color, outer, inner} : ColorRoute{color, inner, outer}});
  }
  return way;
}

struct PlanTile {
  int x = 0, y = 0;  ///< in the region
  std::string role;  ///< what the tile does ("compute", "forward", ...), for maps and messages
  ProgramRef program;
  std::vector<ColorRoute> routes;  ///< set up before the program's first instruction, in order
  std::vector<Shard> shards;
  std::vector<RawData> raw;
  bool operator==(const PlanTile&) const = default;
};

/// Elements offset .. offset + count - 1 of a port crossing the region's boundary at tile
/// (x, y), through its `side`, on `color`, in order.
struct StreamSegment {
  int x = 0, y = 0;
  noc::Dir side = noc::Dir::North;
  int color = 0;
  size_t offset = 0, count = 0;
  bool operator==(const StreamSegment&) const = default;
};

/// Elements offset .. offset + count - 1 of a port left in tile (x, y)'s SRAM from `addr` on
/// (binary32 words).
struct SramSegment {
  int x = 0, y = 0;
  uint32_t addr = 0;
  size_t offset = 0, count = 0;
  bool operator==(const SramSegment&) const = default;
};

struct Port {
  std::string name;
  DType dtype = DType::kFp32;
  size_t size = 0;
  std::vector<StreamSegment> streams;
  std::vector<SramSegment> sram;
  /// An input of binary16 elements sent two to a wavelet, low half first; a stream segment's
  /// odd last element has a zero high half. For programs that move the words as binary32.
  bool packed = false;
  bool operator==(const Port&) const = default;
};

/// Words a run must leave in a tile's SRAM (a cache the kernel appended to), checked exactly.
struct SramExpectation {
  int x = 0, y = 0;
  uint32_t addr = 0;
  std::vector<uint32_t> words;
  std::string name;
  bool operator==(const SramExpectation&) const = default;
};

/// What the mapper states the plan costs: its estimate and its bounds, in cycles.
struct Cost {
  double estimated_cycles = 0;     ///< the mapper's estimate inside its region (0: none)
  double cycles_per_edge_hop = 0;  ///< added per tile a stream crosses between the region and the mesh edge
  double compute_bound_cycles = 0;
  double io_bound_cycles = 0;
  double flops = 0;
  double macs_per_tile_cycle = 1;
  bool operator==(const Cost&) const = default;
};

struct Plan {
  std::string kernel;       ///< "gemv"
  std::string description;  ///< one line: the shape and the placement
  Region region;
  std::vector<PlanTile> tiles;  ///< tiles of the region without an entry run an empty program
  std::map<std::string, Tensor> tensors;
  std::vector<Port> inputs;   ///< each with its values in `tensors` under the port's name
  std::vector<Port> outputs;  ///< checked against `reference` and `tolerance`, in order
  std::vector<double> reference, tolerance;  ///< the outputs, concatenated
  std::vector<SramExpectation> sram_expected;
  /// Each stamped tile stores the cycle counter at the end of each phase (a word per phase at
  /// `stamps_addr`): the runtime reads them back for the phase breakdown.
  std::vector<std::string> phases;
  uint32_t stamps_addr = 0;
  std::vector<std::pair<int, int>> stamped_tiles;  ///< in the region
  Cost cost;
  uint32_t sram_bytes_per_tile = 0;  ///< the most any tile needs
  nlohmann::json parameters;
  std::string report_line;
  bool operator==(const Plan&) const = default;
};

}  // namespace wafersim::plan
