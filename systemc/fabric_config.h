// The wafer fabric's configuration: mesh size, router colors and buffers, per-tile SRAM,
// clock and edge bandwidth. From a preset (wse2, wse3 and small ones for tests) and/or a
// TOML file; every key is documented once (FabricKeys) with its default, unit and meaning,
// and a wrong file names the file, line, key and rule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wafersim::fabric {

/// The most tiles along a side of the mesh (mesh.width, mesh.height, --mesh): a wafer's 762 x
/// 1172 with room; past it the host memory of the tiles alone runs to tens of gigabytes.
inline constexpr int kMaxMeshSide = 2048;

struct FabricConfig {
  std::string name = "small";
  int width = 8;                ///< tiles along x
  int height = 8;               ///< tiles along y
  int colors = 8;               ///< colors (virtual channels) per router port
  int buffer_depth = 4;         ///< wavelets per color per router input
  int sram_bytes = 48 * 1024;   ///< data SRAM per tile
  int sram_banks = 8;           ///< banks per tile, word-interleaved
  int bank_width_bytes = 4;     ///< bytes per bank access
  int read_latency = 1;         ///< cycles from a served read to its data
  int write_latency = 1;        ///< cycles a write holds its bank port
  int bank_ports = 1;           ///< ports per bank (accesses a bank holds at once)
  int simd_width = 4;           ///< binary16 lanes of the tensor path
  int imem_words = 4096;        ///< instruction memory per tile
  double clock_hz = 850e6;      ///< tile clock
  double edge_wavelets_per_cycle = 1.0;  ///< wavelets per cycle each edge link carries in or out

  int64_t Tiles() const { return int64_t{width} * height; }
  int64_t TotalSramBytes() const { return Tiles() * sram_bytes; }
};

/// One documented key of the configuration file.
struct FabricKey {
  std::string key;      ///< "section.name" as written in the TOML file
  std::string fallback;  ///< the default (of the "small" preset), as text
  std::string unit;
  std::string meaning;
};
const std::vector<FabricKey>& FabricKeys();

/// Names of the presets.
std::vector<std::string> FabricPresets();
/// Throws std::invalid_argument listing the presets when `name` is not one.
FabricConfig Preset(const std::string& name);
/// A fabric TOML file's text (read from `path`, which errors name) over `base`; throws
/// std::invalid_argument with "file:line: key: rule". Reading the file is the caller's
/// (runtime/fabric_file.h), so the fabric reads no files of its own.
FabricConfig ParseFabricConfig(const std::string& text, const std::string& path, const FabricConfig& base);
/// Checks a configuration's values; throws std::invalid_argument naming the key and the rule.
void ValidateFabricConfig(const FabricConfig& c);

}  // namespace wafersim::fabric
