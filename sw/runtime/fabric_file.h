// The fabric configuration a command names: a preset, a TOML file over it, and the mesh size.
// The file is read here, on the runtime's side, and parsed by the fabric (fabric_config.h), so
// systemc/ reads no files and links nothing of sw/.
#pragma once

#include <string>

#include "fabric_config.h"

namespace wafersim::fabric {

/// Reads a TOML file over `base`; throws std::invalid_argument with "file:line: key: rule", or
/// the file's own error (missing, unreadable, a directory).
FabricConfig LoadFabricConfig(const std::string& path, const FabricConfig& base);

/// The configuration every command assembles the same way: the preset, the TOML file's keys
/// over it (when `file` is not empty), then the mesh size (when `width` is above 0: --mesh,
/// each side at most kMaxMeshSide); checked.
FabricConfig ResolveFabricConfig(const std::string& preset, const std::string& file, int width = 0, int height = 0);

}  // namespace wafersim::fabric
