// Attention as FlashAttention runs it.
//
// Prefill (FlashAttention-2/3): one CTA per (batch, head, block of Br queries) keeps its queries
// in shared memory and loops over blocks of Bc keys and values: two matrix products
// (S = Q K^T, O += P V: 4 Br Bc d flops) and an online softmax (an exponential and a few vector
// operations per score, rescaling O). A block costs the larger of matrix and softmax time plus
// the part of the smaller one the kernel does not overlap (softmax_overlap: FA3 on Hopper hides
// most of it behind the tensor cores, FA2 less). With a causal mask a query block only visits
// the key blocks at or before it; CTAs then differ in length and go out longest first (as FA3's
// scheduler does). K and V come from HBM once per kv head while the CTAs sharing them fit in L2.
//
// Decode (split-KV, FlashDecoding): one query token per sequence. Each CTA takes one (batch, kv
// head, chunk of the context) and the query heads that share that kv head (GQA), streams its
// chunk of the KV cache, and a second pass combines the chunks. The model picks the split count
// that finishes first. Decode is bound by reading the KV cache.
#pragma once

#include <cstdint>
#include <string>

#include "gpu/dtype.h"
#include "gpu/gpu_spec.h"
#include "gpu/sm_scheduler.h"

namespace wafersim::gpu {

struct AttentionProblem {
  int64_t batch = 1;
  int64_t heads = 0;     ///< query heads
  int64_t kv_heads = 0;  ///< key/value heads (GQA: divides heads)
  int64_t head_dim = 128;
  int64_t seq_q = 0;     ///< query tokens per sequence (decode: 1)
  int64_t seq_k = 0;     ///< key tokens per sequence (the context)
  bool causal = false;
  DType dtype = DType::kBf16;
};

struct AttentionPlan {
  std::string algorithm;  ///< "flash prefill" or "split-kv decode"
  int br = 0, bc = 0;     ///< query and key block (decode: query rows per CTA, keys per chunk)
  int stages = 0;
  int splits = 1;         ///< decode: chunks per sequence
  int64_t ctas = 0;
  Schedule schedule;
  double mma_cycles_per_block = 0;
  double softmax_cycles_per_block = 0;
  double l2_cycles_per_block = 0;
  double block_cycles = 0;
  double makespan_cycles = 0;
  double hbm_cycles = 0;
  double combine_cycles = 0;  ///< decode: the pass that merges the chunks
  double total_cycles = 0;    ///< without the launch
  double flops = 0;
  double hbm_bytes = 0;
  double l2_bytes = 0;
  std::string bound;
  std::string limiter;
};

/// Throws std::invalid_argument naming the flag for impossible shapes.
AttentionPlan PlanPrefillAttention(const GpuSpec& s, const AttentionProblem& p);
AttentionPlan PlanDecodeAttention(const GpuSpec& s, const AttentionProblem& p);
/// Score pairs the kernel computes: seq_q x seq_k, or fewer under a causal mask.
double AttentionPairs(const AttentionProblem& p);

}  // namespace wafersim::gpu
