// What the vector kernels (rmsnorm, silu_mul, residual) share: the checks of their request
// (--d-model, --tokens, binary32) and the data segments of their operands; and, for the
// elementwise ones, the split of T x d elements, flattened, into one contiguous piece per
// tile of the region, grown with --fit until the largest piece fits.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fabric_config.h"
#include "isa/program.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// Throws naming the flag when --d-model, --tokens or --dtype is not one `kernel` takes.
void CheckVectorRequest(const KernelRequest& req, const std::string& kernel);

/// The values as binary32 words at `addr`.
isa::DataSegment Float32Segment(uint32_t addr, const std::vector<float>& values);

struct FlatSplit {
  int width, height;     ///< the region
  int64_t max_elements;  ///< the first (largest) piece
};
/// Splits `total` elements over the requested region (every tile at least one). With
/// req.fit the region doubles (width first) while `bytes_for(largest piece)` exceeds a
/// tile's SRAM; whether the result fits is for the caller to say.
FlatSplit SplitFlat(const KernelRequest& req, const fabric::FabricConfig& fabric, int64_t total,
                    const std::function<uint64_t(int64_t)>& bytes_for);

}  // namespace wafersim::runtime
