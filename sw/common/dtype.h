// Number formats: one vocabulary for the runtime and plans (`wafersim run --dtype`, a plan's
// tensors and ports), the workloads, the GPU model and compare. Each format has one canonical
// name, used in every output; parsing also accepts the older and longer names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace wafersim {

enum class DType {
  kFp32,  ///< "fp32" (also "f32", "binary32"): IEEE 754 binary32
  kTf32,  ///< "tf32": binary32 in memory, 10-bit mantissa in a GPU's matrix units
  kBf16,  ///< "bf16" (also "bfloat16"): binary32's exponent, 7-bit mantissa
  kFp16,  ///< "fp16" (also "f16", "binary16", "half"): IEEE 754 binary16
  kFp8,   ///< "fp8" (also "e4m3"): 4-bit exponent, 3-bit mantissa
};

/// Every format, in the order names are listed.
inline const std::vector<DType> kAllDTypes = {DType::kFp32, DType::kTf32, DType::kBf16, DType::kFp16, DType::kFp8};

/// The canonical name: "fp32", "tf32", "bf16", "fp16" or "fp8".
const char* DTypeName(DType t);
/// What the format is, in a few words ("IEEE 754 binary16").
const char* DTypeMeaning(DType t);
/// Bytes one element occupies in memory (tf32 is stored as fp32).
int DTypeBytes(DType t);
/// The canonical names of `types`, in order.
std::vector<std::string> DTypeNames(const std::vector<DType>& types = kAllDTypes);

/// The format a canonical name or an alias names; nothing for any other text.
std::optional<DType> FindDType(std::string_view text);
/// "must be one of fp32, fp16": the rule a value outside `allowed` breaks.
std::string DTypeRule(const std::vector<DType>& allowed = kAllDTypes);
/// `text` as one of `allowed`; otherwise throws std::invalid_argument naming `where` (the flag
/// or key the text came from) and the names: "--dtype f8: must be one of fp32, fp16".
DType ParseDType(std::string_view text, std::string_view where, const std::vector<DType>& allowed = kAllDTypes);

/// JSON gives a format as its canonical name (never its enum value).
void to_json(nlohmann::json& j, DType t);

}  // namespace wafersim
