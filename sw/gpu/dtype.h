// Element types the GPU model knows: the project's number formats (common/dtype.h), and what a
// kernel writes back.
#pragma once

#include "common/dtype.h"

namespace wafersim::gpu {

using wafersim::DType;

/// Bytes of one element a kernel writes back: fp8 products are written as bf16.
inline int OutputBytes(DType t) { return t == DType::kFp8 ? 2 : DTypeBytes(t); }

}  // namespace wafersim::gpu
