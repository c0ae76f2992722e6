// What every mapper uses to write tile programs: router port bits and static route words,
// the assembly that configures a color, the region a request asks for, even splits of a
// dimension over tiles, and the error bounds of binary32 arithmetic and of the firmware's exp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "fabric_config.h"
#include "isa/fp.h"
#include "plan/plan.h"
#include "runtime/even_split.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

struct RegionSize {
  int width, height;
};
/// --region, or the whole mesh; throws std::invalid_argument naming --region when it does not
/// fit the mesh.
inline RegionSize RequestedRegion(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  const RegionSize r{req.region_width > 0 ? req.region_width : fabric.width,
                     req.region_height > 0 ? req.region_height : fabric.height};
  if (r.width > fabric.width || r.height > fabric.height) {
    throw std::invalid_argument(fmt::format("--region: {}x{} does not fit the {}x{} mesh", r.width, r.height,
                                            fabric.width, fabric.height));
  }
  return r;
}

/// Bytes of a stored element for --dtype: 4 (fp32) or 2 (fp16, binary32 arithmetic); throws
/// std::invalid_argument naming --dtype otherwise.
inline uint32_t ElementBytes(const KernelRequest& req) {
  if (std::find(plan::kPlanDTypes.begin(), plan::kPlanDTypes.end(), req.dtype) == plan::kPlanDTypes.end()) {
    throw std::invalid_argument(fmt::format("--dtype {}: {}", DTypeName(req.dtype), DTypeRule(plan::kPlanDTypes)));
  }
  return static_cast<uint32_t>(DTypeBytes(req.dtype));
}

/// `v` as an element of `es` bytes holds it: itself, or rounded to binary16 (references use
/// the values as stored).
inline float AsStored(float v, uint32_t es) {
  return es == 4 ? v : isa::AsFloat(isa::F16ToF32(isa::F32ToF16(isa::AsBits(v))));
}

/// Throws std::invalid_argument when the request gives an input the mapper does not take (a
/// block's chaining would otherwise be silently ignored).
inline void CheckInputNames(const KernelRequest& req, std::initializer_list<const char*> names) {
  for (const auto& [given, values] : req.inputs) {
    bool known = false;
    std::string list;
    for (const char* n : names) {
      known |= given == n;
      list += (list.empty() ? "" : ", ") + std::string(n);
    }
    if (!known) {
      throw std::invalid_argument(fmt::format("{} takes no input '{}' (its inputs: {})", req.kernel, given,
                                              list.empty() ? "none" : list));
    }
  }
}

/// Replaces `values` (drawn from the seed) with the activation `name` the request gives, if it
/// gives one; throws std::invalid_argument naming the input when its size differs.
inline void TakeInput(const KernelRequest& req, const std::string& name, std::vector<float>& values) {
  const auto it = req.inputs.find(name);
  if (it == req.inputs.end()) return;
  if (it->second.size() != values.size()) {
    throw std::invalid_argument(fmt::format("{} input '{}': {} values given, the kernel takes {}", req.kernel, name,
                                            it->second.size(), values.size()));
  }
  values = it->second;
}

/// A plan's tensor's values (its weights, as drawn), for a reference computed outside it.
inline const std::vector<float>& Values(const plan::Plan& p, const char* tensor) { return p.tensors.at(tensor).values; }

inline constexpr double kU = 0x1p-24;  ///< binary32 unit roundoff
inline constexpr double kU16 = 0x1p-11;            ///< binary16 unit roundoff
inline constexpr double kHalfSubnormal = 0x1p-25;  ///< binary16's largest rounding error below its normal range

/// y = W v for W m x n (row-major), in double precision, with the error bound ey of a binary32
/// GEMV's answer on inputs held to within ev: its own roundings and v's errors carried.
inline void GemvReference(const std::vector<float>& w, int64_t m, int64_t n, const std::vector<double>& v,
                          const std::vector<double>& ev, std::vector<double>& y, std::vector<double>& ey) {
  y.assign(static_cast<size_t>(m), 0);
  ey.assign(static_cast<size_t>(m), 0);
  for (int64_t i = 0; i < m; ++i) {
    double sum = 0, mag = 0, carried = 0;
    for (int64_t j = 0; j < n; ++j) {
      const double wij = w[static_cast<size_t>(i * n + j)];
      sum += wij * v[static_cast<size_t>(j)];
      mag += std::fabs(wij * v[static_cast<size_t>(j)]);
      carried += std::fabs(wij) * ev[static_cast<size_t>(j)];
    }
    y[static_cast<size_t>(i)] = sum;
    ey[static_cast<size_t>(i)] = 2.0 * double(n) * kU * mag + carried;
  }
}

/// A chained sub-block's tolerance from the error bound carried through its stages to first
/// order: doubled (the second-order terms and room), and never below 2^-140.
inline std::vector<double> DoubledBound(const std::vector<double>& bound) {
  std::vector<double> t(bound.size());
  for (size_t i = 0; i < bound.size(); ++i) t[i] = 2.0 * bound[i] + 0x1p-140;
  return t;
}
/// The largest relative error of firmware/kernels/exp_f32.s on a normal result (derived in
/// docs/mapping.md; a result below 2^-126 is off by at most 2^-150 + E 2^-126).
inline constexpr double kExpF32RelativeError = 3.8e-7;

/// Router port bits of a static route (docs/router.md).
inline constexpr uint32_t kPortNorth = 1, kPortEast = 2, kPortSouth = 4, kPortWest = 8, kPortCore = 16;
/// A static route word: the ports a color is taken from and the ports it goes to.
inline uint32_t Route(uint32_t rx, uint32_t tx) { return rx | (tx << 5); }
inline uint32_t Align(uint32_t v, uint32_t a) { return (v + a - 1) / a * a; }
/// A descriptor's length is 16 bits (docs/isa.md).
inline constexpr int64_t kMaxDescriptorLength = 65535;

/// Align in 64 bits: the end of a layout too large for any tile, which its message states.
inline uint64_t Align64(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/// Assembly that makes `color` static with one switch position (clobbers r1, r2).
inline std::string RouteConfig(int color, uint32_t route) {
  return fmt::format("        li      r1, {}\n        rcfg    r1, 4, r0               # static, one position\n"
                     "        li      r2, {}\n        rcfg    r1, 0, r2\n",
                     color, route);
}

}  // namespace wafersim::runtime
