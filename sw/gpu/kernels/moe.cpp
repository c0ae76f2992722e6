// moe: one mixture-of-experts FFN layer. Tokens are routed (top-k of --experts; counts per expert
// given by --expert-tokens or drawn by --routing), gathered into expert order, run through the
// experts as two grouped GEMMs (up: d_model -> d_ff, twice as wide for gated SwiGLU experts; down:
// d_ff -> d_model) with the activation between, and scattered back with their routing weights.
// On a node (--gpus > 1) the experts are split evenly over the GPUs (expert parallel): the tokens
// travel to their experts' GPUs and back in two all-to-alls, and the busiest GPU sets the pace,
// so uneven routing costs time twice: padded tiles per expert, and an overloaded GPU.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "gpu/collective_model.h"
#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"
#include "gpu/memory_model.h"

namespace wafersim::gpu {

namespace {

struct ExpertWork {
  GemmPlan up, down;
  double act_cycles = 0, act_bytes = 0;
  double rows = 0;
  double Cycles(double launch) const {
    return rows > 0 ? 3 * launch + up.total_cycles + act_cycles + down.total_cycles : 0;
  }
};

std::vector<int64_t> Counts(const KernelParams& p, int64_t& tokens, int64_t& top_k) {
  top_k = p.top_k;
  if (!p.expert_tokens.empty()) {
    const auto& c = p.expert_tokens;
    if (p.experts != 0 && p.experts != static_cast<int64_t>(c.size())) {
      throw std::invalid_argument(
          fmt::format("--expert-tokens: {} counts given but --experts {}", c.size(), p.experts));
    }
    if (top_k == 0) top_k = 1;
    RequireSize("moe", "--top-k", top_k);
    const int64_t sum = std::accumulate(c.begin(), c.end(), int64_t{0});
    if (sum <= 0) throw std::invalid_argument("--expert-tokens: no tokens routed");
    if (top_k > static_cast<int64_t>(c.size())) {
      throw std::invalid_argument(fmt::format("--top-k {}: must be 1..{} (experts)", top_k, c.size()));
    }
    if (p.tokens != 0 && sum != p.tokens * top_k) {
      throw std::invalid_argument(fmt::format("--expert-tokens: counts sum to {}, but --tokens {} x --top-k {} = {}",
                                              sum, p.tokens, top_k, p.tokens * top_k));
    }
    tokens = p.tokens != 0 ? p.tokens : (sum + top_k - 1) / top_k;
    return c;
  }
  RequireSize("moe", "--tokens", p.tokens);
  RequireSize("moe", "--experts", p.experts);
  RequireSize("moe", "--top-k", top_k);
  tokens = p.tokens;
  return RouteTokens(p.tokens, p.experts, top_k, p.routing);
}

KernelResult RunMoe(const GpuSpec& s, const KernelParams& p) {
  RequireSize("moe", "--d-model", p.d_model);
  RequireSize("moe", "--d-ff", p.d_ff);
  RequireDType(s, p.dtype);
  int64_t tokens = 0, top_k = 0;
  const std::vector<int64_t> counts = Counts(p, tokens, top_k);
  const int64_t experts = static_cast<int64_t>(counts.size());
  KernelResult r;
  r.gpus = GpusFor(s, p);
  const int g = r.gpus;
  if (experts % g != 0) {
    throw std::invalid_argument(fmt::format("--experts {}: must split evenly over --gpus {}", experts, g));
  }
  const int64_t d = p.d_model, f = p.d_ff, n_up = p.gated ? 2 * f : f;
  const int b = DTypeBytes(p.dtype);
  const double launch = LaunchCycles(s);
  const double routed = static_cast<double>(std::accumulate(counts.begin(), counts.end(), int64_t{0}));

  // Experts on each GPU, as grouped GEMMs with the activation between.
  std::vector<ExpertWork> work(static_cast<size_t>(g));
  const int64_t per_gpu = experts / g;
  for (int gi = 0; gi < g; ++gi) {
    std::vector<int64_t> local;
    local.reserve(static_cast<size_t>(per_gpu) + 1);
    for (int64_t e = gi * per_gpu; e < (gi + 1) * per_gpu; ++e) local.push_back(counts[e]);
    ExpertWork& w = work[gi];
    w.rows = static_cast<double>(std::accumulate(local.begin(), local.end(), int64_t{0}));
    if (w.rows == 0) continue;
    if (local.size() == 1) local.push_back(0);  // a grouped GEMM of one non-empty group
    w.up = PlanGemm(s, GemmProblem{local, n_up, d, p.dtype});
    w.down = PlanGemm(s, GemmProblem{local, d, f, p.dtype});
    w.act_bytes = w.rows * (n_up + f) * b;
    w.act_cycles = StreamCycles(s, w.act_bytes, s.sms);
  }
  const int busiest = static_cast<int>(
      std::max_element(work.begin(), work.end(),
                       [&](const ExpertWork& a, const ExpertWork& c) { return a.Cycles(launch) < c.Cycles(launch); }) -
      work.begin());
  const ExpertWork& hot = work[busiest];

  // Gather token copies into expert order, and scatter-combine them back (on each GPU).
  const double local_tokens = std::ceil(static_cast<double>(tokens) / g);
  const double gather_bytes = local_tokens * d * b + local_tokens * top_k * d * b;
  const double permute = launch + StreamCycles(s, gather_bytes, s.sms);

  auto phase = [&](const std::string& name, double cycles, double flops, double hbm, double link,
                   const std::string& bound) { r.phases.push_back({name, cycles, flops, hbm, link, bound}); };
  phase("permute", permute, 0, gather_bytes * g, 0, "memory");
  CollectivePlan dispatch;
  if (g > 1) {
    std::vector<double> out(g), in(g);
    for (int gi = 0; gi < g; ++gi) {
      const double share = work[gi].rows / routed;  // routed copies that live on GPU gi
      out[gi] = local_tokens * top_k * d * b * (1 - share);
      in[gi] = work[gi].rows * d * b * (g - 1) / g;
    }
    dispatch = AllToAll(s, out, in);
    phase("dispatch all-to-all", launch + dispatch.cycles, 0, dispatch.hbm_bytes, dispatch.link_bytes,
          "communication");
  }
  phase("experts up (busiest GPU)", hot.rows > 0 ? launch + hot.up.total_cycles : 0, hot.up.flops, hot.up.hbm_bytes,
        0, hot.up.bound.empty() ? "memory" : hot.up.bound);
  phase("activation (busiest GPU)", hot.rows > 0 ? launch + hot.act_cycles : 0, 0, hot.act_bytes, 0, "memory");
  phase("experts down (busiest GPU)", hot.rows > 0 ? launch + hot.down.total_cycles : 0, hot.down.flops,
        hot.down.hbm_bytes, 0, hot.down.bound.empty() ? "memory" : hot.down.bound);
  if (g > 1) {
    phase("combine all-to-all", launch + dispatch.cycles, 0, dispatch.hbm_bytes, dispatch.link_bytes,
          "communication");
  }
  phase("unpermute", permute, 0, gather_bytes * g, 0, "memory");

  r.cycles = 0;
  for (const auto& ph : r.phases) r.cycles += ph.cycles;
  r.flops = routed * 2.0 * d * (n_up + f);
  r.hbm_bytes = 2 * gather_bytes * g + 2 * dispatch.hbm_bytes;
  for (const auto& w : work) r.hbm_bytes += w.up.hbm_bytes + w.down.hbm_bytes + w.act_bytes;
  for (const auto& w : work) r.l2_bytes += w.up.l2_bytes + w.down.l2_bytes;
  r.link_bytes = 2 * dispatch.link_bytes;
  const auto longest = std::max_element(r.phases.begin(), r.phases.end(),
                                        [](const Phase& a, const Phase& c) { return a.cycles < c.cycles; });
  r.bound = longest->bound;
  r.limiter = longest->name;
  if (longest->name.rfind("experts up", 0) == 0) r.limiter += ": " + hot.up.limiter;
  if (longest->name.rfind("experts down", 0) == 0) r.limiter += ": " + hot.down.limiter;
  if (longest->bound == "communication") r.limiter += ": " + LinkName(s);

  // How uneven the routing is.
  const auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
  const double mean = routed / experts;
  double gpu_max = 0;
  for (const auto& w : work) gpu_max = std::max(gpu_max, w.rows);
  const int64_t touched = std::count_if(counts.begin(), counts.end(), [](int64_t c) { return c > 0; });
  r.details.emplace_back("layer", fmt::format("{} tokens, top-{} of {} experts, d_model {}, d_ff {}{}, {}", tokens,
                                              top_k, experts, d, f, p.gated ? " (gated: up is 2 x d_ff)" : "",
                                              DTypeName(p.dtype)));
  r.details.emplace_back("routing", p.expert_tokens.empty()
                                        ? fmt::format("{} (skew {}, seed {})", p.routing.kind, p.routing.skew,
                                                      p.routing.seed)
                                        : std::string("--expert-tokens"));
  r.details.emplace_back("tokens per expert", fmt::format("min {} / mean {:.1f} / max {} (max/mean {:.2f}); {} of "
                                                          "{} experts used",
                                                          *lo, mean, *hi, *hi / mean, touched, experts));
  if (g > 1) {
    r.details.emplace_back("expert parallel", fmt::format("{} experts per GPU; busiest GPU has {:.0f} token copies, "
                                                          "mean {:.1f} (max/mean {:.2f})",
                                                          per_gpu, gpu_max, routed / g, gpu_max / (routed / g)));
  }
  if (hot.rows > 0) DescribeGemm(s, hot.up, r, "up");
  r.extra["tokens_per_expert"] = counts;
  r.extra["imbalance_max_over_mean"] = *hi / mean;
  r.extra["experts_used"] = touched;
  return r;
}

}  // namespace

void RegisterMoe(KernelRegistry& reg) {
  reg.Add({"moe", "MoE FFN: routing, grouped expert GEMMs, expert-parallel all-to-all on a node",
           "--tokens --experts --top-k --d-model --d-ff [--expert-tokens LIST | --routing balanced|uniform|zipf "
           "--skew --seed] [--ungated --dtype --gpus N]",
           RunMoe, [](const GpuSpec& s, const KernelParams& p) {
             // This GPU's experts' weights, the tokens in and out, and its share of the routed
             // copies with their intermediate (balanced: the footprint, not the busiest GPU's).
             const double g = GpusFor(s, p);
             double experts = static_cast<double>(p.experts), routed = 0;
             if (!p.expert_tokens.empty()) {
               experts = static_cast<double>(p.expert_tokens.size());
               for (const int64_t c : p.expert_tokens) routed += static_cast<double>(c);
             } else {
               routed = static_cast<double>(p.tokens) * static_cast<double>(p.top_k);
             }
             const double d = static_cast<double>(p.d_model), f = static_cast<double>(p.d_ff);
             const double up = p.gated ? 2 * f : f;
             const double weights = std::ceil(experts / g) * d * (up + f);
             const double tokens = 2 * std::max(static_cast<double>(p.tokens), routed) * d;
             return (weights + tokens + routed / g * (d + up)) * DTypeBytes(p.dtype);
           }});
}

}  // namespace wafersim::gpu
