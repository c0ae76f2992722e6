// NVIDIA H100 SXM5 80 GB.
//
// Sources:
//  [WP]  NVIDIA H100 Tensor Core GPU Architecture whitepaper (2022): 132 SMs on SXM5, 4 fourth-
//        generation tensor cores per SM, 1024 dense FP16/BF16 FMA per clock per SM (4096 flops), twice
//        that for FP8, half for TF32; 128 FP32 lanes per SM; 256 KB register file and 228 KB shared
//        memory per SM (227 KB for one CTA); 50 MB L2; TMA multicast within thread-block clusters.
//  [DS]  NVIDIA H100 datasheet: 989.4 TFLOP/s dense BF16/FP16, 1979 FP8, 494.7 TF32 (all dense);
//        80 GB HBM3 at 3.35 TB/s (5 stacks); NVLink 4 at 900 GB/s per GPU (450 each way).
//        989.4e12 / (132 SMs x 4096) = 1.83 GHz: the clock the tensor peak is quoted at, used
//        here for every cycle count. (The 66.9 TFLOP/s FP32 figure is at the 1.98 GHz boost; at
//        1.83 GHz the 128 lanes give 61.8.)
//  [FA3] Shah et al., FlashAttention-3 (2024), sec. 3: H100 SXM5 has 3.9 TFLOP/s of special
//        functions (exp): 3.9e12 / (132 x 1.83e9) = 16 per clock per SM.
//  [NCCL] NVIDIA/nccl-tests issue 212, NCCL maintainer (2024): NVLink line rate 450 GB/s; with
//        protocol overhead NCCL rings reach ~370 GB/s bus bandwidth on 8 H100s.
//  [PRODUCT] this project's brief: device-to-device copy on real H100 SXM ~3.0 TB/s counting bytes
//        read plus written; 8192^3 BF16 GEMM ~790-800 TFLOP/s.
// Calibrated here (docs/validation.md, "HBM GPU model"): tensor_efficiency on the 8192^3 GEMM,
// hbm_efficiency on the copy, softmax_overlap on FlashAttention-3's head-dim-128 forward pass,
// link_efficiency from [NCCL]. Assumed (no public figure): L2 bandwidth, HBM latency under load,
// bytes in flight per SM, channel interleave, launch and collective step latencies.
#include "gpu/presets/presets.h"

namespace wafersim::gpu::presets {

GpuSpec H100Sxm() {
  GpuSpec s;
  s.description = "NVIDIA H100 SXM5 80 GB: 132 SMs at 1.83 GHz, 989 TFLOP/s bf16, 3.35 TB/s HBM3";
  s.arch = Arch::kSimt;
  s.sms = 132;                                   // [WP]
  s.clock_hz = 1.83e9;                           // [DS] derived above
  s.tensor_flops_per_clk = {.fp32 = 0, .tf32 = 2048, .bf16 = 4096, .fp16 = 4096, .fp8 = 8192};  // [WP]
  s.vector_flops_per_clk = {.fp32 = 256, .tf32 = 0, .bf16 = 512, .fp16 = 512, .fp8 = 0};        // [WP]
  s.sfu_ops_per_clk = 16;                        // [FA3]
  s.tensor_efficiency = 0.832;                   // calibrated: 8192^3 bf16 GEMM ~795 TFLOP/s [PRODUCT]
  s.min_mma_m = 64;                              // wgmma works on 64-row tiles
  s.softmax_overlap = 0.68;                      // calibrated: FA3 hdim 128, 16k, 648 TFLOP/s [FA3]
  s.smem_bytes_per_sm = 227 * 1024;              // [WP]
  s.regs_bytes_per_sm = 256 * 1024;              // [WP]
  s.l2_bytes = 50 * 1024.0 * 1024;               // [WP]
  s.l2_bytes_per_clk = 4608;                     // assumed (~8.4 TB/s); NVIDIA does not publish it
  s.sm_port_bytes_per_clk = 64;                  // assumed
  s.cluster_multicast = 2;                       // [WP] TMA multicast, 2-CTA clusters as cuBLAS uses
  s.persistent_gemm = true;                      // warp-specialised persistent cuBLAS/CUTLASS 3 kernels
  s.hbm_capacity_bytes = 80 * 1024.0 * 1024 * 1024;  // [DS]
  s.hbm_channels = 5 * 16;                       // 5 HBM3 stacks x 16 channels
  s.hbm_interleave_bytes = 256;                  // assumed
  s.hbm_peak_bytes_per_s = 3.35e12;              // [DS]
  s.hbm_efficiency = 0.90;                       // calibrated: copy ~3.0 TB/s read+written [PRODUCT]
  s.hbm_latency_s = 650e-9;                      // assumed, under load
  s.inflight_bytes_per_sm = 40e3;                // assumed
  s.launch_s = 2.0e-6;                           // assumed
  s.sync_s = 1.0e-6;                             // assumed
  s.gpus_per_node = 8;                           // HGX/DGX H100
  s.topology = Topology::kSwitch;                // NVSwitch
  s.link_bytes_per_s = 450e9;                    // [DS] 900 GB/s bidirectional
  s.link_efficiency = 370.0 / 450.0;             // [NCCL]
  s.link_latency_s = 0.7e-6;                     // assumed, per ring step
  return s;
}

}  // namespace wafersim::gpu::presets
