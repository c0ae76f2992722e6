#include "gpu/gpu_spec.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace wafersim::gpu {

double RatePerType::Of(DType t) const {
  switch (t) {
    case DType::kFp32: return fp32;
    case DType::kTf32: return tf32;
    case DType::kBf16: return bf16;
    case DType::kFp16: return fp16;
    case DType::kFp8: return fp8;
  }
  return 0;
}

double GpuSpec::MatrixFlopsPerClk(DType t) const {
  return std::max(tensor_flops_per_clk.Of(t), vector_flops_per_clk.Of(t));
}

double GpuSpec::PeakMatrixFlops(DType t) const { return MatrixFlopsPerClk(t) * sms * clock_hz; }

double GpuSpec::VectorOpsPerClk() const { return vector_flops_per_clk.fp32 / 2.0; }

double GpuSpec::HbmBytesPerClk() const { return hbm_peak_bytes_per_s * hbm_efficiency / clock_hz; }

void ValidateGpuSpec(const GpuSpec& s) {
  auto positive = [&](const char* key, double v) {
    if (!(v > 0)) throw std::invalid_argument(fmt::format("gpu preset {}: {} = {}: must be > 0", s.name, key, v));
  };
  auto fraction = [&](const char* key, double v) {
    if (!(v > 0 && v <= 1)) {
      throw std::invalid_argument(fmt::format("gpu preset {}: {} = {}: must be in (0, 1]", s.name, key, v));
    }
  };
  positive("sms", s.sms);
  positive("clock_hz", s.clock_hz);
  positive("tensor_flops_per_clk.bf16", s.MatrixFlopsPerClk(DType::kBf16));
  positive("vector_flops_per_clk.fp32", s.vector_flops_per_clk.fp32);
  positive("sfu_ops_per_clk", s.sfu_ops_per_clk);
  fraction("tensor_efficiency", s.tensor_efficiency);
  positive("min_mma_m", s.min_mma_m);
  if (s.softmax_overlap < 0 || s.softmax_overlap > 1) {
    throw std::invalid_argument(
        fmt::format("gpu preset {}: softmax_overlap = {}: must be in [0, 1]", s.name, s.softmax_overlap));
  }
  positive("smem_bytes_per_sm", s.smem_bytes_per_sm);
  positive("regs_bytes_per_sm", s.regs_bytes_per_sm);
  positive("l2_bytes", s.l2_bytes);
  positive("l2_bytes_per_clk", s.l2_bytes_per_clk);
  positive("sm_port_bytes_per_clk", s.sm_port_bytes_per_clk);
  positive("cluster_multicast", s.cluster_multicast);
  positive("hbm_capacity_bytes", s.hbm_capacity_bytes);
  positive("hbm_channels", s.hbm_channels);
  positive("hbm_interleave_bytes", s.hbm_interleave_bytes);
  positive("hbm_peak_bytes_per_s", s.hbm_peak_bytes_per_s);
  fraction("hbm_efficiency", s.hbm_efficiency);
  positive("hbm_latency_s", s.hbm_latency_s);
  positive("inflight_bytes_per_sm", s.inflight_bytes_per_sm);
  positive("launch_s", s.launch_s);
  positive("sync_s", s.sync_s);
  positive("gpus_per_node", s.gpus_per_node);
  if (s.gpus < 1 || s.gpus > s.gpus_per_node) {
    throw std::invalid_argument(
        fmt::format("gpu preset {}: gpus = {}: must be 1..{} (gpus_per_node)", s.name, s.gpus, s.gpus_per_node));
  }
  if (s.gpus_per_node > 1) {
    positive("link_bytes_per_s", s.link_bytes_per_s);
    fraction("link_efficiency", s.link_efficiency);
    positive("link_latency_s", s.link_latency_s);
  }
  if (s.arch == Arch::kSystolic) {
    positive("mxu_dim", s.mxu_dim);
    positive("mxus_per_core", s.mxus_per_core);
  }
}

void RequireDType(const GpuSpec& s, DType t) {
  if (s.MatrixFlopsPerClk(t) > 0) return;
  std::vector<std::string> ok;
  for (DType u : kAllDTypes) {
    if (s.MatrixFlopsPerClk(u) > 0) ok.push_back(DTypeName(u));
  }
  throw std::invalid_argument(fmt::format("--dtype {}: {} has no {} matrix units (supported: {})", DTypeName(t),
                                          s.name, DTypeName(t), fmt::join(ok, ", ")));
}

}  // namespace wafersim::gpu
