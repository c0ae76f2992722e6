// AMD Instinct MI300X (OAM, 750 W).
//
// Sources:
//  [DS]  AMD Instinct MI300X data sheet: 304 CUs, 2100 MHz peak engine clock; dense matrix
//        1307.4 TFLOP/s FP16/BF16, 2614.9 FP8, 653.7 TF32, 163.4 FP32; vector FP32 163.4;
//        192 GB HBM3 at 5.3 TB/s (8 stacks); 256 MB AMD Infinity Cache; Infinity Fabric links
//        to 7 peers at 128 GB/s each (64 each way).
//        Per CU per clock: 1307.4e12 / (304 x 2.1e9) = 2048 flops BF16.
//  [CDNA3] AMD CDNA 3 architecture whitepaper: 8 XCDs, 4 MB L2 per XCD at 2 KB per clock per
//        XCD; 64 KB LDS and 512 KB vector registers per CU.
//  [MAMF] S. Bekman, ml-engineering, "Maximum Achievable Matmul FLOPS comparison table":
//        MI300X BF16 781.9 TFLOP/s at 4096x10240x4864 (ROCm 6.2), 60% of peak.
// Calibrated: tensor_efficiency on [MAMF] (the gap is mostly the clock under the power limit).
// Assumed (no reference point we trust): hbm_efficiency, latencies, sfu rate, link_efficiency.
#include "gpu/presets/presets.h"

namespace wafersim::gpu::presets {

GpuSpec Mi300x() {
  GpuSpec s;
  s.description = "AMD MI300X: 304 CUs at 2.1 GHz, 1307 TFLOP/s bf16, 5.3 TB/s HBM3, 192 GB";
  s.arch = Arch::kSimt;
  s.sms = 304;                                   // [DS]
  s.clock_hz = 2.1e9;                            // [DS]
  s.tensor_flops_per_clk = {.fp32 = 256, .tf32 = 1024, .bf16 = 2048, .fp16 = 2048, .fp8 = 4096};  // [DS]
  s.vector_flops_per_clk = {.fp32 = 256, .tf32 = 0, .bf16 = 256, .fp16 = 256, .fp8 = 0};          // [DS]
  s.sfu_ops_per_clk = 16;                        // assumed (quarter-rate transcendentals)
  s.tensor_efficiency = 0.655;                   // calibrated on [MAMF]
  s.min_mma_m = 16;                              // MFMA 16x16
  s.softmax_overlap = 0.3;                       // assumed
  s.smem_bytes_per_sm = 64 * 1024;               // [CDNA3] LDS
  s.regs_bytes_per_sm = 512 * 1024;              // [CDNA3]
  s.l2_bytes = 256 * 1024.0 * 1024;              // [DS] Infinity Cache, shared by all XCDs
  s.l2_bytes_per_clk = 8 * 2048;                 // [CDNA3]
  s.sm_port_bytes_per_clk = 64;                  // assumed
  s.cluster_multicast = 1;
  s.hbm_capacity_bytes = 192e9;                  // [DS]
  s.hbm_channels = 8 * 16;                       // 8 HBM3 stacks x 16 channels
  s.hbm_interleave_bytes = 256;                  // assumed
  s.hbm_peak_bytes_per_s = 5.3e12;               // [DS]
  s.hbm_efficiency = 0.80;                       // assumed
  s.hbm_latency_s = 800e-9;                      // assumed
  s.inflight_bytes_per_sm = 40e3;                // assumed
  s.launch_s = 3.0e-6;                           // assumed
  s.sync_s = 1.5e-6;                             // assumed
  s.gpus_per_node = 8;                           // 8 OAMs per platform
  s.topology = Topology::kFullMesh;
  s.link_bytes_per_s = 7 * 64e9;                 // [DS]
  s.link_efficiency = 0.75;                      // assumed
  s.link_latency_s = 1.0e-6;                     // assumed
  return s;
}

}  // namespace wafersim::gpu::presets
