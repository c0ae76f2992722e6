// A transformer block as one workload: the workload's per-layer kernel list
// (workload/layer_kernels.h), each kernel mapped by its registered mapper and run on a fresh
// TileGrid after the other, each checked against its double-precision reference. The
// activations are chained: each kernel's inputs are the outputs of the kernels before it as
// the fabric computed them (the first layer's input is seeded), moved between grids by the
// host, which is not simulated; so the block's time is the sum of its kernels'
// (docs/mapping.md, block). Weights and the KV cache's older rows are seeded per kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fabric_config.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"
#include "runtime/kernel_run.h"
#include "tile_grid.h"
#include "workload/workload.h"

namespace wafersim::runtime {

/// Where one of a kernel's inputs comes from: columns [column, column + columns) of each
/// token's row of an earlier kernel's output in the same layer, or of the layer's input (the
/// previous layer's output) when `source` is empty.
struct BlockInput {
  std::string name;    ///< the mapper's input: "x", "q", ...
  std::string source;  ///< "attn.norm"; empty: the layer's input
  int64_t column = 0;
  int64_t columns = 0;  ///< 0: the whole row
  /// > 0: the mapper takes this input head-major, sequence by sequence ([sequence][head]
  /// [position][element], as attention prefill does), the columns being `heads` heads.
  int64_t heads = 0;
};

/// One of the block's kernels as the fabric runs it: a mapper and its request, or the reason
/// it is not simulated (kv_append: the attention mapping's cache holds the new token; MoE: the
/// moe mapping covers router to combine in one run).
struct BlockKernel {
  int layer = 0;
  std::string name;    ///< "attn.qkv_proj"
  std::string mapper;  ///< "gemv"; empty when skipped
  KernelRequest request;
  std::vector<BlockInput> inputs;  ///< filled into request.inputs when the kernel runs
  /// > 0: the mapper's output is head-major (attention prefill: [sequence][head][position]
  /// [element], `output_heads` heads); the block turns it into a row per token.
  int64_t output_heads = 0;
  std::string skipped;
};

struct BlockOptions {
  workload::Workload workload;
  fabric::FabricConfig fabric;
  fabric::TileModel tiles = fabric::TileModel::Fast;
  int threads = 1;
  bool run_ahead = true;             ///< RunOptions::run_ahead
  uint64_t max_cycles = 10'000'000;  ///< per kernel
  uint64_t watchdog = 1000;
  uint64_t seed = 1;          ///< kernel i takes seed + i, the block's input seed + kernels
  /// The matrix products' operands (gemv, gemm, the moe's weights and tokens) and attention's
  /// q, K and V: fp32, or fp16 (binary32 arithmetic); the vector kernels stay binary32.
  DType dtype = DType::kFp32;
  bool fit = false;
  std::string dispatch = "static";  ///< the MoE layers' token dispatch (static or dynamic)
  double rope_base = 0;       ///< attn.rope's base; 0: the model's rope_theta (Llama 3: 500000)
};

/// The kernels of the workload's layers, in order. Throws std::invalid_argument naming the
/// kernel when one has no mapper (GELU, LayerNorm, MLA attention, ...).
std::vector<BlockKernel> PlanBlock(const BlockOptions& options);

/// What the run expects, printed before it starts.
struct BlockEstimate {
  size_t kernels = 0;            ///< simulated ones
  double bound_cycles = 0;       ///< sum of the mappings' lower bounds
  double bound_tile_cycles = 0;  ///< each bound times its region's tiles
  /// The mappers' own estimates where they have one (GEMV), else the bounds: closer, and
  /// still low where a kernel without an estimate is latency-bound (attention on a wafer).
  double expected_cycles = 0;
  double expected_tile_cycles = 0;
  double tile_cycles_per_s = 0;  ///< the speed expected of the tile model chosen
  double wall_s = 0;             ///< expected_tile_cycles / tile_cycles_per_s: at least about this long
};

struct BlockKernelResult {
  BlockKernel kernel;
  std::string description;
  int region_width = 0, region_height = 0;
  double bound_cycles = 0;
  bool compute_bound = true;
  KernelResult result;
};

struct BlockResult {
  std::vector<BlockKernelResult> kernels;
  std::vector<float> input;   ///< the first layer's input, tokens x hidden (seeded)
  std::vector<float> output;  ///< the last layer's output as the fabric computed it
  uint64_t cycles = 0;  ///< summed over the simulated kernels
  double time_s = 0;    ///< at the fabric clock
  double wall_s = 0;
  bool correct = true;  ///< every simulated kernel finished and is right
  /// Ctrl-C came between two kernels (one interrupted while it ran has that status instead):
  /// the kernels before it ran, the rest did not.
  bool interrupted = false;
};

/// Hooks for the report: the estimate, a kernel about to run (its mapping), progress of the
/// grid running it (every few milliseconds of wall time), and the kernel done.
struct BlockHooks {
  std::function<void(const BlockEstimate&)> estimate;
  std::function<void(const BlockKernel&, const KernelMapping&)> start;
  std::function<void(const fabric::TileGrid&)> progress;
  std::function<void(const BlockKernelResult&, const fabric::TileGrid&)> done;
};

/// Tile-cycles a second the plain loop is expected to simulate with this tile model (measured
/// on whole grids, one thread; a second thread is not counted on).
double ExpectedTileCyclesPerSecond(fabric::TileModel model);

/// Maps every kernel first (a mapper's error comes back naming the layer and kernel), reports
/// the estimate, then runs each on a fresh grid the size of its region (the rest of the mesh
/// would sit idle) through the plain loop. A kernel that fails or is wrong stops the block.
BlockResult RunBlock(const BlockOptions& options, const BlockHooks& hooks);

}  // namespace wafersim::runtime
