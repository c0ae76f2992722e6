// Google Cloud TPU v5e: one TensorCore per chip with four 128x128 systolic MXUs.
//
// Sources:
//  [GC]  Google Cloud, "TPU v5e" system architecture page: one TensorCore per chip with 4 MXUs, a
//        vector unit and a scalar unit; 197 TFLOP/s BF16, 394 TOPS INT8; 16 GB HBM2 at 819 GB/s;
//        inter-chip interconnect 400 GB/s bidirectional per chip over 4 ports; 8 chips per host
//        (2x4); 2D torus. No FP8, no FP16 or TF32 matrix path.
//        Clock: 197e12 / (4 MXUs x 128 x 128 x 2) = 1.5 GHz.
//  What the model does differently for it (Arch::kSystolic, see docs/gpu.md): one core, so no
//  wave quantization; matrix dimensions are padded to the 128-wide MXU (K and N of a GEMM, the
//  head dimension of attention), each 128x128 weight tile takes max(M, 128) cycles because the
//  array must be loaded before rows stream through, and tiles live in VMEM instead of an L2.
// Assumed (no public figure): VMEM size (128 MiB), vector and EUP rates, efficiencies, latencies;
// fp32 matrix products as 6 bf16 passes (XLA precision HIGHEST). No reference point calibrates it.
#include "gpu/presets/presets.h"

namespace wafersim::gpu::presets {

GpuSpec TpuV5e() {
  GpuSpec s;
  s.description = "Google TPU v5e: 1 TensorCore, 4 MXUs 128x128 at 1.5 GHz, 197 TFLOP/s bf16, 819 GB/s HBM2";
  s.arch = Arch::kSystolic;
  s.sms = 1;                                     // [GC] one TensorCore
  s.clock_hz = 1.5e9;                            // [GC] derived above
  s.mxu_dim = 128;                               // [GC]
  s.mxus_per_core = 4;                           // [GC]
  s.tensor_flops_per_clk = {.fp32 = 131072.0 / 6, .tf32 = 0, .bf16 = 131072, .fp16 = 0, .fp8 = 0};
  s.vector_flops_per_clk = {.fp32 = 4096, .tf32 = 0, .bf16 = 0, .fp16 = 0, .fp8 = 0};  // assumed
  s.sfu_ops_per_clk = 1024;                      // assumed
  s.tensor_efficiency = 0.85;                    // assumed
  s.min_mma_m = 128;                             // weight-stationary array: M below 128 idles it
  s.softmax_overlap = 0.8;                       // assumed: VLIW bundles MXU and VPU work
  s.smem_bytes_per_sm = 128 * 1024.0 * 1024;     // assumed VMEM
  s.regs_bytes_per_sm = 256 * 1024;              // assumed
  s.l2_bytes = 128 * 1024.0 * 1024;              // VMEM stands in for the L2
  s.l2_bytes_per_clk = 8192;                     // assumed VMEM bandwidth
  s.sm_port_bytes_per_clk = 8192;                // assumed
  s.cluster_multicast = 1;
  s.hbm_capacity_bytes = 16e9;                   // [GC]
  s.hbm_channels = 2 * 8;                        // 2 HBM2 stacks x 8 channels
  s.hbm_interleave_bytes = 256;                  // assumed
  s.hbm_peak_bytes_per_s = 819e9;                // [GC]
  s.hbm_efficiency = 0.90;                       // assumed
  s.hbm_latency_s = 500e-9;                      // assumed
  s.inflight_bytes_per_sm = 1e6;                 // DMA engines: never the limit (assumed)
  s.launch_s = 1.0e-6;                           // assumed: an op inside a compiled XLA program
  s.sync_s = 0.5e-6;                             // assumed
  s.gpus_per_node = 8;                           // [GC] 8 chips per host
  s.topology = Topology::kTorus;                 // [GC]
  s.link_bytes_per_s = 100e9;                    // a ring uses 2 of the 4 ports: 2 x 50 GB/s each way
  s.link_efficiency = 0.8;                       // assumed
  s.link_latency_s = 1.5e-6;                     // assumed
  return s;
}

}  // namespace wafersim::gpu::presets
