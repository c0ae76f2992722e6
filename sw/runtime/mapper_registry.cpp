#include "runtime/mapper_registry.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "runtime/attention_block_mapper.h"
#include "runtime/attention_mapper.h"
#include "runtime/chain_mapper.h"
#include "runtime/decoder_layer_mapper.h"
#include "runtime/ffn_mapper.h"
#include "runtime/gemm_mapper.h"
#include "runtime/gemv_mapper.h"
#include "runtime/moe_mapper.h"
#include "runtime/residual_mapper.h"
#include "runtime/rmsnorm_mapper.h"
#include "runtime/rope_mapper.h"
#include "runtime/silu_mul_mapper.h"

namespace wafersim::runtime {

namespace {

KernelFlags Flags(std::vector<std::string> flags) {
  return [flags = std::move(flags)](const KernelRequest&) { return flags; };
}

double D(int64_t v) { return static_cast<double>(v); }
double KvHeads(const KernelRequest& r) { return D(r.kv_heads > 0 ? r.kv_heads : r.heads); }
// A resident weight in binary16 holds 10 of a binary32 element's 16 host bytes (kHostBytesPerElement):
// its value as drawn (4), and 2 each in the program image and the tile's SRAM.
double WeightShare(const KernelRequest& r) { return r.dtype == DType::kFp16 ? 10.0 / 16.0 : 1.0; }

}  // namespace

const std::vector<std::string>& AllKernelFlags() {
  static const std::vector<std::string> flags = {
      "--m",       "--n",       "--k",       "--dtype",  "--phase",  "--batch",   "--heads",
      "--kv-heads", "--head-dim", "--context", "--rope-base", "--prompt", "--d-model", "--d-ff",
      "--experts", "--top-k",   "--tokens",  "--dispatch", "--fit",   "--region", "--layers", "--vocab"};
  return flags;
}

const std::vector<MapperInfo>& Mappers() {
  // The flags each mapper reads, and the elements of its data: W, x, y; A, B, C; the experts'
  // three matrices and the gate, tokens in and out; K, V, the queries and outputs; the vectors.
  static const std::vector<MapperInfo> mappers = {
      {"gemv", "y = W x: W sharded over a region, x multicast down columns, partial sums reduced along rows",
       MapGemv, BuildGemvPlan, Flags({"--m", "--n", "--dtype", "--region"}),
       [](const KernelRequest& r) { return D(r.m) * D(r.n) + D(r.m) + D(r.n); }},
      {"gemm", "C = A B: SUMMA, C stationary, k panels multicast along rows (A) and down columns (B)", MapGemm,
       BuildGemmPlan, Flags({"--m", "--n", "--k", "--dtype", "--region", "--fit"}),
       [](const KernelRequest& r) { return D(r.m) * D(r.k) + D(r.k) * D(r.n) + D(r.m) * D(r.n); }},
      {"moe", "MoE layer: gate and top-k on a tile, tokens broadcast to SwiGLU experts, outputs combined along a snake",
       MapMoe, BuildMoePlan,
       Flags({"--d-model", "--d-ff", "--experts", "--top-k", "--tokens", "--dispatch", "--dtype", "--region", "--fit"}),
       [](const KernelRequest& r) {
         return D(r.experts) * (3 * D(r.d_model) * D(r.d_ff) + D(r.d_model)) + 2 * D(r.tokens) * D(r.d_model);
       }},
      {"attention", "decode: KV cache sharded, max and sum reduced across tiles; prefill: causal, online softmax",
       MapAttention, BuildAttentionPlan,
       [](const KernelRequest& r) -> std::vector<std::string> {
         std::vector<std::string> f = {"--phase", "--batch", "--heads", "--kv-heads", "--head-dim", "--dtype",
                                       "--region", "--fit"};
         f.push_back(r.phase == "prefill" ? "--prompt" : "--context");
         return f;
       },
       [](const KernelRequest& r) {
         const double tokens = r.phase == "prefill" ? D(r.prompt) : D(r.context) + 1;
         const double queries = r.phase == "prefill" ? D(r.prompt) : 1;
         return D(r.batch) * D(r.head_dim) * (2 * KvHeads(r) * tokens + 2 * D(r.heads) * queries);
       }},
      {"rmsnorm", "x / rms(x) * g per token: squares summed along region rows, the inverse multicast back", MapRmsNorm,
       BuildRmsNormPlan, Flags({"--d-model", "--tokens", "--dtype", "--region", "--fit"}),
       [](const KernelRequest& r) { return 2 * D(r.tokens) * D(r.d_model) + D(r.d_model); }},
      {"silu_mul", "silu(g) * u elementwise (SwiGLU): exp and a reciprocal per element, then two tensor products",
       MapSiluMul, BuildSiluMulPlan, Flags({"--d-model", "--tokens", "--dtype", "--region", "--fit"}),
       [](const KernelRequest& r) { return 3 * D(r.tokens) * D(r.d_model); }},
      {"residual", "x + r elementwise: one tensor add per tile, in place", MapResidual, BuildResidualPlan,
       Flags({"--d-model", "--tokens", "--dtype", "--region", "--fit"}),
       [](const KernelRequest& r) { return 3 * D(r.tokens) * D(r.d_model); }},
      {"rope", "rotary position embedding, interleaved pairs: cos and sin from the host, six stride-2 tensor passes",
       MapRope, BuildRopePlan,
       Flags({"--tokens", "--batch", "--heads", "--kv-heads", "--head-dim", "--context", "--rope-base", "--dtype",
              "--region", "--fit"}),
       [](const KernelRequest& r) { return 3 * D(r.tokens) * (D(r.heads) + KvHeads(r)) * D(r.head_dim); }},
      {"chain", "y = W2 rmsnorm(W1 x) + r: GEMV, RMSNorm, GEMV and residual in four regions, chained over the fabric",
       MapChain, BuildChainPlan, Flags({"--d-model", "--m", "--n", "--dtype"}),
       [](const KernelRequest& r) {
         const double d = D(r.d_model), n = r.n > 0 ? D(r.n) : d, m = r.m > 0 ? D(r.m) : d;
         return d * n + m * d + 2 * (n + d + m);
       }},
      {"ffn",
       "y = h + W_down (silu(W_gate n) * W_up n), n = rmsnorm(h): a resident SwiGLU FFN, five regions chained over "
       "the fabric",
       MapFfn, BuildFfnPlan, Flags({"--d-model", "--d-ff", "--dtype", "--region"}),
       [](const KernelRequest& r) {
         return 3 * D(r.d_model) * D(r.d_ff) * WeightShare(r) + 3 * D(r.d_model) + D(r.d_ff);
       }},
      {"attention_block",
       "h = x + W_o attention(rope(W_qkv rmsnorm(x))): a decoder layer's attention, KV cache resident, six regions "
       "chained over the fabric",
       MapAttentionBlock, BuildAttentionBlockPlan,
       Flags({"--d-model", "--heads", "--kv-heads", "--head-dim", "--context", "--rope-base", "--dtype", "--region"}),
       [](const KernelRequest& r) {
         const double d = D(r.d_model), q = D(r.heads) * D(r.head_dim), kv = KvHeads(r) * D(r.head_dim);
         return (d * (q + 2 * kv) + q * d) * WeightShare(r) + 2 * kv * (D(r.context) + 1) + 3 * d;
       }},
      {"layer",
       "a dense decoder layer, attention with its KV cache and the SwiGLU FFN, twelve regions chained over the fabric "
       "with the skip connections",
       MapDecoderLayer, BuildDecoderLayerPlan,
       Flags({"--d-model", "--d-ff", "--heads", "--kv-heads", "--head-dim", "--context", "--rope-base", "--dtype",
              "--layers", "--vocab"}),
       [](const KernelRequest& r) {
         const double d = D(r.d_model), q = D(r.heads) * D(r.head_dim), kv = KvHeads(r) * D(r.head_dim);
         return D(r.layers) * ((d * (q + 2 * kv) + q * d + 3 * d * D(r.d_ff)) * WeightShare(r) +
                               2 * kv * (D(r.context) + 1) + 4 * d) +
                D(r.vocab) * (d * WeightShare(r) + 2);
       }},
  };
  return mappers;
}

void CheckKernelFlags(const MapperInfo& mapper, const KernelRequest& request, const std::vector<std::string>& given) {
  if (!mapper.flags) return;
  const std::vector<std::string> takes = mapper.flags(request);
  for (const auto& flag : given) {
    const auto& all = AllKernelFlags();
    if (std::find(all.begin(), all.end(), flag) == all.end()) continue;  // not a kernel flag
    if (std::find(takes.begin(), takes.end(), flag) != takes.end()) continue;
    std::string list;
    for (const auto& f : takes) list += (list.empty() ? "" : " ") + f;
    const std::string which = mapper.name == "attention" ? fmt::format("attention {}", request.phase) : mapper.name;
    throw std::invalid_argument(fmt::format("{}: {} does not take it (its flags: {})", flag, which, list));
  }
}

const MapperInfo& FindMapper(const std::string& name) {
  std::string known;
  for (const auto& m : Mappers()) {
    if (m.name == name) return m;
    known += fmt::format("{}{}", known.empty() ? "" : ", ", m.name);
  }
  throw std::invalid_argument(fmt::format("--kernel: unknown kernel '{}' (known: {})", name, known));
}

std::string PlanBuilderNames() {
  std::string names;
  for (const auto& m : Mappers()) {
    if (m.build_plan) names += fmt::format("{}{}", names.empty() ? "" : ", ", m.name);
  }
  return names;
}

}  // namespace wafersim::runtime
