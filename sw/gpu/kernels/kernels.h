// The kernel models' registration functions (one per file in this folder) and the helpers
// their reports share.
#pragma once

#include <string>

#include "gpu/attention_model.h"
#include "gpu/gemm_model.h"
#include "gpu/kernel.h"

namespace wafersim::gpu {

class KernelRegistry;

void RegisterGemm(KernelRegistry& r);
void RegisterGemv(KernelRegistry& r);
void RegisterAttention(KernelRegistry& r);
void RegisterMoe(KernelRegistry& r);
void RegisterCopy(KernelRegistry& r);
void RegisterElementwise(KernelRegistry& r);
void RegisterRmsnorm(KernelRegistry& r);
void RegisterAllReduce(KernelRegistry& r);
void RegisterAllToAll(KernelRegistry& r);

/// Throws "--kernel K needs --FLAG" for 0 and "--FLAG V: must be a positive integer" below 0.
void RequireSize(const std::string& kernel, const std::string& flag, int64_t v);
/// Launch overhead in cycles.
double LaunchCycles(const GpuSpec& s);
/// Adds a GEMM plan's tile, waves and per-iteration costs to a result's details.
void DescribeGemm(const GpuSpec& s, const GemmPlan& g, KernelResult& r, const std::string& prefix = "");
void DescribeAttention(const GpuSpec& s, const AttentionPlan& a, KernelResult& r);
/// The name of the node's links ("NVLink", ...).
std::string LinkName(const GpuSpec& s);
/// The GPUs of a collective: at least 2, else throws naming --gpus.
int RequireNodeGpus(const GpuSpec& s, const KernelParams& p, const std::string& kernel);
/// "1.23 GB", "456 KB"
std::string Bytes(double b);
/// gemm and gemv: bytes one GPU holds, all of A (m rows) and its columns of B and C.
double GemmFootprint(const GpuSpec& s, const KernelParams& p, int64_t m);

}  // namespace wafersim::gpu
