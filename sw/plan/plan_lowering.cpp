#include "plan/plan_lowering.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "embed/firmware_files.h"
#include "isa/fp.h"

namespace wafersim::plan {

namespace {


// Everything the lowering sets on one mesh tile, before assembly.
struct MeshTile {
  bool used = false;
  bool in_region = false;
  std::string role;
  ProgramRef program;
  std::vector<ColorRoute> routes;
  std::vector<isa::DataSegment> data;
};

class Lowering {
 public:
  Lowering(const Plan& plan, const fabric::FabricConfig& fabric, const LowerOptions& options)
      : plan_(plan), fabric_(fabric), options_(options),
        tiles_(static_cast<size_t>(fabric.width) * static_cast<size_t>(fabric.height)) {}

  runtime::KernelMapping Run() {
    const Region& r = plan_.region;
    if (r.width < 1 || r.height < 1 || r.x0 < 0 || r.y0 < 0 || r.x0 + r.width > fabric_.width ||
        r.y0 + r.height > fabric_.height) {
      Fail(fmt::format("region {}x{} at ({},{}) does not fit the {}x{} mesh", r.width, r.height, r.x0, r.y0,
                       fabric_.width, fabric_.height));
    }
    for (const auto& t : plan_.tiles) PlaceTile(t);
    runtime::KernelMapping km;
    km.kernel = plan_.kernel;
    km.description = plan_.description;
    km.region_width = r.width;
    km.region_height = r.height;
    int hops = 0;
    for (const auto& port : plan_.inputs) hops = std::max(hops, LayInput(port, km));
    size_t base = 0;
    for (const auto& port : plan_.outputs) {
      hops = std::max(hops, LayOutput(port, base, km));
      base += port.size;
    }
    km.output_size = base;
    if (plan_.reference.size() != base || plan_.tolerance.size() != base) {
      Fail(fmt::format("{} reference and {} tolerance values for {} output elements", plan_.reference.size(),
                       plan_.tolerance.size(), base));
    }
    // Several outputs are checked as one concatenation, named "s+z".
    if (!plan_.outputs.empty()) km.output_name.clear();
    for (const auto& port : plan_.outputs) km.output_name += (km.output_name.empty() ? "" : "+") + port.name;
    Assemble(km);
    km.reference = plan_.reference;
    km.tolerance = plan_.tolerance;
    km.phases = plan_.phases;
    km.stamps_addr = plan_.stamps_addr;
    for (const auto& [x, y] : plan_.stamped_tiles) km.stamped_tiles.emplace_back(r.x0 + x, r.y0 + y);
    km.flops = plan_.cost.flops;
    km.compute_bound_cycles = plan_.cost.compute_bound_cycles;
    km.macs_per_tile_cycle = plan_.cost.macs_per_tile_cycle;
    km.io_bound_cycles = plan_.cost.io_bound_cycles;
    km.estimated_cycles =
        plan_.cost.estimated_cycles > 0 ? plan_.cost.estimated_cycles + plan_.cost.cycles_per_edge_hop * hops : 0;
    km.sram_bytes_per_tile = plan_.sram_bytes_per_tile;
    km.parameters = plan_.parameters;
    km.report_line = plan_.report_line;
    for (const auto& e : plan_.sram_expected) {
      km.sram_expected.push_back({r.x0 + e.x, r.y0 + e.y, e.addr, e.words, e.name});
    }
    return km;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const {
    throw std::invalid_argument(fmt::format("plan '{}': {}", plan_.kernel, what));
  }

  MeshTile& At(int x, int y) { return tiles_[static_cast<size_t>(y) * fabric_.width + x]; }

  void CheckInRegion(int x, int y, const std::string& what) const {
    if (x < 0 || y < 0 || x >= plan_.region.width || y >= plan_.region.height) {
      Fail(fmt::format("{} at ({},{}) is outside its {}x{} region", what, x, y, plan_.region.width,
                       plan_.region.height));
    }
  }

  void AddRoute(int x, int y, const ColorRoute& route, const std::string& why) {
    if (route.color < 0 || route.color >= fabric_.colors) {
      Fail(fmt::format("tile ({},{}): color {} is beyond the fabric's {} colors ({})", x, y, route.color,
                       fabric_.colors, why));
    }
    MeshTile& t = At(x, y);
    for (const auto& have : t.routes) {
      if (have.color == route.color) {
        Fail(fmt::format("tile ({},{}): color {} is taken ({}), no free color for {}", x, y, route.color,
                         have.dynamic ? "a dynamic route" : "a route already laid", why));
      }
    }
    t.routes.push_back(route);
  }

  void PlaceTile(const PlanTile& pt) {
    CheckInRegion(pt.x, pt.y, "tile");
    const int x = plan_.region.x0 + pt.x, y = plan_.region.y0 + pt.y;
    MeshTile& t = At(x, y);
    if (t.used) Fail(fmt::format("tile ({},{}) is given twice", pt.x, pt.y));
    t.used = true;
    t.in_region = true;
    t.role = pt.role;
    t.program = pt.program;
    for (const auto& route : pt.routes) AddRoute(x, y, route, fmt::format("tile ({},{})'s own route", pt.x, pt.y));
    for (const auto& s : pt.shards) t.data.push_back(ShardSegment(pt, s));
    for (const auto& raw : pt.raw) t.data.push_back(isa::DataSegment{raw.addr, raw.bytes});
  }

  isa::DataSegment ShardSegment(const PlanTile& pt, const Shard& s) const {
    const auto it = plan_.tensors.find(s.tensor);
    if (it == plan_.tensors.end()) Fail(fmt::format("tile ({},{}): shard of unknown tensor '{}'", pt.x, pt.y, s.tensor));
    const Tensor& tensor = it->second;
    const int64_t cols = tensor.Cols(), rows = cols > 0 ? static_cast<int64_t>(tensor.values.size()) / cols : 0;
    if (s.row0 < 0 || s.col0 < 0 || s.rows < 0 || s.cols < 0 || s.row0 + s.rows > rows || s.col0 + s.cols > cols) {
      Fail(fmt::format("tile ({},{}): shard rows {}..{} columns {}..{} of '{}' are outside its {}x{}", pt.x, pt.y,
                       s.row0, s.row0 + s.rows - 1, s.col0, s.col0 + s.cols - 1, s.tensor, rows, cols));
    }
    const int64_t stride = s.row_stride > 0 ? s.row_stride : s.cols;
    const auto es = static_cast<uint32_t>(DTypeBytes(tensor.dtype));
    isa::DataSegment seg;
    seg.addr = s.addr;
    seg.bytes.assign(s.rows > 0 ? static_cast<size_t>((stride * (s.rows - 1) + s.cols) * es) : 0, 0);
    for (int64_t i = 0; i < s.rows; ++i) {
      for (int64_t j = 0; j < s.cols; ++j) {
        const float v = tensor.values[static_cast<size_t>((s.row0 + i) * cols + s.col0 + j)];
        const uint32_t w = es == 4 ? isa::AsBits(v) : isa::F32ToF16(isa::AsBits(v));
        std::memcpy(&seg.bytes[static_cast<size_t>((i * stride + j) * es)], &w, es);
      }
    }
    if (seg.addr + seg.bytes.size() > static_cast<uint64_t>(fabric_.sram_bytes)) {
      Fail(fmt::format("tile ({},{}): shard of '{}' at byte {} ends beyond the {}-byte SRAM", pt.x, pt.y, s.tensor,
                       s.addr, fabric_.sram_bytes));
    }
    return seg;
  }

  // Lays a stream from region tile (x, y) through `side` to the mesh edge (or, for an input,
  // from the edge in): every tile in between passes the color straight on. Returns the mesh
  // edge tile and the hops.
  std::pair<std::pair<int, int>, int> LayToEdge(const StreamSegment& s, bool input, const std::string& port) {
    CheckInRegion(s.x, s.y, fmt::format("port '{}'", port));
    const Step d = Toward(s.side);
    if (d.dx == 0 && d.dy == 0) Fail(fmt::format("port '{}': a stream crosses a side (north, east, south, west)", port));
    if (s.x + d.dx >= 0 && s.x + d.dx < plan_.region.width && s.y + d.dy >= 0 && s.y + d.dy < plan_.region.height) {
      Fail(fmt::format("port '{}': tile ({},{})'s {} side is inside the region, not on its boundary", port, s.x, s.y,
                       noc::DirName(s.side)));
    }
    int x = plan_.region.x0 + s.x, y = plan_.region.y0 + s.y;
    const auto way = WayToEdge(x, y, s.side, s.color, input, fabric_.width, fabric_.height);
    for (const EdgeHop& hop : way) {
      MeshTile& t = At(hop.x, hop.y);
      t.used = true;
      if (t.role.empty()) {
        t.role = "forward";
        t.program = ProgramRef{"kernels/halt.s", {}};
      }
      // A stream in several segments (a row after another) takes one way: laid once.
      if (std::find(t.routes.begin(), t.routes.end(), hop.route) == t.routes.end()) {
        AddRoute(hop.x, hop.y, hop.route, fmt::format("port '{}' to the mesh edge", port));
      }
      x = hop.x;
      y = hop.y;
    }
    const int hops = static_cast<int>(way.size());
    return {{x, y}, hops};
  }

  int LayInput(const Port& port, runtime::KernelMapping& km) {
    const auto it = plan_.tensors.find(port.name);
    if (it == plan_.tensors.end() || it->second.values.size() != port.size) {
      Fail(fmt::format("input port '{}' has no tensor of its {} elements", port.name, port.size));
    }
    if (!port.sram.empty()) Fail(fmt::format("input port '{}': inputs come as streams", port.name));
    if (port.packed && port.dtype != DType::kFp16) {
      Fail(fmt::format("input port '{}': only binary16 elements are packed two to a wavelet", port.name));
    }
    int hops = 0;
    for (const auto& s : port.streams) {
      if (s.offset + s.count > port.size) Fail(fmt::format("input port '{}': a stream goes past its end", port.name));
      const auto [edge, n] = LayToEdge(s, true, port.name);
      hops = std::max(hops, n);
      km.inputs.push_back({edge.first, edge.second, s.side, s.color,
                           Payloads(it->second.values, port.dtype, s.offset, s.count, port.packed)});
    }
    return hops;
  }

  int LayOutput(const Port& port, size_t base, runtime::KernelMapping& km) {
    if (port.dtype != DType::kFp32 || port.packed) Fail(fmt::format("output port '{}': outputs are fp32", port.name));
    int hops = 0;
    for (const auto& s : port.streams) {
      if (s.offset + s.count > port.size) Fail(fmt::format("output port '{}': a stream goes past its end", port.name));
      const auto [edge, n] = LayToEdge(s, false, port.name);
      hops = std::max(hops, n);
      km.outputs.push_back({edge.first, edge.second, s.side, s.color, base + s.offset, s.count});
    }
    for (const auto& s : port.sram) {
      CheckInRegion(s.x, s.y, fmt::format("port '{}'", port.name));
      km.sram_outputs.push_back(
          {plan_.region.x0 + s.x, plan_.region.y0 + s.y, s.addr, base + s.offset, s.count});
    }
    return hops;
  }

  // Tiles differ in their data, but their code comes in a few variants: each program with its
  // parameters and routes is assembled once, which matters on a wafer.
  void Assemble(runtime::KernelMapping& km) {
    assembler::AsmOptions base;
    base.imem_words = fabric_.imem_words;
    base.sram_bytes = fabric_.sram_bytes;
    std::map<std::pair<ProgramRef, std::string>, isa::Program> assembled;
    for (int y = 0; y < fabric_.height; ++y) {
      for (int x = 0; x < fabric_.width; ++x) {
        MeshTile& t = At(x, y);
        if (!t.used) continue;
        const std::string routes = RouteSetup(t.routes);
        auto key = std::make_pair(t.program, routes);
        auto it = assembled.find(key);
        if (it == assembled.end()) {
          assembler::AsmOptions o = base;
          o.defines = t.program.params;
          o.prelude = routes;
          o.prelude_name = fmt::format("<routes of tile ({},{})>", x, y);
          try {
            it = assembled.emplace(key, AssembleProgram(t.program.file, o)).first;
          } catch (const assembler::AsmError& e) {
            Fail(fmt::format("tile ({},{}) ({}): {}", x - plan_.region.x0, y - plan_.region.y0,
                             t.role.empty() ? "program" : t.role, e.what()));
          }
        }
        runtime::TileProgram tp{x, y, it->second};
        for (auto& seg : t.data) tp.program.data.push_back(std::move(seg));
        km.tiles.push_back(std::move(tp));
      }
    }
  }

  isa::Program AssembleProgram(const std::string& file, const assembler::AsmOptions& o) const {
    if (firmware::FindBuiltIn(file) != nullptr) return assembler::AssembleBuiltIn(file, o);
    const std::filesystem::path path = std::filesystem::path(options_.program_dir) / file;
    if (!std::filesystem::is_regular_file(path)) {
      Fail(fmt::format("program '{}' is neither built in nor a file beside the plan", file));
    }
    return assembler::AssembleFile(path.string(), o);
  }

  const Plan& plan_;
  const fabric::FabricConfig& fabric_;
  const LowerOptions& options_;
  std::vector<MeshTile> tiles_;
};

}  // namespace

std::string RouteSetup(const std::vector<ColorRoute>& routes) {
  std::string s;
  for (const auto& r : routes) {
    if (r.dynamic) {
      s += fmt::format("        li      r1, {}\n        li      r2, 1\n        rcfg    r1, 4, r2\n", r.color);
    } else {
      s += fmt::format("        li      r1, {}\n        rcfg    r1, 4, r0\n        li      r2, {}\n"
                       "        rcfg    r1, 0, r2\n",
                       r.color, r.rx | (r.tx << 5));
    }
  }
  return s;
}

std::vector<uint32_t> Payloads(const std::vector<float>& values, DType dtype, size_t offset, size_t count,
                               bool packed) {
  std::vector<uint32_t> out(count);
  for (size_t i = 0; i < count; ++i) {
    const uint32_t bits = isa::AsBits(values[offset + i]);
    out[i] = dtype == DType::kFp32 ? bits : isa::F32ToF16(bits);
  }
  if (!packed) return out;
  std::vector<uint32_t> pairs((count + 1) / 2);
  for (size_t i = 0; i < count; ++i) pairs[i / 2] |= out[i] << (i % 2 == 0 ? 0 : 16);
  return pairs;
}

runtime::KernelMapping Lower(const Plan& plan, const fabric::FabricConfig& fabric, const LowerOptions& options) {
  return Lowering(plan, fabric, options).Run();
}

runtime::KernelMapping LowerWithStages(const std::function<Plan(std::vector<runtime::StageStamps>*)>& build,
                                       const fabric::FabricConfig& fabric) {
  std::vector<runtime::StageStamps> stages;
  runtime::KernelMapping m = Lower(build(&stages), fabric);
  m.stages = std::move(stages);
  return m;
}

}  // namespace wafersim::plan
