// Matrix products as a good library runs them.
//
// SIMT machines (GPUs): the product is cut into CTA tiles BM x BN, each looping over K in steps
// of BK with a multi-stage shared-memory pipeline, as cuBLAS and CUTLASS do. The tile comes from a
// candidate list, limited by shared memory (stages x (BM+BN) x BK bytes) and registers (the fp32
// accumulator BM x BN x 4 bytes may use half the register file); the model takes the candidate
// (and split-K factor) that finishes first, as a well-tuned heuristic would. One main-loop
// iteration costs the largest of: the matrix-unit time, the L2 -> SM time of the bytes the tile
// loads (shared operands multicast within a cluster), and the memory latency the pipeline cannot
// hide. Tiles go out to the SMs in waves; the whole kernel also cannot beat its HBM traffic.
//
// Systolic machines (TPU): dimensions are padded to the MXU, each 128x128 weight tile costs
// max(M, 128) cycles on one of the MXUs, and HBM traffic follows the VMEM blocking.
//
// Grouped products (MoE experts) are one kernel whose tiles come from every group.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gpu/dtype.h"
#include "gpu/gpu_spec.h"
#include "gpu/sm_scheduler.h"

namespace wafersim::gpu {

struct GemmTile {
  int bm = 0, bn = 0, bk = 0;  ///< 0: the model chooses
};

struct GemmOptions {
  GemmTile force;   ///< a tile to use instead of choosing one (bk may stay 0)
  int split_k = 0;  ///< 0: the model chooses; otherwise the K-split factor
};

/// C[m x n] = A[m x k] B[k x n] for each group's m (one entry: a plain GEMM).
struct GemmProblem {
  std::vector<int64_t> ms;
  int64_t n = 0;
  int64_t k = 0;
  DType dtype = DType::kBf16;
};

struct GemmPlan {
  std::string algorithm;  ///< "tiled", "systolic" or "streaming gemv"
  GemmTile tile;
  int stages = 0;
  int split_k = 1;
  int64_t tiles = 0;    ///< CTA tiles, split-K pieces included
  int64_t k_iters = 0;  ///< main-loop iterations per tile
  Schedule schedule;
  double mma_cycles_per_iter = 0;
  double l2_cycles_per_iter = 0;
  double latency_cycles_per_iter = 0;
  double iter_cycles = 0;
  double tile_cycles = 0;
  double makespan_cycles = 0;  ///< tiles on SMs
  double hbm_cycles = 0;       ///< the kernel's HBM traffic at the sustained bandwidth
  double reduce_cycles = 0;    ///< split-K reduction (a dependent pass)
  double total_cycles = 0;     ///< without the launch
  double flops = 0;            ///< useful: 2 m n k summed over groups
  double padded_flops = 0;     ///< what the matrix units actually do (whole tiles)
  double hbm_bytes = 0;
  double l2_bytes = 0;
  std::string bound;    ///< "compute" or "memory"
  std::string limiter;  ///< "tensor cores", "L2 bandwidth", "memory latency", "HBM bandwidth"
};

/// Throws std::invalid_argument for a forced tile that does not fit or sizes that are not positive.
GemmPlan PlanGemm(const GpuSpec& s, const GemmProblem& p, const GemmOptions& o = {});
/// The streaming GEMV (and skinny GEMM) kernel cuBLAS uses for a handful of rows: every SM
/// streams rows of the weight, split over K when there are too few rows to fill the machine.
GemmPlan PlanStreamingGemv(const GpuSpec& s, int64_t m, int64_t n, int64_t k, DType t);
/// "128x256x64" -> tile; throws naming --tile.
GemmTile ParseTile(const std::string& text);

}  // namespace wafersim::gpu
