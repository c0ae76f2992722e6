// What the GPU model knows about one accelerator: every figure a kernel model reads, with its
// unit, documented once here. Presets (presets/*.cpp) fill it in, each figure with its source.
// All cycle counts in the model are at `clock_hz`, the clock the vendor quotes its peak at.
#pragma once

#include <string>

#include "gpu/dtype.h"

namespace wafersim::gpu {

/// How the matrix units are organised.
enum class Arch {
  kSimt,      ///< many SMs (CUs), each with tensor (matrix) cores; work goes out in CTA waves
  kSystolic,  ///< one or a few cores with large weight-stationary systolic arrays (TPU MXUs)
};

/// How the GPUs of a node are wired together.
enum class Topology {
  kSwitch,    ///< every GPU reaches every other at full link bandwidth (NVSwitch)
  kFullMesh,  ///< a direct link between each pair (AMD Infinity Fabric)
  kTorus,     ///< neighbours only (TPU ICI): all-to-all is limited by the bisection
};

/// A rate for each element type, per SM per clock; 0 where the unit does not support the type.
struct RatePerType {
  double fp32 = 0, tf32 = 0, bf16 = 0, fp16 = 0, fp8 = 0;
  double Of(DType t) const;
};

struct GpuSpec {
  std::string name;         ///< preset name, e.g. "h100-sxm"
  std::string description;  ///< one line for --list
  Arch arch = Arch::kSimt;

  // --- Compute ---
  int sms = 0;                          ///< SMs (NVIDIA), CUs (AMD), TensorCores (TPU)
  double clock_hz = 0;                  ///< SM clock, Hz; the peak rates below are at this clock
  RatePerType tensor_flops_per_clk;     ///< dense matrix-unit flops per clock per SM (2 per FMA)
  RatePerType vector_flops_per_clk;     ///< SIMT / vector-unit flops per clock per SM (2 per FMA)
  double sfu_ops_per_clk = 0;           ///< exponentials per clock per SM (special-function units)
  double tensor_efficiency = 1.0;       ///< fraction of the matrix peak a saturated GEMM main loop
                                        ///< sustains (power-limited clock, issue); calibrated
  int min_mma_m = 16;                   ///< smallest M one matrix instruction works on; skinny
                                        ///< products pad up to it (wgmma 64, mma.sync 16, MXU 128)
  int mxu_dim = 0;                      ///< systolic array side (TPU: 128); 0 on SIMT machines
  int mxus_per_core = 0;                ///< systolic arrays per core (TPU v5e: 4)
  double softmax_overlap = 0;           ///< share of attention's softmax hidden under its matrix
                                        ///< products (FlashAttention-3 ping-pong on Hopper); calibrated

  // --- On-chip memory ---
  double smem_bytes_per_sm = 0;         ///< shared memory (LDS, VMEM) one CTA may use, bytes
  double regs_bytes_per_sm = 0;         ///< register file per SM, bytes
  double l2_bytes = 0;                  ///< last-level on-chip cache, bytes (MI300X: Infinity Cache)
  double l2_bytes_per_clk = 0;          ///< aggregate L2 -> SM bandwidth, bytes per clock
  double sm_port_bytes_per_clk = 64;    ///< one SM's load path from L2, bytes per clock
  int cluster_multicast = 1;            ///< CTAs sharing one L2 read of a common operand (Hopper
                                        ///< TMA multicast across a 2-CTA cluster: 2)
  bool persistent_gemm = false;         ///< GEMM tiles run back to back in a persistent, warp-
                                        ///< specialised kernel that loads the next tile during this
                                        ///< one's epilogue (Hopper cuBLAS/CUTLASS 3): a tile's
                                        ///< prologue and epilogue are paid once per SM, not per tile

  // --- HBM ---
  double hbm_capacity_bytes = 0;        ///< bytes
  int hbm_channels = 1;                 ///< independent channels (stacks x channels per stack)
  double hbm_interleave_bytes = 256;    ///< contiguous bytes mapped to one channel
  double hbm_peak_bytes_per_s = 0;      ///< vendor peak, bytes/s
  double hbm_efficiency = 0.9;          ///< fraction of peak a streaming kernel sustains; calibrated
  double hbm_latency_s = 600e-9;        ///< load-to-use latency under load, s
  double inflight_bytes_per_sm = 40e3;  ///< bytes one SM keeps in flight (Little's law), bytes

  // --- Overheads ---
  double launch_s = 2e-6;  ///< kernel launch and drain, seen between back-to-back kernels, s
  double sync_s = 1e-6;    ///< a grid-wide synchronisation or a dependent follow-up kernel, s

  // --- Node ---
  int gpus_per_node = 1;            ///< GPUs one node links together
  int gpus = 1;                     ///< GPUs a run uses (node variants "-x8" set it)
  Topology topology = Topology::kSwitch;
  double link_bytes_per_s = 0;      ///< per GPU per direction, all links together, bytes/s
  double link_efficiency = 0.8;     ///< fraction of link bandwidth a collective sustains; calibrated
  double link_latency_s = 1e-6;     ///< per step of a collective (hop, handshake), s

  // Derived figures.
  double PeakMatrixFlops(DType t) const;       ///< whole GPU, flop/s (tensor or vector, larger)
  double MatrixFlopsPerClk(DType t) const;     ///< per SM: tensor if it supports t, else vector
  double VectorOpsPerClk() const;              ///< fp32 vector instructions per clock per SM
  double HbmBytesPerClk() const;               ///< sustained HBM bandwidth, bytes per SM clock
  double Cycles(double seconds) const { return seconds * clock_hz; }
  double Seconds(double cycles) const { return cycles / clock_hz; }
};

/// Throws std::invalid_argument naming the field and the rule when a figure is impossible.
void ValidateGpuSpec(const GpuSpec& s);
/// Throws std::invalid_argument ("--dtype fp8: a100-80g has no fp8 matrix units ...") when the
/// machine cannot compute in `t`.
void RequireDType(const GpuSpec& s, DType t);

}  // namespace wafersim::gpu
