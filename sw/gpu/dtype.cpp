#include "gpu/dtype.h"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace wafersim::gpu {

namespace {
struct Entry {
  DType type;
  const char* name;
  int bytes;
};
constexpr Entry kTypes[] = {
    {DType::kFp32, "fp32", 4}, {DType::kTf32, "tf32", 4}, {DType::kBf16, "bf16", 2},
    {DType::kFp16, "fp16", 2}, {DType::kFp8, "fp8", 1},
};
}  // namespace

DType ParseDType(const std::string& text) {
  for (const auto& e : kTypes) {
    if (text == e.name) return e.type;
  }
  throw std::invalid_argument(
      fmt::format("--dtype {}: unknown type (known: {})", text, fmt::join(DTypeNames(), ", ")));
}

std::string DTypeName(DType t) {
  for (const auto& e : kTypes) {
    if (e.type == t) return e.name;
  }
  return "?";
}

std::vector<std::string> DTypeNames() {
  std::vector<std::string> names;
  for (const auto& e : kTypes) names.emplace_back(e.name);
  return names;
}

int DTypeBytes(DType t) {
  for (const auto& e : kTypes) {
    if (e.type == t) return e.bytes;
  }
  return 4;
}

int OutputBytes(DType t) { return t == DType::kFp8 ? 2 : DTypeBytes(t); }

}  // namespace wafersim::gpu
