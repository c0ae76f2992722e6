#include "runtime/fabric_file.h"

#include <stdexcept>

#include <fmt/format.h>

#include "io/file_io.h"

namespace wafersim::fabric {

FabricConfig LoadFabricConfig(const std::string& path, const FabricConfig& base) {
  std::string text;
  try {
    text = io::ReadFile(path);
  } catch (const io::FileError& e) {
    throw std::invalid_argument(e.what());
  }
  return ParseFabricConfig(text, path, base);
}

FabricConfig ResolveFabricConfig(const std::string& preset, const std::string& file, int width, int height) {
  FabricConfig c = Preset(preset);
  if (!file.empty()) c = LoadFabricConfig(file, c);
  if (width > 0) {
    if (width > kMaxMeshSide || height < 1 || height > kMaxMeshSide) {
      throw std::invalid_argument(fmt::format("--mesh {}x{}: each side must be 1..{} (as mesh.width and mesh.height "
                                              "in a fabric file)", width, height, kMaxMeshSide));
    }
    c.width = width;
    c.height = height;
  }
  ValidateFabricConfig(c);
  return c;
}

}  // namespace wafersim::fabric
