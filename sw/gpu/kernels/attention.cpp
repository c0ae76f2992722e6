// attention: FlashAttention-style prefill (optionally causal, after an optional cached prefix of
// --context tokens) and split-KV decode with grouped-query attention (attention_model.h). On a
// node the heads are split over the GPUs (tensor parallel); kv heads fewer than GPUs are
// replicated.
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"

namespace wafersim::gpu {

namespace {

KernelResult RunAttention(const GpuSpec& s, const KernelParams& p) {
  if (p.phase != "prefill" && p.phase != "decode") {
    throw std::invalid_argument(fmt::format("--phase {}: expected prefill or decode", p.phase));
  }
  RequireSize("attention", "--heads", p.heads);
  const int64_t kv_heads = p.kv_heads == 0 ? p.heads : p.kv_heads;
  RequireSize("attention", "--kv-heads", kv_heads);
  RequireSize("attention", "--batch", p.batch);
  RequireSize("attention", "--head-dim", p.head_dim);
  if (p.heads % kv_heads != 0) {
    throw std::invalid_argument(
        fmt::format("--kv-heads {}: must divide --heads {} (grouped-query attention)", kv_heads, p.heads));
  }
  KernelResult r;
  r.gpus = GpusFor(s, p);
  if (p.heads % r.gpus != 0) {
    throw std::invalid_argument(fmt::format("--heads {}: must split evenly over --gpus {}", p.heads, r.gpus));
  }
  if (kv_heads > r.gpus && kv_heads % r.gpus != 0) {
    throw std::invalid_argument(fmt::format("--kv-heads {}: must split evenly over --gpus {}", kv_heads, r.gpus));
  }
  AttentionProblem a;
  a.batch = p.batch;
  a.heads = p.heads / r.gpus;
  a.kv_heads = kv_heads >= r.gpus ? kv_heads / r.gpus : 1;
  a.head_dim = p.head_dim;
  a.causal = p.causal;
  a.dtype = p.dtype;
  AttentionPlan plan;
  if (p.phase == "prefill") {
    RequireSize("attention --phase prefill", "--seq", p.seq);
    if (p.context < 0) throw std::invalid_argument(fmt::format("--context {}: must be >= 0", p.context));
    a.seq_q = p.seq;
    a.seq_k = p.seq + p.context;
    plan = PlanPrefillAttention(s, a);
  } else {
    RequireSize("attention --phase decode", "--context", p.context);
    if (p.seq < 0) throw std::invalid_argument(fmt::format("--seq {}: must be >= 0", p.seq));
    a.seq_q = p.seq == 0 ? 1 : p.seq;
    a.seq_k = p.context + a.seq_q;
    plan = PlanDecodeAttention(s, a);
  }
  r.cycles = LaunchCycles(s) + plan.total_cycles;
  r.flops = plan.flops * r.gpus;
  r.hbm_bytes = plan.hbm_bytes * r.gpus;
  r.l2_bytes = plan.l2_bytes * r.gpus;
  r.bound = plan.bound;
  r.limiter = plan.limiter;
  r.details.emplace_back(
      "shape", fmt::format("{}: batch {}, {} query tokens x {} keys, heads {} (kv {}), head dim {}{}{}", p.phase,
                           p.batch, a.seq_q, a.seq_k, p.heads, kv_heads, p.head_dim, p.causal ? ", causal" : "",
                           r.gpus > 1 ? fmt::format(", {} heads ({} kv) per GPU", a.heads, a.kv_heads) : ""));
  DescribeAttention(s, plan, r);
  return r;
}

}  // namespace

void RegisterAttention(KernelRegistry& reg) {
  reg.Add({"attention", "FlashAttention prefill (causal or not) and split-KV decode with GQA",
           "--phase prefill|decode --heads [--kv-heads --head-dim --batch --dtype --gpus N] prefill: --seq [--context --causal]; "
           "decode: --context [--seq new tokens]",
           RunAttention, [](const GpuSpec& s, const KernelParams& p) {
             // Q and O for this GPU's heads, K and V for its kv heads (a kv head fewer than
             // GPUs is replicated).
             const int gpus = GpusFor(s, p);
             const double kv = static_cast<double>(p.kv_heads == 0 ? p.heads : p.kv_heads);
             const double heads = std::ceil(static_cast<double>(p.heads) / gpus);
             const double kv_local = kv >= gpus ? std::ceil(kv / gpus) : 1;
             const double q = static_cast<double>(p.phase == "prefill" ? p.seq : (p.seq == 0 ? 1 : p.seq));
             const double keys = q + static_cast<double>(p.context);
             const double b = p.batch * static_cast<double>(p.head_dim) * DTypeBytes(p.dtype);
             return b * (2 * q * heads + 2 * keys * kv_local);
           }});
}

}  // namespace wafersim::gpu
