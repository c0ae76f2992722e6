// Number formats a workload's weights, activations and KV cache are stored in. Products and sums
// accumulate in binary32 whatever the storage: the fabric's tensor path multiplies binary16 and
// accumulates binary32; bf16 and fp8 name the GPU side's formats.
#pragma once

#include <string>
#include <vector>

namespace wafersim::workload {

enum class DType {
  kFp16,  ///< IEEE 754 binary16 storage, binary32 accumulation (the default, and the fabric's)
  kBf16,  ///< bfloat16 storage, binary32 accumulation
  kFp8,   ///< fp8 e4m3 storage, binary32 accumulation (GPU side)
  kFp32,  ///< binary32 storage and accumulation
};

/// "fp16" (also "binary16", "half"), "bf16", "fp8" (also "e4m3"), "fp32" (also "binary32").
/// Throws KeyError for run.dtype listing the names.
DType ParseDType(const std::string& text);
/// The canonical name: "fp16", "bf16", "fp8" or "fp32".
std::string DTypeName(DType t);
/// What the name means, e.g. "binary16 storage, binary32 accumulation".
std::string DTypeMeaning(DType t);
std::vector<std::string> DTypeNames();
/// Bytes one stored element takes.
int DTypeBytes(DType t);

}  // namespace wafersim::workload
