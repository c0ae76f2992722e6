#include "runtime/block_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <stdexcept>

#include "run_interrupt.h"
#include "runtime/mapper_registry.h"
#include "workload/layer_kernels.h"

namespace wafersim::runtime {

namespace {

bool HasMapper(const std::string& name) {
  for (const auto& m : Mappers()) {
    if (m.name == name) return true;
  }
  return false;
}

constexpr int64_t kAttentionTokensPerTile = 16;

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The routed MoE kernels the moe mapping runs as one (the shared experts are dense kernels).
bool RoutedMoe(const std::string& name) { return StartsWith(name, "moe.") && !StartsWith(name, "moe.shared_"); }

std::string NoMapper(int layer, const workload::Kernel& k, const std::string& why) {
  return fmt::format("layer {} {} ({}): {}", layer, k.name, workload::KernelKindName(k.kind), why);
}

// The dataflow of a Llama-style block (GQA attention, a dense SwiGLU FFN or routed experts):
// which outputs feed kernel `name`'s inputs. Matrix products name their activation "x"
// (PlanBlock renames it "a" for GEMM); the FFN's residual takes the MoE's output on a MoE layer.
std::vector<BlockInput> ChainedInputs(const std::string& name, const workload::ModelShape& m, bool moe_layer,
                                      bool prefill) {
  const int64_t q = m.heads * m.head_dim, kv = m.kv_heads * m.head_dim;
  // RoPE rotates q and k in place of the projection's columns; without it they come straight.
  const std::string rotated = m.learned_positions ? "attn.qkv_proj" : "attn.rope";
  if (name == "attn.norm") return {{"x", ""}};
  if (name == "attn.qkv_proj") return {{"x", "attn.norm"}};
  if (name == "attn.rope") return {{"x", "attn.qkv_proj", 0, q + kv}};
  if (name == "attn.attention" && prefill) {
    // The prompt's queries, keys and values, head-major per sequence.
    return {{"q", rotated, 0, q, m.heads}, {"k", rotated, q, kv, m.kv_heads},
            {"v", "attn.qkv_proj", q + kv, kv, m.kv_heads}};
  }
  if (name == "attn.attention") {
    return {{"q", rotated, 0, q}, {"k_new", rotated, q, kv}, {"v_new", "attn.qkv_proj", q + kv, kv}};
  }
  if (name == "attn.o_proj") return {{"x", "attn.attention"}};
  if (name == "attn.residual") return {{"x", ""}, {"r", "attn.o_proj"}};
  if (name == "ffn.norm") return {{"x", "attn.residual"}};
  if (name == "ffn.gate" || name == "ffn.up" || name == "moe.router") return {{"x", "ffn.norm"}};
  if (name == "ffn.silu_mul") return {{"g", "ffn.gate"}, {"u", "ffn.up"}};
  if (name == "ffn.down") return {{"x", "ffn.silu_mul"}};
  if (name == "ffn.residual") return {{"x", "attn.residual"}, {"r", moe_layer ? "moe.router" : "ffn.down"}};
  return {};
}

// A row per token ([sequence][position][head][element]) to head-major
// ([sequence][head][position][element]), and back.
// `positions` tokens a sequence.
std::vector<float> Regroup(const std::vector<float>& v, int64_t sequences, int64_t positions, int64_t heads,
                           bool to_head_major) {
  const int64_t d = static_cast<int64_t>(v.size()) / (sequences * positions * heads);
  std::vector<float> out(v.size());
  for (int64_t s = 0; s < sequences; ++s) {
    for (int64_t p = 0; p < positions; ++p) {
      for (int64_t h = 0; h < heads; ++h) {
        const size_t rows = static_cast<size_t>(((s * positions + p) * heads + h) * d);
        const size_t heads_first = static_cast<size_t>(((s * heads + h) * positions + p) * d);
        if (to_head_major) {
          std::copy_n(&v[rows], d, &out[heads_first]);
        } else {
          std::copy_n(&v[heads_first], d, &out[rows]);
        }
      }
    }
  }
  return out;
}

}  // namespace

std::vector<BlockKernel> PlanBlock(const BlockOptions& o) {
  const workload::Workload& w = o.workload;
  std::vector<BlockKernel> plan;
  for (int layer = w.first_layer; layer < w.first_layer + w.LayerCount(); ++layer) {
    if (w.model.IsMoeLayer(layer) && !HasMapper("moe")) {
      throw std::invalid_argument(fmt::format("layer {}: MoE blocks are not yet supported (no moe mapper)", layer));
    }
    for (const workload::Kernel& k : workload::LayerKernels(w, layer)) {
      BlockKernel b;
      b.layer = layer;
      b.name = k.name;
      KernelRequest& r = b.request;
      r.seed = o.seed + plan.size();
      r.fit = o.fit;
      r.dtype = DType::kFp32;
      using workload::KernelKind;
      if (RoutedMoe(k.name)) {
        if (k.kind == KernelKind::kGelu)
          throw std::invalid_argument(NoMapper(layer, k, "the moe mapper's experts are SwiGLU"));
        if (k.name != "moe.router") {
          b.skipped = "in the moe mapping";
        } else {
          b.mapper = "moe";
          r.kernel = "moe";
          r.d_model = static_cast<int>(w.model.hidden);
          r.d_ff = static_cast<int>(w.model.expert_ffn);
          r.experts = static_cast<int>(w.model.experts);
          r.top_k = static_cast<int>(w.model.top_k);
          r.tokens = static_cast<int>(w.Tokens());
          r.dtype = o.dtype;
          r.dispatch = o.dispatch;
          b.inputs = ChainedInputs(k.name, w.model, true, w.phase == workload::Phase::kPrefill);
        }
        plan.push_back(b);
        continue;
      }
      switch (k.kind) {
        case KernelKind::kRmsNorm:
        case KernelKind::kResidualAdd:
        case KernelKind::kSiluMul:
          b.mapper = k.kind == KernelKind::kRmsNorm   ? "rmsnorm"
                     : k.kind == KernelKind::kSiluMul ? "silu_mul"
                                                      : "residual";
          r.d_model = static_cast<int>(k.width);
          r.tokens = static_cast<int>(k.rows);
          break;
        case KernelKind::kGemv:
        case KernelKind::kGemm:
          if (k.batch != 1 || k.experts != 0) {
            throw std::invalid_argument(NoMapper(layer, k, "batched or routed products have no mapper yet"));
          }
          r.dtype = o.dtype;
          r.weight_scale = 1.0 / std::sqrt(static_cast<double>(k.k));
          if (k.kind == KernelKind::kGemv) {
            b.mapper = "gemv";  // the workload's n outputs from k inputs: W is n x k
            r.m = k.n;
            r.n = k.k;
          } else {
            b.mapper = "gemm";
            r.m = k.m;
            r.n = k.n;
            r.k = k.k;
          }
          break;
        case KernelKind::kAttention:
          if (k.qk_dim != k.v_dim) {
            throw std::invalid_argument(
                NoMapper(layer, k, "the attention mapper takes keys and values of one width (not MLA)"));
          }
          b.mapper = "attention";
          r.phase = w.phase == workload::Phase::kPrefill ? "prefill" : "decode";
          r.batch = static_cast<int>(k.sequences);
          r.heads = static_cast<int>(k.heads);
          r.kv_heads = static_cast<int>(k.kv_heads);
          r.head_dim = static_cast<int>(k.qk_dim);
          r.dtype = o.dtype;  // binary16 q, K and V (decode: the KV cache) with --dtype fp16
          if (r.phase == "decode") {
            r.context = static_cast<int>(k.kv_len - 1);  // the mapper adds the new token
          } else {
            r.prompt = static_cast<int>(k.q_len);
          }
          {
            // The whole mesh would leave most tiles a fraction of a token (and take minutes to
            // map at wafer scale): about kAttentionTokensPerTile cache tokens a tile instead,
            // a band of rows per group, growing (--fit) if that does not fit.
            const int64_t groups = k.sequences * k.kv_heads;
            const int64_t tiles = (k.kv_len + kAttentionTokensPerTile - 1) / kAttentionTokensPerTile;
            r.region_width = static_cast<int>(std::min<int64_t>(o.fabric.width, tiles));
            const int64_t rows = (tiles + r.region_width - 1) / r.region_width;
            r.region_height = static_cast<int>(std::min<int64_t>(o.fabric.height, groups * rows));
            r.fit = true;
          }
          break;
        case KernelKind::kRope: {
          // The query heads and the key heads (GQA: kv_heads; MLA: the one shared rotary key)
          // of width head_dim; decode's new tokens sit at the context, prefill's at 0..prompt-1.
          b.mapper = "rope";
          const int64_t head_dim =
              w.model.attention == workload::AttentionKind::kMla ? w.model.qk_rope_head_dim : w.model.head_dim;
          r.tokens = static_cast<int>(k.rows);
          r.head_dim = static_cast<int>(head_dim);
          r.heads = static_cast<int>(w.model.heads);
          r.kv_heads = static_cast<int>(k.width / head_dim - w.model.heads);
          r.batch = static_cast<int>(w.batch);
          r.context = w.phase == workload::Phase::kPrefill ? 0 : static_cast<int>(w.context);
          r.rope_base = o.rope_base > 0 ? o.rope_base : static_cast<double>(w.model.rope_theta);
          break;
        }
        case KernelKind::kKvAppend:
          b.skipped = "not simulated: the attention mapping's cache already holds the new keys and values";
          break;
        default:
          throw std::invalid_argument(NoMapper(layer, k, "no mapper for this kind of kernel yet"));
      }
      if (!b.mapper.empty()) {
        r.kernel = b.mapper;
        if (StartsWith(k.name, "moe.shared_")) {
          throw std::invalid_argument(
              NoMapper(layer, k, "the shared experts' output is not yet added to the routed experts' in a block"));
        }
        const bool prefill = w.phase == workload::Phase::kPrefill;
        b.inputs = ChainedInputs(k.name, w.model, w.model.IsMoeLayer(layer), prefill);
        if (b.mapper == "attention" && prefill) b.output_heads = w.model.heads;
        if (b.inputs.empty()) throw std::invalid_argument(NoMapper(layer, k, "its inputs are not chained in a block"));
        if (b.mapper == "gemm") b.inputs[0].name = "a";
      }
      plan.push_back(b);
    }
  }
  return plan;
}

double ExpectedTileCyclesPerSecond(fabric::TileModel model) {
  // Whole grids, routers and edges included, on this project's 2-core machine (docs/mapping.md,
  // block): the llama3-8b decode block on 128x128 fast tiles ran its 4.06e8 expected
  // tile-cycles in 28.8 s on one thread, 14 M/s. A second thread gains little now that closed
  // tensor operations are slept through (1.05x on a 128x128 GEMV: few tiles are left to
  // step each cycle), so it is not counted. RTL tiles about 185 k (docs/architecture.md).
  return model == fabric::TileModel::Fast ? 1.4e7 : 185e3;
}

BlockResult RunBlock(const BlockOptions& o, const BlockHooks& hooks) {
  const std::vector<BlockKernel> plan = PlanBlock(o);
  auto map = [&](const BlockKernel& k, const fabric::FabricConfig& config) {
    try {
      return FindMapper(k.mapper).map(k.request, config);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("layer {} {} ({}): {}", k.layer, k.name, k.mapper, e.what()));
    }
  };
  // Every kernel is mapped once before anything runs, so a shape that does not fit stops the
  // block at once, and the estimate covers the whole block. The mappings are not kept (a
  // wafer's worth of programs each).
  BlockEstimate est;
  std::vector<std::pair<int, int>> regions;
  for (const BlockKernel& k : plan) {
    if (k.mapper.empty()) {
      regions.emplace_back(0, 0);
      continue;
    }
    const KernelMapping m = map(k, o.fabric);
    const double bound = std::max(m.compute_bound_cycles, m.io_bound_cycles);
    ++est.kernels;
    est.bound_cycles += bound;
    est.bound_tile_cycles += bound * m.region_width * m.region_height;
    const double expected = std::max(bound, m.estimated_cycles);
    est.expected_cycles += expected;
    est.expected_tile_cycles += expected * m.region_width * m.region_height;
    regions.emplace_back(m.region_width, m.region_height);
  }
  est.tile_cycles_per_s = ExpectedTileCyclesPerSecond(o.tiles);
  est.wall_s = est.expected_tile_cycles / est.tile_cycles_per_s;
  if (hooks.estimate) hooks.estimate(est);

  BlockResult out;
  const int64_t tokens = o.workload.Tokens(), sequences = o.workload.batch;
  {
    std::mt19937_64 rng(o.seed + plan.size());
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    out.input.resize(static_cast<size_t>(tokens * o.workload.model.hidden));
    for (auto& v : out.input) v = dist(rng);
  }
  std::vector<float> layer_input = out.input;
  std::map<std::string, std::vector<float>> outputs;  // this layer's, by kernel name
  int layer = plan.empty() ? 0 : plan.front().layer;
  // Columns [column, column + columns) of each token's row of `from`.
  auto gather = [&](const BlockKernel& k, const BlockInput& in) {
    const std::vector<float>* from = &layer_input;
    if (!in.source.empty()) {
      const auto it = outputs.find(in.source);
      if (it == outputs.end()) {
        throw std::logic_error(fmt::format("layer {} {}: input '{}' comes from {}, which has not run", k.layer, k.name,
                                           in.name, in.source));
      }
      from = &it->second;
    }
    const int64_t width = static_cast<int64_t>(from->size()) / tokens;
    const int64_t columns = in.columns > 0 ? in.columns : width;
    if (in.column + columns > width || width * tokens != static_cast<int64_t>(from->size())) {
      throw std::logic_error(fmt::format("layer {} {}: input '{}' takes columns {}..{} of {}'s {} x {}", k.layer,
                                         k.name, in.name, in.column, in.column + columns - 1, in.source, tokens,
                                         width));
    }
    std::vector<float> v(static_cast<size_t>(tokens * columns));
    for (int64_t t = 0; t < tokens; ++t) {
      std::copy_n(&(*from)[static_cast<size_t>(t * width + in.column)], columns, &v[static_cast<size_t>(t * columns)]);
    }
    return in.heads > 0 ? Regroup(v, sequences, tokens / sequences, in.heads, true) : v;
  };
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < plan.size(); ++i) {
    BlockKernel k = plan[i];
    if (k.layer != layer) {
      // The next layer starts from this one's output.
      layer_input = outputs.at("ffn.residual");
      outputs.clear();
      layer = k.layer;
    }
    if (k.mapper.empty()) continue;
    if (fabric::InterruptRequested()) {
      out.interrupted = true;
      out.correct = false;
      break;
    }
    for (const BlockInput& in : k.inputs) k.request.inputs[in.name] = gather(k, in);
    // A grid of the kernel's region only: the tiles outside it would run empty programs.
    // Results then leave at the region's edge rather than the mesh's.
    fabric::FabricConfig config = o.fabric;
    config.width = regions[i].first;
    config.height = regions[i].second;
    const KernelMapping m = map(k, config);
    if (hooks.start) hooks.start(k, m);
    fabric::RunOptions run;
    run.max_cycles = o.max_cycles;
    run.watchdog_cycles = o.watchdog;
    run.threads = o.threads;
    run.run_ahead = o.run_ahead;
    run.progress = hooks.progress;
    fabric::TileGrid grid(config, run, fabric::TileModels::All(o.tiles));
    BlockKernelResult r;
    r.kernel = k;
    r.description = m.description;
    r.region_width = m.region_width;
    r.region_height = m.region_height;
    r.bound_cycles = std::max(m.compute_bound_cycles, m.io_bound_cycles);
    r.compute_bound = m.compute_bound_cycles >= m.io_bound_cycles;
    r.result = RunKernel(m, grid, Scheduler::PlainLoop);
    std::vector<float> y(r.result.output.begin(), r.result.output.end());  // binary32 values, exact
    if (k.output_heads > 0) y = Regroup(y, sequences, tokens / sequences, k.output_heads, false);
    outputs[k.name] = std::move(y);
    out.cycles += r.result.cycles;
    out.time_s += r.result.time_s;
    const bool ok = r.result.status == fabric::RunStatus::Done && r.result.correct;
    out.correct = out.correct && ok;
    if (hooks.done) hooks.done(r, grid);
    out.kernels.push_back(std::move(r));
    if (!ok) break;
  }
  if (out.correct && outputs.count("ffn.residual")) out.output = outputs.at("ffn.residual");
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace wafersim::runtime
