// The kernels one transformer layer is made of, in order, with their shapes: what a mapper
// places on the fabric and what the GPU model times. A pre-norm decoder layer:
//
//   attn.norm, the query/key/value projections, attn.rope, attn.kv_append, attn.attention,
//   attn.o_proj, attn.residual, ffn.norm, then
//     dense SwiGLU   ffn.gate, ffn.up, ffn.silu_mul, ffn.down
//     dense GELU     ffn.up, ffn.gelu, ffn.down
//     MoE            moe.router, moe.topk, moe.dispatch, moe.gate, moe.up, moe.silu_mul,
//                    moe.down, [moe.shared_gate, moe.shared_up, moe.shared_silu_mul,
//                    moe.shared_down,] moe.combine
//   and ffn.residual.
//
// Queries, keys and values: GQA one fused attn.qkv_proj; MLA attn.q_a_proj, attn.q_a_norm,
// attn.q_b_proj (attn.q_proj without query compression), attn.kv_a_proj, attn.kv_a_norm, then in
// prefill attn.kv_b_proj (keys and values decompressed per head) and in decode attn.q_absorb
// before and attn.v_up after attention in the latent space.
//
// Every matrix product's rows are the workload's tokens (batch x prompt in prefill, batch in
// decode); a product with one row per weight matrix is a GEMV. Matrix FLOPs add up to
// flops.h's LayerFlopsPerToken x tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workload/workload.h"

namespace wafersim::workload {

enum class KernelKind {
  kRmsNorm,      ///< rows x width, one gain per column
  kLayerNorm,    ///< rows x width, gain and bias per column
  kGemm,         ///< matrix product, more than one row per weight matrix
  kGemv,         ///< matrix product, one row per weight matrix
  kRope,         ///< rotary position embedding on rows x width (query and key parts)
  kKvAppend,     ///< the new tokens' keys and values (MLA: latents) written to the cache
  kAttention,    ///< softmax(Q K^T / sqrt(d)) V over the cache
  kResidualAdd,  ///< rows x width additions into the residual stream
  kSiluMul,      ///< SiLU(gate) * up on rows x width
  kGelu,         ///< GELU on rows x width
  kTopK,         ///< softmax (or sigmoid) of the router's rows x width scores, top_k per row
  kDispatch,     ///< rows (tokens x top_k) of width copied to the chosen experts
  kCombine,      ///< rows x width: each token's top_k expert outputs weighted and summed (+ shared)
};

/// "rmsnorm", "gemm", "gemv", "attention", "residual_add", "silu_mul", ...
std::string KernelKindName(KernelKind k);

struct Kernel {
  std::string name;  ///< "attn.qkv_proj", "moe.down", ...
  KernelKind kind = KernelKind::kGemm;

  /// Matrix products (kGemm, kGemv): `batch` products C[m x n] = A[m x k] B[k x n], each with its
  /// own weights. Routed (experts > 0): m rows in all, spread by the router over `experts` weight
  /// matrices (top_k per token).
  int64_t m = 0, n = 0, k = 0;
  int64_t batch = 1;
  int64_t experts = 0;
  int64_t top_k = 0;  ///< routed products, kTopK, kDispatch, kCombine: experts per token

  /// Attention: `sequences` sequences, each with q_len queries against kv_len keys (the last
  /// query_len of them the queries' own; causal: each query sees the keys up to its own).
  int64_t sequences = 0, heads = 0, kv_heads = 0, qk_dim = 0, v_dim = 0, q_len = 0, kv_len = 0;
  bool causal = false;

  /// Vector kernels (norms, rope, kv_append, residual_add, silu_mul, gelu, topk, dispatch,
  /// combine): rows x width elements.
  int64_t rows = 0, width = 0;

  double flops = 0;           ///< matrix FLOPs, 2 per multiply-accumulate (0 for vector kernels)
  int64_t weight_params = 0;  ///< parameters the kernel holds (biases and norm gains included)
  double weight_bytes = 0;    ///< weight bytes one run reads (routed: the experts its tokens touch, expected under uniform routing)
  double kv_bytes = 0;        ///< KV cache bytes read (attention) or written (kv_append)
};

/// Layer `layer`'s kernels for workload `w`, in order.
std::vector<Kernel> LayerKernels(const Workload& w, int layer);

/// Consecutive layers of the same kind (dense FFN or MoE) among those a workload runs.
struct LayerGroup {
  int first = 0;  ///< 0-based
  int last = 0;   ///< inclusive
  bool moe = false;
};
std::vector<LayerGroup> GroupLayers(const Workload& w);

/// Expected distinct experts `tokens` tokens go to, each choosing top_k of `experts` uniformly:
/// experts x (1 - (1 - top_k / experts)^tokens).
double ExpectedExpertsTouched(int64_t experts, int64_t top_k, int64_t tokens);

/// Pairs (query, key) attention scores: q_len x kv_len, or with a causal mask and the queries
/// at the end of the keys, sum over queries of the keys up to each.
double AttentionPairs(int64_t q_len, int64_t kv_len, bool causal);

}  // namespace wafersim::workload
