// The fabric configuration: presets carry the real machines' figures, files override them
// key by key, and a wrong file says which file, line, key and rule.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fabric_config.h"
#include "runtime/fabric_file.h"

using namespace wafersim::fabric;

namespace {
std::string Write(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}
std::string ErrorOf(const std::string& text) {
  try {
    LoadFabricConfig(Write("wafersim_cfg_test.toml", text), Preset("small"));
  } catch (const std::invalid_argument& e) {
    const std::string s = e.what();
    return s.substr(s.find("wafersim_cfg_test.toml") + std::string("wafersim_cfg_test.toml").size());
  }
  return "no error";
}
}  // namespace

TEST_CASE("presets carry the machines' figures", "[config]") {
  const auto w3 = Preset("wse3");
  CHECK(w3.width == 762);
  CHECK(w3.height == 1172);
  CHECK(w3.Tiles() == 893064);
  CHECK(w3.TotalSramBytes() / 1e9 == Approx(43.9).epsilon(0.01));  // "44 GB"
  CHECK(w3.clock_hz == 850e6);
  const auto w2 = Preset("wse2");
  CHECK(w2.Tiles() == 745500);
  CHECK(w2.colors == 24);
  CHECK(w2.TotalSramBytes() / 1e9 == Approx(36.6).epsilon(0.01));  // 40 GB quoted, binary GB
  CHECK(Preset("tiny").Tiles() == 4);
  CHECK_THROWS_WITH(Preset("wse9"), Catch::Contains("known: tiny, small, medium, wse2, wse3"));
  for (const auto& p : FabricPresets()) CHECK_NOTHROW(ValidateFabricConfig(Preset(p)));
}

TEST_CASE("a file overrides the preset key by key", "[config]") {
  const auto c = LoadFabricConfig(Write("wafersim_cfg_ok.toml", R"(
name = "lab"
[mesh]
width = 12
height = 3
[tile]
read_latency = 2
sram_banks = 4
[clock]
hz = 1.1e9
)"), Preset("small"));
  CHECK(c.name == "lab");
  CHECK(c.width == 12);
  CHECK(c.height == 3);
  CHECK(c.read_latency == 2);
  CHECK(c.sram_banks == 4);
  CHECK(c.clock_hz == 1.1e9);
  CHECK(c.colors == 8);  // untouched keys keep the preset's value
}

TEST_CASE("a wrong file names the line, the key and the rule", "[config]") {
  CHECK(ErrorOf("[mesh]\nwidth = 0\n") == ":2: mesh.width: 0 is outside 1..2048");
  CHECK(ErrorOf("[mesh]\nwidht = 4\n") == ":2: mesh.widht: unknown key");
  CHECK(ErrorOf("[mesh]\nwidth = \"eight\"\n") == ":2: mesh.width: must be an integer");
  CHECK(ErrorOf("[tile]\nsram_banks = 6\n") == ": tile.sram_banks: 6 is not a power of two");
  CHECK(ErrorOf("[clock]\nhz = -5\n") == ":2: clock.hz: -5 is outside (0, 10e9]");
  CHECK(ErrorOf("[mesh\nwidth = 4\n").rfind(":1:", 0) == 0);  // a syntax error, with its position
  CHECK(ErrorOf("speed = 3\n") == ":1: speed: unknown key (sections: mesh, router, tile, clock, edge)");
}

TEST_CASE("every key is documented with a default, unit and meaning", "[config]") {
  for (const auto& k : FabricKeys()) {
    INFO(k.key);
    CHECK(!k.fallback.empty());
    CHECK(!k.unit.empty());
    CHECK(!k.meaning.empty());
  }
  CHECK(FabricKeys().size() == 14);
}
