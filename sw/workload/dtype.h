// Number formats a workload's weights, activations and KV cache are stored in: the project's
// formats (common/dtype.h) but tf32, a GPU's matrix-unit mode. Products and sums accumulate in
// binary32 whatever the storage: the fabric's tensor path multiplies binary16 and accumulates
// binary32; bf16 and fp8 name the GPU side's formats.
#pragma once

#include <string>
#include <vector>

#include "common/dtype.h"

namespace wafersim::workload {

using wafersim::DType;
using wafersim::DTypeBytes;
using wafersim::DTypeName;

/// The storage formats: fp32, bf16, fp16 and fp8.
inline const std::vector<DType> kStorageDTypes = {DType::kFp32, DType::kBf16, DType::kFp16, DType::kFp8};

/// A storage format by its name or an alias (common/dtype.h); throws KeyError for run.dtype
/// listing the names.
DType ParseDType(const std::string& text);

}  // namespace wafersim::workload
