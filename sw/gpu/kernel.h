// What a kernel model takes (the shape flags of `wafersim gpu`) and what it returns.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpu/dtype.h"
#include "gpu/gemm_model.h"
#include "gpu/gpu_spec.h"
#include "gpu/moe_routing.h"

namespace wafersim::gpu {

/// Every shape a kernel may read; 0 means "not given". Each kernel reads the ones it needs and
/// throws std::invalid_argument naming the flag when one is missing or impossible.
struct KernelParams {
  DType dtype = DType::kBf16;
  int gpus = 0;  ///< 0: the preset's (1, or all of a node variant)

  // gemm, gemv: C[m x n] = A[m x k] B[k x n]
  int64_t m = 0, n = 0, k = 0;
  GemmOptions gemm;

  // attention
  std::string phase = "prefill";  ///< "prefill" or "decode"
  int64_t batch = 1;
  int64_t seq = 0;      ///< prefill: tokens per sequence
  int64_t context = 0;  ///< decode: tokens in the KV cache
  int64_t heads = 0;
  int64_t kv_heads = 0;  ///< 0: as many as heads
  int64_t head_dim = 128;
  bool causal = false;

  // moe; rmsnorm reads tokens x d_model
  int64_t tokens = 0, experts = 0, top_k = 0, d_model = 0, d_ff = 0;
  std::vector<int64_t> expert_tokens;  ///< tokens per expert, instead of drawing them
  Routing routing;
  bool gated = true;  ///< SwiGLU experts: the up projection is 2 x d_ff wide

  // copy, elementwise, collectives
  int64_t bytes = 0;     ///< copy: bytes copied; allreduce, alltoall: bytes per GPU
  int64_t elements = 0;  ///< elementwise
  int inputs = 2;        ///< elementwise operands read per output
};

/// One step of a kernel that runs several (MoE: permute, expert GEMMs, all-to-alls).
struct Phase {
  std::string name;
  double cycles = 0;  ///< launch included
  double flops = 0;
  double hbm_bytes = 0;
  double link_bytes = 0;
  std::string bound;
};

struct KernelResult {
  std::string kernel;
  std::string preset;
  int gpus = 1;
  DType dtype = DType::kBf16;
  double clock_hz = 0;
  double cycles = 0;      ///< end to end at the SM clock, launch included
  double time_s = 0;
  double flops = 0;       ///< useful flops, all GPUs together
  double hbm_bytes = 0;   ///< read plus written, all GPUs together
  double l2_bytes = 0;    ///< L2 -> SM traffic, all GPUs together
  double link_bytes = 0;  ///< sent over NVLink by the busiest GPU
  std::string bound;      ///< "compute", "memory" or "communication"
  std::string limiter;    ///< what exactly: "tensor cores", "HBM bandwidth", "NVLink", ...
  double peak_flops = 0;  ///< all GPUs used, for the dtype
  double peak_hbm_bytes_per_s = 0;  ///< all GPUs used
  double hbm_held_bytes = 0;        ///< operands and results in one GPU's HBM at once (KernelInfo::footprint; 0: not said)
  double hbm_capacity_bytes = 0;    ///< one GPU's HBM
  /// Lines for the readable table, in order (e.g. {"tile", "128x256x64, 4 stages"}).
  std::vector<std::pair<std::string, std::string>> details;
  nlohmann::json extra = nlohmann::json::object();  ///< the same, machine-readable
  std::vector<Phase> phases;

  double Tflops() const { return time_s > 0 ? flops / time_s / 1e12 : 0; }
  double AchievedBytesPerS() const { return time_s > 0 ? hbm_bytes / time_s : 0; }
};

/// The GPUs a run uses: params.gpus if given (1..gpus_per_node), else the preset's.
int GpusFor(const GpuSpec& s, const KernelParams& p);
/// The result's JSON: cycles, time_s, tflops, hbm_bytes, achieved_bw_bytes_per_s, bound, ...
nlohmann::json ResultJson(const KernelResult& r);

}  // namespace wafersim::gpu
