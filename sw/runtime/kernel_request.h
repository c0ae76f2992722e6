// What the user asked to run: the kernel's shape and where on the fabric. Mappers read the
// fields their kernel needs and say which are wrong (naming the flag).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/dtype.h"

namespace wafersim::runtime {

struct KernelRequest {
  std::string kernel = "gemv";
  /// GEMV: y (m) = W (m x n) x (n). GEMM: C (m x n) = A (m x k) B (k x n).
  int64_t m = 0, n = 0, k = 0;
  int region_width = 0;         ///< tiles the mapping may use (0: the whole mesh)
  int region_height = 0;
  bool fit = false;             ///< a request that does not fit the region takes a larger one
  uint64_t seed = 1;            ///< for the random inputs
  /// Activations the caller gives, by the mapper's input name ("x", "q", ...): a block chains
  /// each kernel's inputs to the outputs before it. Names not given are drawn from the seed.
  std::map<std::string, std::vector<float>> inputs = {};
  /// GEMV and GEMM weights are drawn uniform in [-weight_scale, weight_scale). A block asks
  /// for 1/sqrt(inputs), as trained weights are, so activations keep their size layer to layer.
  double weight_scale = 1;
  /// Inputs arrive and outputs leave as fabric streams at the region's boundary (a kernel
  /// chained on the fabric), where a kernel otherwise keeps them in SRAM.
  bool stream_ports = false;
  DType dtype = DType::kFp32;   ///< storage of the operands: fp32, or fp16 (binary32 accumulation)
  // Attention.
  std::string phase = "decode"; ///< decode: one new query per sequence; prefill: the prompt
  int batch = 1;                ///< sequences
  int heads = 0;                ///< query heads
  int kv_heads = 0;             ///< key/value heads (0: as many as query heads)
  int head_dim = 0;
  int context = 0;              ///< decode: tokens already in the KV cache; rope: the first token's position
  int prompt = 0;               ///< prefill: prompt tokens
  int layers = 1;               ///< layer: decoder layers chained one into the next
  int layout_layers = 0;        ///< layer: lay the layers out as this many would be (0: --layers); runs --layers of them
  int64_t vocab = 0;            ///< layer: after the last layer, the model's head (final norm, output head, argmax); 0: none
  double rope_base = 0;         ///< rope: theta_i = base^(-2i / head_dim); 0: 10000, or a --model's rope_theta
  // Mixture of experts (and the dense FFN).
  int d_model = 0;
  int d_ff = 0;
  int experts = 0;
  int top_k = 0;
  int tokens = 0;
  /// MoE token dispatch: static (a broadcast on a static color) or dynamic (routed packets to
  /// the chosen experts only).
  std::string dispatch = "static";
};

}  // namespace wafersim::runtime
