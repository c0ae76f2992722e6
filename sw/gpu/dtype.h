// Element types the GPU model knows: what they cost in bytes, and their names on the command line.
#pragma once

#include <string>
#include <vector>

namespace wafersim::gpu {

enum class DType { kFp32, kTf32, kBf16, kFp16, kFp8 };

/// "bf16" -> DType::kBf16; throws std::invalid_argument naming --dtype and the known names.
DType ParseDType(const std::string& text);
std::string DTypeName(DType t);
std::vector<std::string> DTypeNames();
/// Bytes one element occupies in memory (tf32 is stored as fp32).
int DTypeBytes(DType t);
/// Bytes of one element a kernel writes back: fp8 products are written as bf16.
int OutputBytes(DType t);

}  // namespace wafersim::gpu
