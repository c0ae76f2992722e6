// Shared by the GPU model's tests: run a kernel on a preset.
#pragma once

#include <string>

#include "gpu/kernel_registry.h"
#include "gpu/preset_registry.h"

namespace wafersim::gpu::test {

inline KernelResult Run(const std::string& preset, const std::string& kernel, const KernelParams& p) {
  return KernelRegistry::Get().Run(kernel, PresetRegistry::Get().Create(preset), p);
}

inline KernelParams Gemm(int64_t m, int64_t n, int64_t k, DType t = DType::kBf16) {
  KernelParams p;
  p.m = m;
  p.n = n;
  p.k = k;
  p.dtype = t;
  return p;
}

/// The FlashAttention-3 paper's benchmark shape: batch x seqlen = 16k tokens, hidden 2048.
inline KernelParams Fa3Prefill(int64_t seq, int64_t head_dim, bool causal, DType t = DType::kFp16) {
  KernelParams p;
  p.phase = "prefill";
  p.seq = seq;
  p.batch = 16384 / seq;
  p.head_dim = head_dim;
  p.heads = 2048 / head_dim;
  p.kv_heads = p.heads;
  p.causal = causal;
  p.dtype = t;
  return p;
}

}  // namespace wafersim::gpu::test
