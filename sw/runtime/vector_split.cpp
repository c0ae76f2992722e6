#include "runtime/vector_split.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "isa/fp.h"
#include "runtime/mapping_util.h"

namespace wafersim::runtime {

void CheckVectorRequest(const KernelRequest& req, const std::string& kernel) {
  if (req.d_model < 1 || req.d_model > 1'000'000) {
    throw std::invalid_argument(fmt::format("--d-model: {} must be in 1..1,000,000", req.d_model));
  }
  if (req.tokens < 1 || req.tokens > 1'000'000) {
    throw std::invalid_argument(fmt::format("--tokens: {} must be in 1..1,000,000", req.tokens));
  }
  if (req.dtype != DType::kFp32) {
    throw std::invalid_argument(fmt::format("--dtype {}: {} takes fp32 only", DTypeName(req.dtype), kernel));
  }
}

isa::DataSegment Float32Segment(uint32_t addr, const std::vector<float>& values) {
  isa::DataSegment seg;
  seg.addr = addr;
  seg.bytes.resize(values.size() * 4);
  for (size_t i = 0; i < values.size(); ++i) {
    const uint32_t v = isa::AsBits(values[i]);
    std::memcpy(&seg.bytes[i * 4], &v, 4);
  }
  return seg;
}

FlatSplit SplitFlat(const KernelRequest& req, const fabric::FabricConfig& fabric, int64_t total,
                    const std::function<uint64_t(int64_t)>& bytes_for) {
  const RegionSize asked = RequestedRegion(req, fabric);
  int pw = asked.width, ph = asked.height;
  auto clamp = [&] {
    pw = static_cast<int>(std::min<int64_t>(pw, total));
    ph = static_cast<int>(std::min<int64_t>(ph, total / pw));
  };
  clamp();
  auto largest = [&] { return Share(total, int64_t{pw} * ph, 0); };
  while (req.fit && bytes_for(largest()) > static_cast<uint32_t>(fabric.sram_bytes) &&
         int64_t{pw} * ph < std::min<int64_t>(int64_t{fabric.width} * fabric.height, total)) {
    if (pw < fabric.width) {
      pw = std::min(pw * 2, fabric.width);
    } else {
      ph = std::min(ph * 2, fabric.height);
    }
    clamp();
  }
  return {pw, ph, largest()};
}

}  // namespace wafersim::runtime
