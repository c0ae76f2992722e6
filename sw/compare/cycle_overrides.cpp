#include "compare/cycle_overrides.h"

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/file_io.h"

namespace wafersim::compare {

CycleOverrides CycleOverrides::Load(const std::string& path) {
  std::string text;
  try {
    text = io::ReadFile(path);
  } catch (const io::FileError& e) {
    throw std::invalid_argument(fmt::format("--layer-cycles {}", e.what()));
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("--layer-cycles {}: not JSON ({})", path, e.what()));
  }
  if (!j.is_object() || !j.contains("kernels") || !j["kernels"].is_object()) {
    throw std::invalid_argument(fmt::format("--layer-cycles {}: expected an object with \"kernels\"", path));
  }
  CycleOverrides o;
  for (const auto& [name, v] : j["kernels"].items()) {
    const auto number = [&](const char* key) {
      if (!v.is_object() || !v.contains(key) || !v[key].is_number() || v[key].get<double>() < 0) {
        throw std::invalid_argument(
            fmt::format("--layer-cycles {}: kernels.{}.{}: must be a number >= 0", path, name, key));
      }
      return v[key].get<double>();
    };
    o.Set(name, {number("fixed_cycles"), number("token_cycles")});
  }
  return o;
}

std::optional<StageCost> CycleOverrides::Find(const std::string& kernel) const {
  const auto it = by_kernel_.find(kernel);
  if (it == by_kernel_.end()) return std::nullopt;
  return it->second;
}

}  // namespace wafersim::compare
