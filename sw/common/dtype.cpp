#include "common/dtype.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace wafersim {

namespace {

struct Format {
  DType type;
  const char* name;
  int bytes;
  const char* meaning;
  std::vector<std::string_view> aliases;
};

const std::vector<Format>& Formats() {
  static const std::vector<Format> kFormats = {
      {DType::kFp32, "fp32", 4, "IEEE 754 binary32", {"f32", "binary32"}},
      {DType::kTf32, "tf32", 4, "binary32 in memory, 10-bit mantissa in the matrix units", {}},
      {DType::kBf16, "bf16", 2, "bfloat16: binary32's exponent, 7-bit mantissa", {"bfloat16"}},
      {DType::kFp16, "fp16", 2, "IEEE 754 binary16", {"f16", "binary16", "half"}},
      {DType::kFp8, "fp8", 1, "fp8 e4m3", {"e4m3"}},
  };
  return kFormats;
}

// The table lists the formats in the enum's order.
const Format& Of(DType t) {
  const auto i = static_cast<size_t>(t);
  assert(i < Formats().size() && Formats()[i].type == t);
  return Formats()[i];
}

}  // namespace

const char* DTypeName(DType t) { return Of(t).name; }
const char* DTypeMeaning(DType t) { return Of(t).meaning; }
int DTypeBytes(DType t) { return Of(t).bytes; }

std::vector<std::string> DTypeNames(const std::vector<DType>& types) {
  std::vector<std::string> names;
  for (DType t : types) names.emplace_back(DTypeName(t));
  return names;
}

std::optional<DType> FindDType(std::string_view text) {
  for (const auto& f : Formats()) {
    if (text == f.name || std::find(f.aliases.begin(), f.aliases.end(), text) != f.aliases.end()) return f.type;
  }
  return std::nullopt;
}

std::string DTypeRule(const std::vector<DType>& allowed) {
  return fmt::format("must be one of {}", fmt::join(DTypeNames(allowed), ", "));
}

DType ParseDType(std::string_view text, std::string_view where, const std::vector<DType>& allowed) {
  const std::optional<DType> t = FindDType(text);
  if (!t || std::find(allowed.begin(), allowed.end(), *t) == allowed.end()) {
    throw std::invalid_argument(fmt::format("{} {}: {}", where, text, DTypeRule(allowed)));
  }
  return *t;
}

void to_json(nlohmann::json& j, DType t) { j = DTypeName(t); }

}  // namespace wafersim
