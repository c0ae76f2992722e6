// NVIDIA A100 SXM4 80 GB.
//
// Sources:
//  [WP]  NVIDIA A100 Tensor Core GPU Architecture whitepaper (2020): 108 SMs, 1410 MHz boost;
//        1024 dense FP16/BF16 FMA per clock per SM (2048 flops), half for TF32, no FP8; 64 FP32
//        lanes per SM; 256 KB register file, up to 164 KB shared memory per SM (163 KB per CTA);
//        40 MB L2 delivering 5120 bytes per clock; 4 SFUs per SM partition.
//  [DS]  NVIDIA A100 80 GB datasheet: 312 TFLOP/s BF16 dense, 156 TF32, 19.5 FP32; HBM2e at
//        2,039 GB/s (5 stacks); NVLink 3 at 600 GB/s per GPU (300 each way).
//  [MAMF] S. Bekman, ml-engineering, "Maximum Achievable Matmul FLOPS comparison table": A100 SXM
//        BF16 267.9 TFLOP/s at 6912x16384x2048 (CUDA 12.1).
// Calibrated: tensor_efficiency on [MAMF]. Assumed: hbm_efficiency (as H100), latencies, L2 port,
// softmax_overlap (FlashAttention-2 overlaps less than FA3), link_efficiency.
#include "gpu/presets/presets.h"

namespace wafersim::gpu::presets {

GpuSpec A100_80G() {
  GpuSpec s;
  s.description = "NVIDIA A100 SXM4 80 GB: 108 SMs at 1.41 GHz, 312 TFLOP/s bf16, 2.04 TB/s HBM2e";
  s.arch = Arch::kSimt;
  s.sms = 108;                                   // [WP]
  s.clock_hz = 1.41e9;                           // [WP]
  s.tensor_flops_per_clk = {.fp32 = 0, .tf32 = 1024, .bf16 = 2048, .fp16 = 2048, .fp8 = 0};  // [WP]
  s.vector_flops_per_clk = {.fp32 = 128, .tf32 = 0, .bf16 = 256, .fp16 = 512, .fp8 = 0};     // [WP]
  s.sfu_ops_per_clk = 16;                        // [WP]
  s.tensor_efficiency = 0.886;                   // calibrated on [MAMF]
  s.min_mma_m = 16;                              // mma.sync m16n8k16
  s.softmax_overlap = 0.3;                       // assumed
  s.smem_bytes_per_sm = 163 * 1024;              // [WP]
  s.regs_bytes_per_sm = 256 * 1024;              // [WP]
  s.l2_bytes = 40 * 1024.0 * 1024;               // [WP]
  s.l2_bytes_per_clk = 5120;                     // [WP]
  s.sm_port_bytes_per_clk = 64;                  // assumed
  s.cluster_multicast = 1;
  s.hbm_capacity_bytes = 80 * 1024.0 * 1024 * 1024;  // [DS]
  s.hbm_channels = 5 * 8;                        // 5 HBM2e stacks x 8 channels
  s.hbm_interleave_bytes = 256;                  // assumed
  s.hbm_peak_bytes_per_s = 2.039e12;             // [DS]
  s.hbm_efficiency = 0.90;                       // assumed (as H100)
  s.hbm_latency_s = 600e-9;                      // assumed
  s.inflight_bytes_per_sm = 40e3;                // assumed
  s.launch_s = 2.0e-6;                           // assumed
  s.sync_s = 1.0e-6;                             // assumed
  s.gpus_per_node = 8;                           // HGX/DGX A100
  s.topology = Topology::kSwitch;
  s.link_bytes_per_s = 300e9;                    // [DS]
  s.link_efficiency = 0.78;                      // assumed
  s.link_latency_s = 0.8e-6;                     // assumed
  return s;
}

}  // namespace wafersim::gpu::presets
