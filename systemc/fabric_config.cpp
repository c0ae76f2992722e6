#include "fabric_config.h"

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <toml++/toml.h>


namespace wafersim::fabric {

namespace {

// How a key reads into the configuration, and the rule its value must keep.
struct KeyBinding {
  FabricKey doc;
  std::function<void(FabricConfig&, const toml::node&, const std::function<void(const std::string&)>&)> read;
};

std::function<void(FabricConfig&, const toml::node&, const std::function<void(const std::string&)>&)>
Int(int FabricConfig::*field, int64_t lo, int64_t hi) {
  return [=](FabricConfig& c, const toml::node& n, const std::function<void(const std::string&)>& fail) {
    // Checked before reading: toml++ converts a float to an integer with a cast
    // that is undefined out of range (1e96).
    if (!n.is_integer()) fail("must be an integer");
    const auto v = n.value<int64_t>();
    if (!v) fail("must be an integer");
    if (*v < lo || *v > hi) fail(fmt::format("{} is outside {}..{}", *v, lo, hi));
    c.*field = static_cast<int>(*v);
  };
}

const std::vector<KeyBinding>& Bindings() {
  static const std::vector<KeyBinding> bindings = {
      {{"mesh.width", "8", "tiles", "tiles along x (East)"}, Int(&FabricConfig::width, 1, kMaxMeshSide)},
      {{"mesh.height", "8", "tiles", "tiles along y (South)"}, Int(&FabricConfig::height, 1, kMaxMeshSide)},
      {{"router.colors", "8", "colors", "colors (virtual channels) per router port"},
       Int(&FabricConfig::colors, 1, 32)},
      {{"router.buffer_depth", "4", "wavelets", "input buffer per color per router port"},
       Int(&FabricConfig::buffer_depth, 1, 64)},
      {{"tile.sram_bytes", "49152", "bytes", "data SRAM per tile"}, Int(&FabricConfig::sram_bytes, 1024, 1 << 24)},
      {{"tile.sram_banks", "8", "banks", "SRAM banks per tile, word-interleaved (a power of two)"},
       Int(&FabricConfig::sram_banks, 1, 64)},
      {{"tile.bank_width_bytes", "4", "bytes", "bytes per bank access"}, Int(&FabricConfig::bank_width_bytes, 4, 4)},
      {{"tile.read_latency", "1", "cycles", "from a served SRAM read to its data"},
       Int(&FabricConfig::read_latency, 1, 16)},
      {{"tile.write_latency", "1", "cycles", "a write holds its bank port this long (a later access to the bank waits)"},
       Int(&FabricConfig::write_latency, 1, 16)},
      {{"tile.bank_ports", "1", "ports", "accesses a bank serves at once (reads hold a port 1 cycle)"},
       Int(&FabricConfig::bank_ports, 1, 4)},
      {{"tile.simd_width", "4", "lanes", "binary16 multiply-accumulates per cycle"}, Int(&FabricConfig::simd_width, 1, 16)},
      {{"tile.imem_words", "4096", "words", "instruction memory per tile (a power of two)"},
       Int(&FabricConfig::imem_words, 16, 65536)},
      {{"clock.hz", "850e6", "Hz", "tile clock"},
       [](FabricConfig& c, const toml::node& n, const std::function<void(const std::string&)>& fail) {
         const auto v = n.value<double>();
         if (!v) fail("must be a number");
         if (!(*v > 0 && *v <= 10e9)) fail(fmt::format("{} is outside (0, 10e9]", *v));
         c.clock_hz = *v;
       }},
      {{"edge.wavelets_per_cycle", "1", "wavelets/cycle", "each edge link, into or out of the wafer (at most 1)"},
       [](FabricConfig& c, const toml::node& n, const std::function<void(const std::string&)>& fail) {
         const auto v = n.value<double>();
         if (!v) fail("must be a number");
         if (!(*v > 0 && *v <= 1)) fail(fmt::format("{} is outside (0, 1]", *v));
         c.edge_wavelets_per_cycle = *v;
       }},
  };
  return bindings;
}

bool PowerOfTwo(int v) { return v > 0 && (v & (v - 1)) == 0; }

}  // namespace

const std::vector<FabricKey>& FabricKeys() {
  static const std::vector<FabricKey> keys = [] {
    std::vector<FabricKey> k;
    for (const auto& b : Bindings()) k.push_back(b.doc);
    return k;
  }();
  return keys;
}

std::vector<std::string> FabricPresets() { return {"tiny", "small", "medium", "wse2", "wse3"}; }

FabricConfig Preset(const std::string& name) {
  FabricConfig c;
  c.name = name;
  if (name == "tiny") {
    c.width = c.height = 2;
  } else if (name == "small") {
    c.width = c.height = 8;
  } else if (name == "medium") {
    c.width = c.height = 16;
  } else if (name == "wse2") {
    // Cerebras WSE-2: about 850,000 PEs in a 750 x 994 grid, 48 KB each (40 GB), 24 routable
    // colors, 850 MHz in the public SDK's timing code.
    c.width = 750;
    c.height = 994;
    c.colors = 24;
  } else if (name == "wse3") {
    // Cerebras WSE-3: about 900,000 PEs in a 762 x 1172 grid, 48 KB each (44 GB), 850 MHz.
    c.width = 762;
    c.height = 1172;
    c.colors = 24;
  } else {
    std::string list;
    for (const auto& p : FabricPresets()) list += fmt::format("{}{}", list.empty() ? "" : ", ", p);
    throw std::invalid_argument(fmt::format("unknown fabric preset '{}' (known: {})", name, list));
  }
  return c;
}

void ValidateFabricConfig(const FabricConfig& c) {
  auto fail = [](const std::string& key, const std::string& rule) {
    throw std::invalid_argument(fmt::format("{}: {}", key, rule));
  };
  for (const auto& [key, side] : {std::pair<const char*, int>{"mesh.width", c.width}, {"mesh.height", c.height}}) {
    if (side < 1 || side > kMaxMeshSide) fail(key, fmt::format("{} is outside 1..{}", side, kMaxMeshSide));
  }
  if (!PowerOfTwo(c.sram_banks)) fail("tile.sram_banks", fmt::format("{} is not a power of two", c.sram_banks));
  if (!PowerOfTwo(c.imem_words)) fail("tile.imem_words", fmt::format("{} is not a power of two", c.imem_words));
  if (c.sram_bytes % (c.sram_banks * c.bank_width_bytes) != 0) {
    fail("tile.sram_bytes", fmt::format("{} is not a whole number of rows of {} banks x {} bytes", c.sram_bytes,
                                        c.sram_banks, c.bank_width_bytes));
  }
}

FabricConfig ParseFabricConfig(const std::string& text, const std::string& path, const FabricConfig& base) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw std::invalid_argument(fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column,
                                            e.description()));
  }
  FabricConfig c = base;
  if (const auto name = root["name"].value<std::string>()) c.name = *name;
  // Every key in the file must be a known one.
  for (const auto& [section, node] : root) {
    const std::string s(section.str());
    if (s == "name") continue;
    const auto* tbl = node.as_table();
    if (tbl == nullptr) {
      throw std::invalid_argument(fmt::format("{}:{}: {}: unknown key (sections: mesh, router, tile, clock, edge)",
                                              path, node.source().begin.line, s));
    }
    for (const auto& [key, value] : *tbl) {
      const std::string full = s + "." + std::string(key.str());
      const KeyBinding* binding = nullptr;
      for (const auto& b : Bindings()) {
        if (b.doc.key == full) binding = &b;
      }
      const auto line = value.source().begin.line;
      if (binding == nullptr) {
        throw std::invalid_argument(fmt::format("{}:{}: {}: unknown key", path, line, full));
      }
      binding->read(c, value, [&](const std::string& rule) {
        throw std::invalid_argument(fmt::format("{}:{}: {}: {}", path, line, full, rule));
      });
    }
  }
  try {
    ValidateFabricConfig(c);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("{}: {}", path, e.what()));
  }
  return c;
}

}  // namespace wafersim::fabric
