#include "runtime/mapper_registry.h"

#include <stdexcept>

#include <fmt/format.h>

#include "runtime/attention_mapper.h"
#include "runtime/chain_mapper.h"
#include "runtime/gemm_mapper.h"
#include "runtime/gemv_mapper.h"
#include "runtime/moe_mapper.h"
#include "runtime/residual_mapper.h"
#include "runtime/rmsnorm_mapper.h"
#include "runtime/rope_mapper.h"
#include "runtime/silu_mul_mapper.h"

namespace wafersim::runtime {

const std::vector<MapperInfo>& Mappers() {
  static const std::vector<MapperInfo> mappers = {
      {"gemv", "y = W x: W sharded over a region, x multicast down columns, partial sums reduced along rows",
       MapGemv, BuildGemvPlan},
      {"gemm", "C = A B: SUMMA, C stationary, k panels multicast along rows (A) and down columns (B)", MapGemm,
       BuildGemmPlan},
      {"moe", "MoE layer: gate and top-k on a tile, tokens broadcast to SwiGLU experts, outputs combined along a snake",
       MapMoe, BuildMoePlan},
      {"attention", "decode: KV cache sharded, max and sum reduced across tiles; prefill: causal, online softmax",
       MapAttention, BuildAttentionPlan},
      {"rmsnorm", "x / rms(x) * g per token: squares summed along region rows, the inverse multicast back", MapRmsNorm,
       BuildRmsNormPlan},
      {"silu_mul", "silu(g) * u elementwise (SwiGLU): exp and a reciprocal per element, then two tensor products",
       MapSiluMul, BuildSiluMulPlan},
      {"residual", "x + r elementwise: one tensor add per tile, in place", MapResidual, BuildResidualPlan},
      {"rope", "rotary position embedding, interleaved pairs: cos and sin from the host, six stride-2 tensor passes",
       MapRope, BuildRopePlan},
      {"chain", "y = W2 rmsnorm(W1 x) + r: GEMV, RMSNorm, GEMV and residual in four regions, chained over the fabric",
       MapChain, BuildChainPlan},
  };
  return mappers;
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
