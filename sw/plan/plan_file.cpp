#include "plan/plan_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "embed/firmware_files.h"
#include "io/file_io.h"
#include "isa/fp.h"
#include "plan/npy.h"

namespace wafersim::plan {

namespace fs = std::filesystem;

namespace {

// Router ports by name, in the order they are written.
struct PortName {
  const char* name;
  uint32_t bit;
};
constexpr PortName kPorts[] = {{"north", 1}, {"east", 2}, {"south", 4}, {"west", 8}, {"core", 16}};
constexpr const char* kSides[] = {"north", "east", "south", "west"};  // noc::Dir order

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

float Stored(double v, DType t) {
  const float f = static_cast<float>(v);
  return t == DType::kFp32 ? f : isa::AsFloat(isa::F16ToF32(isa::F32ToF16(isa::AsBits(f))));
}

// ---------------------------------------------------------------------------------------------
// Reading

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {
    dir_ = fs::path(path).parent_path();
    if (dir_.empty()) dir_ = ".";
  }

  Plan Read() {
    if (!fs::is_regular_file(path_)) throw std::invalid_argument(fmt::format("{}: cannot open the file", path_));
    toml::table root;
    try {
      root = toml::parse_file(path_);
    } catch (const toml::parse_error& e) {
      throw std::invalid_argument(
          fmt::format("{}:{}:{}: {}", path_, e.source().begin.line, e.source().begin.column, e.description()));
    }
    Keys(root, "",
         {"kernel", "description", "report", "region", "tensors", "tiles", "inputs", "outputs", "sram_expected",
          "phases", "cost", "parameters"});
    Plan p;
    p.kernel = Str(root, "", "kernel");
    p.description = Str(root, "", "description", "");
    p.report_line = Str(root, "", "report", "");
    const toml::table& region = Table(root, "", "region");
    Keys(region, "region", {"x0", "y0", "width", "height"});
    p.region.x0 = static_cast<int>(Int(region, "region", "x0", 0, 0, kMaxSide - 1));
    p.region.y0 = static_cast<int>(Int(region, "region", "y0", 0, 0, kMaxSide - 1));
    p.region.width = static_cast<int>(Int(region, "region", "width", std::nullopt, 1, kMaxSide));
    p.region.height = static_cast<int>(Int(region, "region", "height", std::nullopt, 1, kMaxSide));
    region_ = p.region;
    if (const toml::node* t = Get(root, "", "tensors", false)) ReadTensors(Cast<toml::table>(*t, "tensors"), p);
    ReadTiles(Cast<toml::array>(*Get(root, "", "tiles", true), "tiles"), p);
    if (const toml::node* a = Get(root, "", "inputs", false)) ReadInputs(Cast<toml::array>(*a, "inputs"), p);
    if (const toml::node* a = Get(root, "", "outputs", false)) ReadOutputs(Cast<toml::array>(*a, "outputs"), p);
    if (const toml::node* a = Get(root, "", "sram_expected", false)) {
      ReadSramExpected(Cast<toml::array>(*a, "sram_expected"), p);
    }
    if (const toml::node* t = Get(root, "", "phases", false)) ReadPhases(Cast<toml::table>(*t, "phases"), p);
    if (const toml::node* t = Get(root, "", "cost", false)) ReadCost(Cast<toml::table>(*t, "cost"), p);
    if (const toml::node* t = Get(root, "", "parameters", false)) p.parameters = Json(*t);
    return p;
  }

 private:
  static constexpr int64_t kMaxSide = 65536;
  static constexpr int64_t kMaxU32 = 0xffffffffLL;

  static std::string Key(const std::string& where, std::string_view key) {
    return where.empty() ? std::string(key) : fmt::format("{}.{}", where, key);
  }

  [[noreturn]] void Fail(const toml::node& at, const std::string& key, const std::string& why) const {
    // The file's root table has no line of its own: a key missing there is named at line 1.
    throw std::invalid_argument(
        fmt::format("{}:{}: {}: {}", path_, std::max<uint32_t>(at.source().begin.line, 1), key, why));
  }

  void Keys(const toml::table& t, const std::string& where, std::initializer_list<std::string_view> known) const {
    for (const auto& [k, v] : t) {
      if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
      std::string list;
      for (auto s : known) list += fmt::format("{}{}", list.empty() ? "" : ", ", s);
      Fail(v, Key(where, k.str()), fmt::format("unknown key (known: {})", list));
    }
  }

  const toml::node* Get(const toml::table& t, const std::string& where, std::string_view key, bool required) const {
    const toml::node* n = t.get(key);
    if (n == nullptr && required) Fail(t, Key(where, key), "missing key");
    return n;
  }

  template <typename T>
  const T& Cast(const toml::node& n, const std::string& key) const {
    const T* v = nullptr;
    std::string want;
    if constexpr (std::is_same_v<T, toml::table>) {
      v = n.as_table();
      want = "a table";
    } else {
      v = n.as_array();
      want = "an array";
    }
    if (v == nullptr) Fail(n, key, fmt::format("expected {}, got {}", want, TypeName(n)));
    return *v;
  }

  const toml::table& Table(const toml::table& t, const std::string& where, std::string_view key) const {
    return Cast<toml::table>(*Get(t, where, key, true), Key(where, key));
  }

  int64_t IntValue(const toml::node& n, const std::string& key, int64_t lo, int64_t hi) const {
    int64_t v = 0;
    if (const auto* i = n.as_integer()) {
      v = i->get();
    } else if (const auto* b = n.as_boolean()) {
      v = b->get() ? 1 : 0;
    } else {
      Fail(n, key, fmt::format("expected an integer, got {}", TypeName(n)));
    }
    if (v < lo || v > hi) Fail(n, key, fmt::format("{} is outside {}..{}", v, lo, hi));
    return v;
  }

  int64_t Int(const toml::table& t, const std::string& where, std::string_view key, std::optional<int64_t> def,
              int64_t lo = std::numeric_limits<int64_t>::min(), int64_t hi = std::numeric_limits<int64_t>::max()) const {
    const toml::node* n = Get(t, where, key, !def.has_value());
    return n == nullptr ? *def : IntValue(*n, Key(where, key), lo, hi);
  }

  double NumValue(const toml::node& n, const std::string& key) const {
    if (const auto* f = n.as_floating_point()) return f->get();
    if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
    Fail(n, key, fmt::format("expected a number, got {}", TypeName(n)));
  }

  double Num(const toml::table& t, const std::string& where, std::string_view key, double def) const {
    const toml::node* n = Get(t, where, key, false);
    return n == nullptr ? def : NumValue(*n, Key(where, key));
  }

  std::string Str(const toml::table& t, const std::string& where, std::string_view key,
                  std::optional<std::string> def = std::nullopt) const {
    const toml::node* n = Get(t, where, key, !def.has_value());
    if (n == nullptr) return *def;
    const auto* s = n->as_string();
    if (s == nullptr) Fail(*n, Key(where, key), fmt::format("expected a string, got {}", TypeName(*n)));
    return s->get();
  }

  bool Bool(const toml::table& t, const std::string& where, std::string_view key, bool def) const {
    const toml::node* n = Get(t, where, key, false);
    if (n == nullptr) return def;
    const auto* b = n->as_boolean();
    if (b == nullptr) Fail(*n, Key(where, key), fmt::format("expected true or false, got {}", TypeName(*n)));
    return b->get();
  }

  // [a, b]: two integers.
  std::pair<int64_t, int64_t> Pair(const toml::node& n, const std::string& key, const char* what) const {
    const auto* a = n.as_array();
    if (a == nullptr || a->size() != 2) Fail(n, key, fmt::format("expected {}", what));
    return {IntValue(*a->get(0), key, -kMaxSide, kMaxSide), IntValue(*a->get(1), key, -kMaxSide, kMaxSide)};
  }

  // A tile [x, y] of the region.
  std::pair<int, int> TileAt(const toml::node& n, const std::string& key) const {
    const auto [x, y] = Pair(n, key, "a tile [x, y]");
    if (x < 0 || y < 0 || x >= region_.width || y >= region_.height) {
      Fail(n, key, fmt::format("tile ({},{}) is outside the {}x{} region (x 0..{}, y 0..{})", x, y, region_.width,
                               region_.height, region_.width - 1, region_.height - 1));
    }
    return {static_cast<int>(x), static_cast<int>(y)};
  }

  DType DTypeOf(const toml::table& t, const std::string& where, std::optional<DType> def) const {
    const toml::node* n = Get(t, where, "dtype", !def.has_value());
    if (n == nullptr) return *def;
    const std::string s = Str(t, where, "dtype");
    const std::optional<DType> d = FindDType(s);  // canonical names and the older f32, f16
    if (!d || std::find(kPlanDTypes.begin(), kPlanDTypes.end(), *d) == kPlanDTypes.end()) {
      Fail(*n, Key(where, "dtype"), fmt::format("'{}': {}", s, DTypeRule(kPlanDTypes)));
    }
    return *d;
  }

  // An .npy beside the plan, named by `n` (a string).
  NpyArray NpyAt(const toml::node& n, const std::string& key) const {
    const auto* file = n.as_string();
    if (file == nullptr) Fail(n, key, fmt::format("expected an .npy file name, got {}", TypeName(n)));
    try {
      return ReadNpy((dir_ / file->get()).string());
    } catch (const std::invalid_argument& e) {
      Fail(n, key, e.what());
    }
  }

  NpyArray Npy(const toml::table& t, const std::string& where, std::string_view key) const {
    return NpyAt(*Get(t, where, key, true), Key(where, key));
  }

  void ReadTensors(const toml::table& tensors, Plan& p) const {
    for (const auto& [k, v] : tensors) {
      const std::string name(k.str()), where = Key("tensors", name);
      Tensor tensor;
      NpyArray a;
      if (v.is_string()) {
        a = NpyAt(v, where);
      } else {
        const toml::table* t = v.as_table();
        if (t == nullptr) {
          Fail(v, where, fmt::format("expected {{ file = \"NAME.npy\", dtype = \"fp32\" }} or a file name, got {}",
                                     TypeName(v)));
        }
        Keys(*t, where, {"file", "dtype"});
        tensor.dtype = DTypeOf(*t, where, DType::kFp32);
        a = Npy(*t, where, "file");
      }
      tensor.shape = a.shape;
      tensor.values.reserve(a.values.size());
      for (double x : a.values) tensor.values.push_back(Stored(x, tensor.dtype));
      p.tensors[name] = std::move(tensor);
    }
  }

  ColorRoute ReadRoute(const toml::table& t, const std::string& where) const {
    Keys(t, where, {"color", "from", "to", "dynamic"});
    ColorRoute r;
    r.color = static_cast<int>(Int(t, where, "color", std::nullopt, 0, 31));
    r.dynamic = Bool(t, where, "dynamic", false);
    for (const char* side : {"from", "to"}) {
      const toml::node* n = Get(t, where, side, !r.dynamic);
      if (n == nullptr) continue;
      const std::string key = Key(where, side);
      uint32_t bits = 0;
      for (const auto& e : Cast<toml::array>(*n, key)) {
        const auto* s = e.as_string();
        const PortName* port = nullptr;
        for (const auto& pn : kPorts) {
          if (s != nullptr && s->get() == pn.name) port = &pn;
        }
        if (port == nullptr) Fail(e, key, "ports are north, east, south, west and core");
        if (bits & port->bit) Fail(e, key, fmt::format("{} is given twice", port->name));
        bits |= port->bit;
      }
      (std::strcmp(side, "from") == 0 ? r.rx : r.tx) = bits;
    }
    return r;
  }

  Shard ReadShard(const toml::table& t, const std::string& where, const Plan& p) const {
    Shard s;
    s.tensor = Str(t, where, "tensor");
    const auto it = p.tensors.find(s.tensor);
    if (it == p.tensors.end()) Fail(*t.get("tensor"), Key(where, "tensor"), fmt::format("unknown tensor '{}'", s.tensor));
    const Tensor& tensor = it->second;
    const int64_t cols = tensor.Cols(), rows = cols > 0 ? static_cast<int64_t>(tensor.values.size()) / cols : 0;
    s.addr = static_cast<uint32_t>(Int(t, where, "addr", std::nullopt, 0, kMaxU32));
    s.row0 = Int(t, where, "row0", 0, 0, std::max<int64_t>(rows - 1, 0));
    s.rows = Int(t, where, "rows", 1, 0, rows - s.row0);
    s.col0 = Int(t, where, "col0", 0, 0, std::max<int64_t>(cols - 1, 0));
    s.cols = Int(t, where, "cols", cols - s.col0, 0, cols - s.col0);
    s.row_stride = Int(t, where, "row_stride", 0, 0, kMaxU32);
    if (s.row_stride != 0 && s.row_stride < s.cols) {
      Fail(*t.get("row_stride"), Key(where, "row_stride"),
           fmt::format("{} is less than the shard's {} columns (0: the columns)", s.row_stride, s.cols));
    }
    return s;
  }

  RawData ReadRaw(const toml::table& t, const std::string& where) const {
    RawData r;
    r.addr = static_cast<uint32_t>(Int(t, where, "addr", std::nullopt, 0, kMaxU32));
    int given = 0;
    if (const toml::node* n = Get(t, where, "words", false)) {
      ++given;
      for (const auto& e : Cast<toml::array>(*n, Key(where, "words"))) {
        const uint32_t w = static_cast<uint32_t>(IntValue(e, Key(where, "words"), 0, kMaxU32));
        for (int b = 0; b < 4; ++b) r.bytes.push_back(static_cast<uint8_t>(w >> (8 * b)));
      }
    }
    if (const toml::node* n = Get(t, where, "f32", false)) {
      ++given;
      for (const auto& e : Cast<toml::array>(*n, Key(where, "f32"))) {
        const uint32_t w = isa::AsBits(static_cast<float>(NumValue(e, Key(where, "f32"))));
        for (int b = 0; b < 4; ++b) r.bytes.push_back(static_cast<uint8_t>(w >> (8 * b)));
      }
    }
    if (const toml::node* n = Get(t, where, "bytes", false)) {
      ++given;
      for (const auto& e : Cast<toml::array>(*n, Key(where, "bytes"))) {
        r.bytes.push_back(static_cast<uint8_t>(IntValue(e, Key(where, "bytes"), 0, 255)));
      }
    }
    if (given != 1) Fail(t, where, "give exactly one of words, f32 and bytes");
    return r;
  }

  void ReadTiles(const toml::array& tiles, Plan& p) {
    // Which entry gave each tile of the region (-1: none yet).
    std::vector<int> owner(static_cast<size_t>(region_.width) * region_.height, -1);
    std::vector<int> lines(tiles.size());
    for (size_t i = 0; i < tiles.size(); ++i) {
      const std::string where = fmt::format("tiles[{}]", i);
      const toml::table& t = Cast<toml::table>(*tiles.get(i), where);
      lines[i] = static_cast<int>(t.source().begin.line);
      Keys(t, where, {"tile", "size", "role", "program", "params", "routes", "shards", "raw"});
      const auto [x0, y0] = TileAt(*Get(t, where, "tile", true), Key(where, "tile"));
      int64_t w = 1, h = 1;
      if (const toml::node* n = Get(t, where, "size", false)) {
        std::tie(w, h) = Pair(*n, Key(where, "size"), "a size [width, height]");
        if (w < 1 || h < 1 || x0 + w > region_.width || y0 + h > region_.height) {
          Fail(*n, Key(where, "size"), fmt::format("{}x{} tiles from ({},{}) do not fit the {}x{} region", w, h, x0,
                                                   y0, region_.width, region_.height));
        }
      }
      PlanTile base;
      base.role = Str(t, where, "role", "");
      base.program.file = Str(t, where, "program");
      CheckProgram(*t.get("program"), Key(where, "program"), base.program.file);
      if (const toml::node* n = Get(t, where, "params", false)) {
        for (const auto& [k, v] : Cast<toml::table>(*n, Key(where, "params"))) {
          const std::string key = Key(Key(where, "params"), k.str());
          base.program.params[std::string(k.str())] =
              IntValue(v, key, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
        }
      }
      if (const toml::node* n = Get(t, where, "routes", false)) {
        const auto& routes = Cast<toml::array>(*n, Key(where, "routes"));
        for (size_t j = 0; j < routes.size(); ++j) {
          const std::string rw = fmt::format("{}.routes[{}]", where, j);
          const ColorRoute r = ReadRoute(Cast<toml::table>(*routes.get(j), rw), rw);
          for (const auto& have : base.routes) {
            if (have.color == r.color) Fail(*routes.get(j), Key(rw, "color"), fmt::format("color {} is routed twice", r.color));
          }
          base.routes.push_back(r);
        }
      }
      // Shards and raw words: each for the tile it names, or every tile of the entry.
      struct Placed {
        std::optional<std::pair<int, int>> at;
        Shard shard;
        RawData raw;
      };
      std::vector<Placed> shards, raws;
      for (const char* kind : {"shards", "raw"}) {
        const toml::node* n = Get(t, where, kind, false);
        if (n == nullptr) continue;
        const auto& list = Cast<toml::array>(*n, Key(where, kind));
        for (size_t j = 0; j < list.size(); ++j) {
          const std::string sw = fmt::format("{}.{}[{}]", where, kind, j);
          const toml::table& st = Cast<toml::table>(*list.get(j), sw);
          Placed placed;
          if (const toml::node* at = st.get("tile")) {
            placed.at = TileAt(*at, Key(sw, "tile"));
            const auto [sx, sy] = *placed.at;
            if (sx < x0 || sy < y0 || sx >= x0 + w || sy >= y0 + h) {
              Fail(*at, Key(sw, "tile"), fmt::format("tile ({},{}) is not one of this entry's", sx, sy));
            }
          }
          if (std::strcmp(kind, "shards") == 0) {
            Keys(st, sw, {"tile", "tensor", "addr", "row0", "rows", "col0", "cols", "row_stride"});
            placed.shard = ReadShard(st, sw, p);
            shards.push_back(std::move(placed));
          } else {
            Keys(st, sw, {"tile", "addr", "words", "f32", "bytes"});
            placed.raw = ReadRaw(st, sw);
            raws.push_back(std::move(placed));
          }
        }
      }
      for (int y = y0; y < y0 + h; ++y) {
        for (int x = x0; x < x0 + w; ++x) {
          int& o = owner[static_cast<size_t>(y) * region_.width + x];
          if (o >= 0) {
            Fail(*t.get("tile"), Key(where, "tile"),
                 fmt::format("tile ({},{}) is given twice (also by tiles[{}] at line {})", x, y, o, lines[o]));
          }
          o = static_cast<int>(i);
          PlanTile pt = base;
          pt.x = x;
          pt.y = y;
          const auto mine = [&](const Placed& pl) { return !pl.at || *pl.at == std::make_pair(x, y); };
          for (const auto& s : shards) {
            if (mine(s)) pt.shards.push_back(s.shard);
          }
          for (const auto& r : raws) {
            if (mine(r)) pt.raw.push_back(r.raw);
          }
          p.tiles.push_back(std::move(pt));
        }
      }
    }
    std::sort(p.tiles.begin(), p.tiles.end(),
              [](const PlanTile& a, const PlanTile& b) { return std::tie(a.y, a.x) < std::tie(b.y, b.x); });
  }

  // A program is built in, or a file beside the plan; a file beside the plan named like a
  // built-in one must not differ from it (the built-in one is what runs).
  void CheckProgram(const toml::node& n, const std::string& key, const std::string& file) const {
    const fs::path beside = dir_ / file;
    if (const std::string* text = firmware::FindBuiltIn(file)) {
      if (fs::is_regular_file(beside) && ReadText(beside) != *text) {
        Fail(n, key, fmt::format("{} differs from the built-in program '{}', which is what runs: give your version "
                                 "another name",
                                 beside.string(), file));
      }
      return;
    }
    if (!fs::is_regular_file(beside)) {
      Fail(n, key, fmt::format("'{}' is neither built in nor a file beside the plan ({} is missing)", file,
                               beside.string()));
    }
  }

  StreamSegment ReadStream(const toml::table& t, const std::string& where) const {
    Keys(t, where, {"tile", "side", "color", "offset", "count"});
    StreamSegment s;
    std::tie(s.x, s.y) = TileAt(*Get(t, where, "tile", true), Key(where, "tile"));
    const std::string side = Str(t, where, "side");
    int d = -1;
    for (int i = 0; i < 4; ++i) {
      if (side == kSides[i]) d = i;
    }
    if (d < 0) Fail(*t.get("side"), Key(where, "side"), fmt::format("'{}' is not north, east, south or west", side));
    s.side = static_cast<noc::Dir>(d);
    const int nx = s.x + (d == 1) - (d == 3), ny = s.y + (d == 2) - (d == 0);
    if (nx >= 0 && ny >= 0 && nx < region_.width && ny < region_.height) {
      Fail(*t.get("side"), Key(where, "side"),
           fmt::format("tile ({},{})'s {} side faces tile ({},{}) of the region, not the region's boundary", s.x,
                       s.y, side, nx, ny));
    }
    s.color = static_cast<int>(Int(t, where, "color", std::nullopt, 0, 31));
    return s;
  }

  // offset and count of a segment of a port of `size` elements; count defaults to the rest.
  void Segment(const toml::table& t, const std::string& where, size_t size, size_t& offset, size_t& count) const {
    offset = static_cast<size_t>(Int(t, where, "offset", 0, 0, static_cast<int64_t>(size)));
    count = static_cast<size_t>(
        Int(t, where, "count", static_cast<int64_t>(size - offset), 0, static_cast<int64_t>(size - offset)));
  }

  void ReadInputs(const toml::array& inputs, Plan& p) const {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::string where = fmt::format("inputs[{}]", i);
      const toml::table& t = Cast<toml::table>(*inputs.get(i), where);
      Keys(t, where, {"name", "dtype", "packed", "streams"});
      Port port;
      port.name = Str(t, where, "name");
      const auto it = p.tensors.find(port.name);
      if (it == p.tensors.end()) {
        Fail(*t.get("name"), Key(where, "name"), fmt::format("no tensor '{}' (an input port sends the tensor of its name)",
                                                            port.name));
      }
      for (const auto& have : p.inputs) {
        if (have.name == port.name) Fail(*t.get("name"), Key(where, "name"), fmt::format("input '{}' is given twice", port.name));
      }
      port.dtype = DTypeOf(t, where, it->second.dtype);
      port.packed = Bool(t, where, "packed", false);
      if (port.packed && port.dtype != DType::kFp16) {
        Fail(*t.get("packed"), Key(where, "packed"), "only fp16 elements are packed two to a wavelet");
      }
      port.size = it->second.values.size();
      const auto& streams = Cast<toml::array>(*Get(t, where, "streams", true), Key(where, "streams"));
      for (size_t j = 0; j < streams.size(); ++j) {
        const std::string sw = fmt::format("{}.streams[{}]", where, j);
        const toml::table& st = Cast<toml::table>(*streams.get(j), sw);
        StreamSegment s = ReadStream(st, sw);
        Segment(st, sw, port.size, s.offset, s.count);
        port.streams.push_back(s);
      }
      p.inputs.push_back(std::move(port));
    }
  }

  void ReadOutputs(const toml::array& outputs, Plan& p) const {
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::string where = fmt::format("outputs[{}]", i);
      const toml::table& t = Cast<toml::table>(*outputs.get(i), where);
      Keys(t, where, {"name", "dtype", "size", "streams", "sram", "expected", "tolerance"});
      Port port;
      port.name = Str(t, where, "name");
      for (const auto& have : p.outputs) {
        if (have.name == port.name) Fail(*t.get("name"), Key(where, "name"), fmt::format("output '{}' is given twice", port.name));
      }
      if (const toml::node* n = t.get("dtype"); n != nullptr && FindDType(Str(t, where, "dtype")) != DType::kFp32) {
        Fail(*n, Key(where, "dtype"), "outputs are fp32");
      }
      const NpyArray expected = Npy(t, where, "expected");
      port.size = expected.values.size();
      if (const toml::node* n = t.get("size")) {
        const int64_t size = IntValue(*n, Key(where, "size"), 0, std::numeric_limits<int64_t>::max());
        if (static_cast<size_t>(size) != port.size) {
          Fail(*n, Key(where, "size"), fmt::format("{} elements, but expected has {}", size, port.size));
        }
      }
      // Tolerance: { abs, rel } (abs + rel * |expected| per element), or an .npy of one per element.
      const toml::node& tol = *Get(t, where, "tolerance", true);
      std::vector<double> tolerance;
      if (tol.is_string()) {
        const NpyArray a = Npy(t, where, "tolerance");
        if (a.values.size() != port.size) {
          Fail(tol, Key(where, "tolerance"), fmt::format("{} values for {} expected elements", a.values.size(), port.size));
        }
        tolerance = a.values;
      } else {
        const std::string tw = Key(where, "tolerance");
        const toml::table& tt = Cast<toml::table>(tol, tw);
        Keys(tt, tw, {"abs", "rel"});
        if (!tt.contains("abs") && !tt.contains("rel")) Fail(tt, tw, "give abs, rel or both");
        const double abs = Num(tt, tw, "abs", 0), rel = Num(tt, tw, "rel", 0);
        if (!(abs >= 0) || !(rel >= 0)) Fail(tt, tw, "abs and rel must be at least 0");
        for (double e : expected.values) tolerance.push_back(abs + rel * std::fabs(e));
      }
      for (const auto& [x, y] : {std::pair<const char*, bool>{"streams", true}, {"sram", false}}) {
        const toml::node* n = Get(t, where, x, false);
        if (n == nullptr) continue;
        const auto& list = Cast<toml::array>(*n, Key(where, x));
        for (size_t j = 0; j < list.size(); ++j) {
          const std::string sw = fmt::format("{}.{}[{}]", where, x, j);
          const toml::table& st = Cast<toml::table>(*list.get(j), sw);
          if (y) {
            StreamSegment s = ReadStream(st, sw);
            Segment(st, sw, port.size, s.offset, s.count);
            port.streams.push_back(s);
          } else {
            Keys(st, sw, {"tile", "addr", "offset", "count"});
            SramSegment s;
            std::tie(s.x, s.y) = TileAt(*Get(st, sw, "tile", true), Key(sw, "tile"));
            s.addr = static_cast<uint32_t>(Int(st, sw, "addr", std::nullopt, 0, kMaxU32));
            Segment(st, sw, port.size, s.offset, s.count);
            port.sram.push_back(s);
          }
        }
      }
      // Every element comes from one segment.
      std::vector<int> from(port.size, 0);
      for (const auto& s : port.streams) {
        for (size_t e = s.offset; e < s.offset + s.count; ++e) ++from[e];
      }
      for (const auto& s : port.sram) {
        for (size_t e = s.offset; e < s.offset + s.count; ++e) ++from[e];
      }
      for (size_t e = 0; e < port.size; ++e) {
        if (from[e] != 1) {
          Fail(t, where, fmt::format("element {} of '{}' comes from {} streams and SRAM segments (one wanted)", e,
                                     port.name, from[e]));
        }
      }
      p.reference.insert(p.reference.end(), expected.values.begin(), expected.values.end());
      p.tolerance.insert(p.tolerance.end(), tolerance.begin(), tolerance.end());
      p.outputs.push_back(std::move(port));
    }
  }

  void ReadSramExpected(const toml::array& list, Plan& p) const {
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = fmt::format("sram_expected[{}]", i);
      const toml::table& t = Cast<toml::table>(*list.get(i), where);
      Keys(t, where, {"tile", "addr", "words", "name"});
      SramExpectation e;
      std::tie(e.x, e.y) = TileAt(*Get(t, where, "tile", true), Key(where, "tile"));
      e.addr = static_cast<uint32_t>(Int(t, where, "addr", std::nullopt, 0, kMaxU32));
      e.name = Str(t, where, "name", "");
      for (const auto& w : Cast<toml::array>(*Get(t, where, "words", true), Key(where, "words"))) {
        e.words.push_back(static_cast<uint32_t>(IntValue(w, Key(where, "words"), 0, kMaxU32)));
      }
      p.sram_expected.push_back(std::move(e));
    }
  }

  void ReadPhases(const toml::table& t, Plan& p) const {
    Keys(t, "phases", {"names", "stamps_addr", "tiles"});
    for (const auto& n : Cast<toml::array>(*Get(t, "phases", "names", true), "phases.names")) {
      const auto* s = n.as_string();
      if (s == nullptr) Fail(n, "phases.names", fmt::format("expected a string, got {}", TypeName(n)));
      p.phases.push_back(s->get());
    }
    p.stamps_addr = static_cast<uint32_t>(Int(t, "phases", "stamps_addr", std::nullopt, 0, kMaxU32));
    const toml::node& tiles = *Get(t, "phases", "tiles", true);
    if (const auto* s = tiles.as_string()) {
      if (s->get() != "all") Fail(tiles, "phases.tiles", "expected \"all\" or a list of tiles [x, y]");
      for (int y = 0; y < region_.height; ++y) {
        for (int x = 0; x < region_.width; ++x) p.stamped_tiles.emplace_back(x, y);
      }
    } else {
      for (const auto& n : Cast<toml::array>(tiles, "phases.tiles")) p.stamped_tiles.push_back(TileAt(n, "phases.tiles"));
    }
  }

  void ReadCost(const toml::table& t, Plan& p) const {
    Keys(t, "cost", {"estimated_cycles", "cycles_per_edge_hop", "compute_bound_cycles", "io_bound_cycles", "flops",
                     "macs_per_tile_cycle", "sram_bytes_per_tile"});
    Cost& c = p.cost;
    c.estimated_cycles = Num(t, "cost", "estimated_cycles", 0);
    c.cycles_per_edge_hop = Num(t, "cost", "cycles_per_edge_hop", 0);
    c.compute_bound_cycles = Num(t, "cost", "compute_bound_cycles", 0);
    c.io_bound_cycles = Num(t, "cost", "io_bound_cycles", 0);
    c.flops = Num(t, "cost", "flops", 0);
    c.macs_per_tile_cycle = Num(t, "cost", "macs_per_tile_cycle", 1);
    p.sram_bytes_per_tile = static_cast<uint32_t>(Int(t, "cost", "sram_bytes_per_tile", 0, 0, kMaxU32));
  }

  nlohmann::json Json(const toml::node& n) const {
    if (const auto* t = n.as_table()) {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& [k, v] : *t) j[std::string(k.str())] = Json(v);
      return j;
    }
    if (const auto* a = n.as_array()) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& v : *a) j.push_back(Json(v));
      return j;
    }
    if (const auto* s = n.as_string()) return s->get();
    if (const auto* i = n.as_integer()) return i->get();
    if (const auto* f = n.as_floating_point()) return f->get();
    if (const auto* b = n.as_boolean()) return b->get();
    Fail(n, "parameters", "dates and times are not taken");
  }

  std::string path_;
  fs::path dir_;
  Region region_;
};

// ---------------------------------------------------------------------------------------------
// Writing

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string BareKey(const std::string& k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? k : Quote(k);
}

std::string Float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string Hex(uint32_t w) { return fmt::format("0x{:08x}", w); }

std::string JsonToToml(const nlohmann::json& j) {
  if (j.is_object()) {
    std::string s;
    for (const auto& [k, v] : j.items()) {
      if (v.is_null()) continue;
      s += fmt::format("{}{} = {}", s.empty() ? "" : ", ", BareKey(k), JsonToToml(v));
    }
    return s.empty() ? "{}" : "{ " + s + " }";
  }
  if (j.is_array()) {
    std::string s;
    for (const auto& v : j) s += fmt::format("{}{}", s.empty() ? "" : ", ", JsonToToml(v));
    return "[" + s + "]";
  }
  if (j.is_string()) return Quote(j.get<std::string>());
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_number_unsigned() && j.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) {
    return Float(j.get<double>());
  }
  if (j.is_number_integer()) return fmt::format("{}", j.get<int64_t>());
  if (j.is_number_float()) return Float(j.get<double>());
  return "\"\"";
}

std::string Ports(uint32_t bits) {
  std::string s;
  for (const auto& p : kPorts) {
    if (bits & p.bit) s += fmt::format("{}\"{}\"", s.empty() ? "" : ", ", p.name);
  }
  return "[" + s + "]";
}

std::string RouteLine(const ColorRoute& r) {
  std::string s = fmt::format("{{ color = {}", r.color);
  if (!r.dynamic || r.rx != 0) s += fmt::format(", from = {}", Ports(r.rx));
  if (!r.dynamic || r.tx != 0) s += fmt::format(", to = {}", Ports(r.tx));
  if (r.dynamic) s += ", dynamic = true";
  return s + " }";
}

std::string At(int x, int y) { return fmt::format("[{}, {}]", x, y); }

std::string ShardLine(const Shard& s, const std::string& at) {
  return fmt::format("{{ {}tensor = {}, addr = {}, row0 = {}, rows = {}, col0 = {}, cols = {}, row_stride = {} }}", at,
                     Quote(s.tensor), s.addr, s.row0, s.rows, s.col0, s.cols, s.row_stride);
}

std::string RawLine(const RawData& r, const std::string& at) {
  std::string s;
  if (r.bytes.size() % 4 == 0) {
    for (size_t i = 0; i < r.bytes.size(); i += 4) {
      uint32_t w = 0;
      std::memcpy(&w, &r.bytes[i], 4);
      s += fmt::format("{}{}", i ? ", " : "", Hex(w));
    }
    return fmt::format("{{ {}addr = {}, words = [{}] }}", at, r.addr, s);
  }
  for (size_t i = 0; i < r.bytes.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", r.bytes[i]);
  return fmt::format("{{ {}addr = {}, bytes = [{}] }}", at, r.addr, s);
}

bool SameCode(const PlanTile& a, const PlanTile& b) {
  return a.role == b.role && a.program.file == b.program.file && a.program.params == b.program.params &&
         a.routes == b.routes;
}

std::string SafeName(const std::string& name) {
  std::string s = name;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
  }
  return s.empty() ? "_" : s;
}

void WriteFileAtomically(const fs::path& path, const std::string& text) {
  try {
    io::WriteFileAtomic(path.string(), text);
  } catch (const io::FileError& e) {
    throw std::invalid_argument(e.what());
  }
}

std::vector<std::string> Includes(const std::string& text) {
  static const std::regex re(R"re(^\s*\.include\s+"([^"]+)")re");
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, re)) out.push_back(m[1]);
  }
  return out;
}

// Copies a program and what it includes into `dir`, as the assembler finds them: a built-in
// program's includes among the built-in ones, under their built-in names; a file's beside it
// in `from`, else the built-in one of that name, copied beside it.
void CopyProgram(const std::string& name, const std::string* built_in, const fs::path& from, const fs::path& dir,
                 std::set<std::string>& done) {
  if (!done.insert(name).second) return;
  std::string text;
  const fs::path out = dir / name;
  if (built_in != nullptr) {
    text = *built_in;
  } else {
    const fs::path src = from / name;
    if (!fs::is_regular_file(src)) throw std::invalid_argument(fmt::format("{}: cannot open the program", src.string()));
    text = ReadText(src);
  }
  std::error_code ec;
  if (built_in != nullptr || !fs::equivalent(from / name, out, ec)) {
    fs::create_directories(out.parent_path(), ec);
    WriteFileAtomically(out, text);
  }
  const fs::path folder = fs::path(name).parent_path();
  for (const std::string& inc : Includes(text)) {
    const std::string beside = (folder / inc).lexically_normal().generic_string();
    if (built_in == nullptr && fs::is_regular_file(from / beside)) {
      CopyProgram(beside, nullptr, from, dir, done);
    } else if (built_in != nullptr && firmware::FindBuiltIn(beside) != nullptr) {
      CopyProgram(beside, firmware::FindBuiltIn(beside), from, dir, done);
    } else if (const std::string* lib = firmware::FindBuiltIn("kernels/" + inc)) {
      CopyProgram(built_in != nullptr ? "kernels/" + inc : beside, lib, from, dir, done);
    }
  }
}

std::string StreamLine(const StreamSegment& s) {
  return fmt::format("{{ tile = {}, side = \"{}\", color = {}, offset = {}, count = {} }}", At(s.x, s.y),
                     kSides[static_cast<int>(s.side)], s.color, s.offset, s.count);
}

}  // namespace

Plan ReadPlanFile(const std::string& path) { return Reader(path).Read(); }

void WritePlanDir(const Plan& plan, const std::string& dir_name, const std::string& program_dir) {
  const fs::path dir(dir_name);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw std::invalid_argument(fmt::format("{}: cannot make the folder", dir_name));
  const Region& r = plan.region;
  std::string s;
  s += "# A wafersim plan (docs/plans.md): `wafersim run --plan plan.toml` runs it from this folder.\n";
  s += fmt::format("kernel = {}\n", Quote(plan.kernel));
  if (!plan.description.empty()) s += fmt::format("description = {}\n", Quote(plan.description));
  if (!plan.report_line.empty()) s += fmt::format("report = {}\n", Quote(plan.report_line));
  if (!plan.parameters.is_null()) s += fmt::format("parameters = {}\n", JsonToToml(plan.parameters));
  s += fmt::format("\n[region]\nx0 = {}\ny0 = {}\nwidth = {}\nheight = {}\n", r.x0, r.y0, r.width, r.height);

  if (!plan.tensors.empty()) {
    s += "\n[tensors]\n";
    for (const auto& [name, t] : plan.tensors) {
      const std::string file = SafeName(name) + ".npy";
      s += fmt::format("{} = {{ file = {}, dtype = \"{}\" }}\n", BareKey(name), Quote(file), DTypeName(t.dtype));
      std::vector<double> values(t.values.begin(), t.values.end());
      WriteNpy((dir / file).string(), t.shape, values, t.dtype == DType::kFp32 ? "<f4" : "<f2");
    }
  }

  // Tiles: rectangles of tiles with the same program, parameters, role and routes, greedily.
  std::vector<int> grid(static_cast<size_t>(r.width) * r.height, -1);
  for (size_t i = 0; i < plan.tiles.size(); ++i) {
    const PlanTile& t = plan.tiles[i];
    if (t.x < 0 || t.y < 0 || t.x >= r.width || t.y >= r.height) {
      throw std::invalid_argument(fmt::format("plan '{}': tile ({},{}) is outside its {}x{} region", plan.kernel, t.x,
                                              t.y, r.width, r.height));
    }
    grid[static_cast<size_t>(t.y) * r.width + t.x] = static_cast<int>(i);
  }
  auto at = [&](int x, int y) -> int& { return grid[static_cast<size_t>(y) * r.width + x]; };
  for (int y = 0; y < r.height; ++y) {
    for (int x = 0; x < r.width; ++x) {
      if (at(x, y) < 0) continue;
      const PlanTile& first = plan.tiles[static_cast<size_t>(at(x, y))];
      int w = 1, h = 1;
      while (x + w < r.width && at(x + w, y) >= 0 && SameCode(plan.tiles[static_cast<size_t>(at(x + w, y))], first)) ++w;
      for (bool grow = true; grow && y + h < r.height;) {
        for (int i = 0; i < w && grow; ++i) {
          grow = at(x + i, y + h) >= 0 && SameCode(plan.tiles[static_cast<size_t>(at(x + i, y + h))], first);
        }
        if (grow) ++h;
      }
      std::vector<const PlanTile*> members;
      for (int j = 0; j < h; ++j) {
        for (int i = 0; i < w; ++i) {
          members.push_back(&plan.tiles[static_cast<size_t>(at(x + i, y + j))]);
          at(x + i, y + j) = -1;
        }
      }
      s += fmt::format("\n[[tiles]]\ntile = {}\n", At(x, y));
      if (w > 1 || h > 1) s += fmt::format("size = [{}, {}]\n", w, h);
      if (!first.role.empty()) s += fmt::format("role = {}\n", Quote(first.role));
      s += fmt::format("program = {}\n", Quote(first.program.file));
      if (!first.program.params.empty()) {
        std::string ps;
        for (const auto& [k, v] : first.program.params) ps += fmt::format("{}{} = {}", ps.empty() ? "" : ", ", BareKey(k), v);
        s += fmt::format("params = {{ {} }}\n", ps);
      }
      if (!first.routes.empty()) {
        s += "routes = [\n";
        for (const auto& route : first.routes) s += fmt::format("  {},\n", RouteLine(route));
        s += "]\n";
      }
      // Shards and raw words the same on every tile are written once, without a tile.
      const bool shared = std::all_of(members.begin(), members.end(), [&](const PlanTile* m) {
        return m->shards == first.shards && m->raw == first.raw;
      });
      const bool single = members.size() == 1 || shared;
      std::string shards, raws;
      for (const PlanTile* m : members) {
        const std::string where = single ? "" : fmt::format("tile = {}, ", At(m->x, m->y));
        for (const auto& sh : m->shards) shards += fmt::format("  {},\n", ShardLine(sh, where));
        for (const auto& raw : m->raw) raws += fmt::format("  {},\n", RawLine(raw, where));
        if (single) break;
      }
      if (!shards.empty()) s += "shards = [\n" + shards + "]\n";
      if (!raws.empty()) s += "raw = [\n" + raws + "]\n";
    }
  }

  for (const auto& port : plan.inputs) {
    s += fmt::format("\n[[inputs]]\nname = {}\ndtype = \"{}\"\n{}streams = [\n", Quote(port.name),
                     DTypeName(port.dtype), port.packed ? "packed = true\n" : "");
    for (const auto& st : port.streams) s += fmt::format("  {},\n", StreamLine(st));
    s += "]\n";
  }
  size_t base = 0;
  for (const auto& port : plan.outputs) {
    if (base + port.size > plan.reference.size() || base + port.size > plan.tolerance.size()) {
      throw std::invalid_argument(fmt::format("plan '{}': output '{}' has no reference values", plan.kernel, port.name));
    }
    const std::string stem = SafeName(port.name);
    s += fmt::format("\n[[outputs]]\nname = {}\nsize = {}\nexpected = \"{}.expected.npy\"\n"
                     "tolerance = \"{}.tolerance.npy\"  # per element; or {{ abs = A, rel = R }}\n",
                     Quote(port.name), port.size, stem, stem);
    const std::vector<int64_t> shape{static_cast<int64_t>(port.size)};
    WriteNpy((dir / (stem + ".expected.npy")).string(), shape,
             std::vector<double>(plan.reference.begin() + static_cast<std::ptrdiff_t>(base),
                                 plan.reference.begin() + static_cast<std::ptrdiff_t>(base + port.size)),
             "<f8");
    WriteNpy((dir / (stem + ".tolerance.npy")).string(), shape,
             std::vector<double>(plan.tolerance.begin() + static_cast<std::ptrdiff_t>(base),
                                 plan.tolerance.begin() + static_cast<std::ptrdiff_t>(base + port.size)),
             "<f8");
    base += port.size;
    if (!port.streams.empty()) {
      s += "streams = [\n";
      for (const auto& st : port.streams) s += fmt::format("  {},\n", StreamLine(st));
      s += "]\n";
    }
    if (!port.sram.empty()) {
      s += "sram = [\n";
      for (const auto& sg : port.sram) {
        s += fmt::format("  {{ tile = {}, addr = {}, offset = {}, count = {} }},\n", At(sg.x, sg.y), sg.addr, sg.offset,
                         sg.count);
      }
      s += "]\n";
    }
  }
  for (const auto& e : plan.sram_expected) {
    s += fmt::format("\n[[sram_expected]]\ntile = {}\naddr = {}\n", At(e.x, e.y), e.addr);
    if (!e.name.empty()) s += fmt::format("name = {}\n", Quote(e.name));
    s += "words = [";
    for (size_t i = 0; i < e.words.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", Hex(e.words[i]));
    s += "]\n";
  }

  if (!plan.phases.empty() || !plan.stamped_tiles.empty()) {
    s += "\n[phases]\nnames = [";
    for (size_t i = 0; i < plan.phases.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", Quote(plan.phases[i]));
    s += fmt::format("]\nstamps_addr = {}\n", plan.stamps_addr);
    bool all = plan.stamped_tiles.size() == static_cast<size_t>(r.width) * r.height;
    for (size_t i = 0; all && i < plan.stamped_tiles.size(); ++i) {
      all = plan.stamped_tiles[i] == std::make_pair(static_cast<int>(i % r.width), static_cast<int>(i / r.width));
    }
    if (all) {
      s += "tiles = \"all\"\n";
    } else {
      s += "tiles = [";
      for (size_t i = 0; i < plan.stamped_tiles.size(); ++i) {
        s += fmt::format("{}{}", i ? ", " : "", At(plan.stamped_tiles[i].first, plan.stamped_tiles[i].second));
      }
      s += "]\n";
    }
  }

  const Cost& c = plan.cost;
  s += fmt::format("\n[cost]\nestimated_cycles = {}\ncycles_per_edge_hop = {}\ncompute_bound_cycles = {}\n"
                   "io_bound_cycles = {}\nflops = {}\nmacs_per_tile_cycle = {}\nsram_bytes_per_tile = {}\n",
                   Float(c.estimated_cycles), Float(c.cycles_per_edge_hop), Float(c.compute_bound_cycles),
                   Float(c.io_bound_cycles), Float(c.flops), Float(c.macs_per_tile_cycle), plan.sram_bytes_per_tile);

  std::set<std::string> done;
  std::set<std::string> programs;
  for (const auto& t : plan.tiles) programs.insert(t.program.file);
  for (const auto& name : programs) CopyProgram(name, firmware::FindBuiltIn(name), fs::path(program_dir), dir, done);
  WriteFileAtomically(dir / "plan.toml", s);
}

}  // namespace wafersim::plan
