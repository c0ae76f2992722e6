#include "compare/wafer_layer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>

#include <fmt/format.h>

#include "gpu/moe_routing.h"
#include "runtime/attention_cost.h"
#include "runtime/vector_cost.h"
#include "workload/memory_footprint.h"
#include "workload/param_count.h"

namespace wafersim::compare {

namespace wl = wafersim::workload;

namespace {

/// Elements a vector kernel keeps on each tile at least (fewer would spend the tiles on routes).
constexpr double kMinElementsPerTile = 16;
/// Tiles a matrix gets at least, over what its bytes need: its blocks are whole rows and
/// columns of tiles, so a region exactly as large as the bytes rarely places them.
constexpr double kPlacementSlack = 1.15;

std::string GroupOf(const wl::Kernel& k) {
  if (k.kind == wl::KernelKind::kAttention) return "attention";
  if (k.name.rfind("moe.", 0) == 0) return "experts";
  if (k.kind == wl::KernelKind::kGemm || k.kind == wl::KernelKind::kGemv) return "projections";
  return "vector";
}

bool IsMatrix(const wl::Kernel& k) { return k.kind == wl::KernelKind::kGemm || k.kind == wl::KernelKind::kGemv; }

/// Applies a simulated figure if there is one, and fills what follows from the cost.
void Finish(WaferStage& s, double tokens, const CycleOverrides& overrides) {
  if (s.source.empty()) s.source = "the GEMV plan's cost";
  if (const auto sim = overrides.Find(s.name)) {
    s.cost = *sim;
    s.source = "simulated (--layer-cycles)";
  }
  s.pass_cycles = s.cost.Cycles(tokens);
  s.bound = tokens * s.cost.token_cycles >= s.cost.fixed_cycles ? "compute" : "latency";
}

WaferStage MatrixStage(const WaferMachine& m, const wl::Workload& w, const wl::Kernel& k, int64_t tiles,
                       double usable) {
  const int b = wl::DTypeBytes(w.dtype);
  const int lanes = m.Lanes(w.dtype);
  const double tokens = static_cast<double>(w.Tokens());
  WaferStage s;
  s.name = k.name;
  s.kind = wl::KernelKindName(k.kind);
  s.group = GroupOf(k);
  double hops_per_row = 0;
  if (k.experts > 0) {
    // Every expert on its own tiles; the experts a pass uses run at once.
    const std::vector<int64_t> counts = gpu::RouteTokens(w.Tokens(), k.experts, k.top_k, gpu::Routing{});
    const double busiest = static_cast<double>(*std::max_element(counts.begin(), counts.end()));
    const int64_t per_expert = std::max<int64_t>(1, tiles / k.experts);
    const GemvPlacement g = PlaceGemv(k.n, k.k, 1, per_expert, b, usable, lanes, busiest);
    s.tiles = g.tiles * k.experts;
    s.bytes_per_tile = g.bytes_per_tile;
    s.fits = g.fits;
    s.cost = {g.cost.fixed_cycles, g.cost.token_cycles * busiest / tokens};
    hops_per_row = 4.0 * static_cast<double>(k.k * g.q + k.n * g.p);
    s.counts.sram_bytes = k.flops * b + static_cast<double>(k.m) * static_cast<double>(k.n * g.p) * 8;
  } else {
    const GemvPlacement g = PlaceGemv(k.n, k.k, k.batch, tiles, b, usable, lanes, tokens);
    s.tiles = g.tiles;
    s.bytes_per_tile = g.bytes_per_tile;
    s.fits = g.fits;
    s.cost = g.cost;
    hops_per_row = 4.0 * static_cast<double>(k.k * g.q + k.n * g.p) * static_cast<double>(k.batch);
    s.counts.sram_bytes =
        k.flops * b + static_cast<double>(k.m) * static_cast<double>(k.n * g.p * k.batch) * 8;  // + partial sums
  }
  s.counts.matrix_flops = k.flops;
  s.counts.hop_bytes = static_cast<double>(k.m) * hops_per_row;
  s.sram_bytes = s.counts.sram_bytes;
  return s;
}

/// The prefill plan's cost, priced once per shape: every layer of a model asks the same, and a
/// long prompt on a large region takes a noticeable fraction of a second to price.
double PrefillCycles(const runtime::AttentionShape& shape, int64_t prompt) {
  using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int, int, int, int64_t>;
  static std::mutex mutex;
  static std::map<Key, double> priced;
  const Key key{shape.groups, shape.heads_per_group, shape.qk_dim, shape.v_dim, shape.lanes, shape.columns, shape.rows,
                prompt};
  const std::lock_guard<std::mutex> lock(mutex);
  const auto it = priced.find(key);
  if (it != priced.end()) return it->second;
  return priced[key] = runtime::AttentionPrefillCycles(shape, prompt, runtime::kPrefillChunk);
}

WaferStage AttentionStage(const WaferMachine& m, const wl::Workload& w, const wl::Kernel& a, int64_t tiles,
                          double kv_bytes) {
  const int b = wl::DTypeBytes(w.dtype);
  const double tokens = static_cast<double>(w.Tokens());
  const double heads = static_cast<double>(a.heads);
  // Placed as the attention plans place it: the layer's tiles as a near-square region, bands of
  // its rows per (sequence, kv head) group, each group's keys over its band's tiles.
  runtime::AttentionShape shape;
  shape.groups = a.sequences * a.kv_heads;
  shape.heads_per_group = a.heads / a.kv_heads;
  shape.qk_dim = a.qk_dim;
  shape.v_dim = a.v_dim;
  shape.lanes = m.Lanes(w.dtype);
  shape.columns = static_cast<int>(std::clamp<int64_t>(
      static_cast<int64_t>(std::sqrt(static_cast<double>(tiles))), 1, std::numeric_limits<int>::max()));
  shape.rows = static_cast<int>(std::min<int64_t>(std::max<int64_t>(1, tiles / shape.columns), std::numeric_limits<int>::max()));
  const int band_rows = runtime::attention::MakeBands(shape.groups, shape.rows).front().rows;
  WaferStage s;
  s.name = a.name;
  s.kind = "attention";
  s.group = "attention";
  s.tiles = std::min(int64_t{shape.columns} * shape.rows, shape.groups * a.kv_len);
  s.bytes_per_tile = kv_bytes / static_cast<double>(tiles);
  if (a.q_len <= 1) {
    // Decode: one pass serves every sequence's new token.
    s.source = "the attention decode plan's cost";
    const double cycles = runtime::AttentionDecodeCycles(shape, a.kv_len);
    s.cost.fixed_cycles = runtime::AttentionDecodeFixedCycles(shape.columns, band_rows);
    s.cost.token_cycles = (cycles - s.cost.fixed_cycles) / static_cast<double>(a.sequences);
  } else {
    // Prefill: the plan's causal pass over each sequence's q_len tokens, in chunks of 64 keys.
    s.source = "the attention prefill plan's cost";
    const double cycles = PrefillCycles(shape, a.q_len);
    s.cost.fixed_cycles = PrefillCycles(shape, 0);
    s.cost.token_cycles = (cycles - s.cost.fixed_cycles) / static_cast<double>(a.sequences * a.q_len);
  }
  const double pairs = a.flops / (2.0 * heads * static_cast<double>(a.qk_dim + a.v_dim));  // per head
  const double side = std::sqrt(static_cast<double>(s.tiles));
  s.counts.matrix_flops = a.flops;
  s.counts.vector_ops = heads * pairs * 5;  // max, subtract, exponential, sum, scale
  s.counts.sram_bytes = a.flops * b;
  s.counts.hop_bytes = tokens * 4 * heads * static_cast<double>(a.qk_dim + a.v_dim + 2) * side;
  s.sram_bytes = s.counts.sram_bytes;
  return s;
}

/// Operations per element on the vector path (lanes wide) and exponentials per element.
struct VectorCost {
  double ops = 1;
  double exps = 0;
  bool reduces = false;  ///< needs a reduction across its tiles (norms, top-k)
  bool moves = false;    ///< crosses the region (MoE dispatch and combine)
};

VectorCost VectorCostOf(const wl::Kernel& k) {
  switch (k.kind) {
    case wl::KernelKind::kRmsNorm: return {4, 0, true, false};
    case wl::KernelKind::kLayerNorm: return {6, 0, true, false};
    case wl::KernelKind::kRope: return {6, 0, false, false};
    case wl::KernelKind::kResidualAdd: return {1, 0, false, false};
    case wl::KernelKind::kSiluMul: return {4, 1, false, false};
    case wl::KernelKind::kGelu: return {6, 1, false, false};
    case wl::KernelKind::kKvAppend: return {1, 0, false, false};
    case wl::KernelKind::kTopK: return {4, 1, true, false};
    case wl::KernelKind::kDispatch: return {1, 0, false, true};
    case wl::KernelKind::kCombine: return {2.0 * std::max<int64_t>(1, k.top_k), 0, false, true};
    default: return {1, 0, false, false};
  }
}

/// The cycles of the vector kernels that have a plan, as their plans state them
/// (runtime/vector_cost.h); false for the others.
bool PlannedVectorCost(const wl::Kernel& k, double per_token, int64_t used, StageCost& cost) {
  const int64_t width = static_cast<int64_t>(per_token);
  switch (k.kind) {
    case wl::KernelKind::kResidualAdd: cost = runtime::ElementwiseStageCost(runtime::ResidualCycles, width, used); return true;
    case wl::KernelKind::kSiluMul: cost = runtime::ElementwiseStageCost(runtime::SiluMulCycles, width, used); return true;
    case wl::KernelKind::kRope:  // a pair per two elements
      cost = runtime::ElementwiseStageCost(runtime::RopeCycles, (width + 1) / 2, used);
      return true;
    case wl::KernelKind::kRmsNorm: {
      const int64_t columns = std::clamp<int64_t>(runtime::RmsNormColumns(width), 1, used);
      cost = runtime::RmsNormStageCost(width, columns, used / columns);
      return true;
    }
    default: return false;
  }
}

WaferStage VectorStage(const WaferMachine& m, const wl::Workload& w, const wl::Kernel& k, int64_t near_tiles,
                       int64_t layer_tiles) {
  const int b = wl::DTypeBytes(w.dtype);
  const int lanes = m.Lanes(w.dtype);
  const double tokens = static_cast<double>(w.Tokens());
  const VectorCost c = VectorCostOf(k);
  const double elements = static_cast<double>(k.rows) * static_cast<double>(k.width);
  const double per_token = elements / tokens;
  const double used = std::clamp(std::floor(per_token / kMinElementsPerTile), 1.0, static_cast<double>(near_tiles));
  const double side = std::sqrt(used);
  WaferStage s;
  s.name = k.name;
  s.kind = wl::KernelKindName(k.kind);
  s.group = GroupOf(k);
  s.tiles = static_cast<int64_t>(used);
  if (PlannedVectorCost(k, per_token, s.tiles, s.cost)) {
    s.source = fmt::format("the {} plan's cost", s.kind);
  } else {
    // No plan for it yet: its operations on the vector path, and a reduction's walk as a GEMV's.
    s.source = "operation counts (no plan yet)";
    s.cost.token_cycles = std::ceil(per_token / used) * (c.ops / lanes + c.exps * m.params.exp_cycles);
    s.cost.fixed_cycles =
        GemvFit::kBase + (c.reduces ? (GemvFit::kPerRegionColumn + GemvFit::kPerRegionRow) * side : 0);
  }
  if (c.moves) {
    // The token's vector crosses the layer's region to (or from) its experts, a piece per column:
    // the crossing's latency once (tokens follow each other), the pieces per token.
    const double layer_side = std::sqrt(static_cast<double>(layer_tiles));
    s.cost.token_cycles = std::ceil(per_token / layer_side);
    s.cost.fixed_cycles += m.params.hop_cycles * 2 * layer_side;
    s.counts.hop_bytes = elements * 4 * layer_side;
  }
  s.counts.vector_ops = elements * c.ops + elements * c.exps;
  s.counts.sram_bytes = elements * b * 2;
  s.sram_bytes = s.counts.sram_bytes;
  return s;
}

}  // namespace

LayerBytes LayerStoredBytes(const wl::Workload& w, int layer) {
  LayerBytes lb;
  lb.weights = static_cast<double>(wl::LayerWeightBytes(w.model, layer, w.dtype));
  lb.kv = static_cast<double>(w.batch) * static_cast<double>(w.KvLength()) *
          static_cast<double>(wl::KvBytesPerTokenPerLayer(w.model, w.dtype));
  return lb;
}

std::vector<WaferStage> LayerStages(const WaferMachine& m, const wl::Workload& w, int layer, int64_t tiles,
                                    const CycleOverrides& overrides) {
  const std::vector<wl::Kernel> kernels = wl::LayerKernels(w, layer);
  const LayerBytes lb = LayerStoredBytes(w, layer);
  const double kv_per_tile = lb.kv / static_cast<double>(tiles);
  const double usable = m.UsableBytesPerTile() - kv_per_tile;
  double matrix_weights = 0;
  for (const auto& k : kernels) {
    if (IsMatrix(k)) matrix_weights += static_cast<double>(k.weight_params);
  }
  const double tokens = static_cast<double>(w.Tokens());
  std::vector<WaferStage> out;
  int64_t near = tiles;
  for (const auto& k : kernels) {
    WaferStage s;
    if (IsMatrix(k)) {
      // Its share of the region, and never fewer tiles than its weights need (with room for blocks
      // being whole rows and columns of tiles): small matrices would otherwise round to nothing.
      const double share = static_cast<double>(k.weight_params) / matrix_weights;
      const double bytes = static_cast<double>(k.weight_params) * wl::DTypeBytes(w.dtype);
      const int64_t least = static_cast<int64_t>(std::ceil(kPlacementSlack * bytes / std::max(usable, 1.0)));
      const int64_t mine =
          std::max<int64_t>({1, least, static_cast<int64_t>(std::floor(share * static_cast<double>(tiles)))});
      s = MatrixStage(m, w, k, mine, usable);
      near = std::max<int64_t>(1, s.tiles);
    } else if (k.kind == wl::KernelKind::kAttention) {
      s = AttentionStage(m, w, k, tiles, lb.kv);
    } else {
      s = VectorStage(m, w, k, near, tiles);
    }
    if (usable <= 0) s.fits = false;
    Finish(s, tokens, overrides);
    out.push_back(std::move(s));
  }
  return out;
}

int64_t HeadRows(const wl::Workload& w) { return w.batch; }

WaferStage HeadStage(const WaferMachine& m, const wl::Workload& w, int64_t tiles, const CycleOverrides& overrides) {
  wl::Kernel k;
  k.name = "lm_head";
  k.kind = wl::KernelKind::kGemv;
  k.m = HeadRows(w);
  k.n = w.model.vocab;
  k.k = w.model.hidden;
  k.flops = 2.0 * static_cast<double>(k.m) * static_cast<double>(k.n) * static_cast<double>(k.k);
  const int b = wl::DTypeBytes(w.dtype);
  const double rows = static_cast<double>(k.m);
  WaferStage s;
  s.name = k.name;
  s.kind = "gemv";
  s.group = "projections";
  const GemvPlacement g = PlaceGemv(k.n, k.k, 1, tiles, b, m.UsableBytesPerTile(), m.Lanes(w.dtype), rows);
  s.tiles = g.tiles;
  s.bytes_per_tile = g.bytes_per_tile;
  s.fits = g.fits;
  // Only the rows that need logits go through it: in prefill, once at the end of the pass.
  const double tokens = static_cast<double>(w.Tokens());
  s.cost = tokens > rows ? StageCost{g.cost.Cycles(rows), 0} : g.cost;
  s.counts.matrix_flops = k.flops;
  s.counts.sram_bytes = k.flops * b;
  s.counts.hop_bytes = rows * 4.0 * static_cast<double>(k.k * g.q + k.n * g.p);
  s.sram_bytes = s.counts.sram_bytes;
  Finish(s, tokens, overrides);
  return s;
}

}  // namespace wafersim::compare
