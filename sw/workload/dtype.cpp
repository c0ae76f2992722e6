#include "workload/dtype.h"

#include <fmt/format.h>

#include "workload/key_error.h"

namespace wafersim::workload {

DType ParseDType(const std::string& text) {
  if (text == "fp16" || text == "binary16" || text == "half") return DType::kFp16;
  if (text == "bf16" || text == "bfloat16") return DType::kBf16;
  if (text == "fp8" || text == "e4m3") return DType::kFp8;
  if (text == "fp32" || text == "binary32") return DType::kFp32;
  throw KeyError("run.dtype", text, fmt::format("must be one of {}", fmt::join(DTypeNames(), ", ")));
}

std::string DTypeName(DType t) {
  switch (t) {
    case DType::kFp16: return "fp16";
    case DType::kBf16: return "bf16";
    case DType::kFp8: return "fp8";
    case DType::kFp32: return "fp32";
  }
  return "?";
}

std::string DTypeMeaning(DType t) {
  switch (t) {
    case DType::kFp16: return "binary16 storage, binary32 accumulation";
    case DType::kBf16: return "bfloat16 storage, binary32 accumulation";
    case DType::kFp8: return "fp8 e4m3 storage, binary32 accumulation";
    case DType::kFp32: return "binary32 storage and accumulation";
  }
  return "?";
}

std::vector<std::string> DTypeNames() { return {"fp16", "bf16", "fp8", "fp32"}; }

int DTypeBytes(DType t) {
  switch (t) {
    case DType::kFp16:
    case DType::kBf16: return 2;
    case DType::kFp8: return 1;
    case DType::kFp32: return 4;
  }
  return 0;
}

}  // namespace wafersim::workload
