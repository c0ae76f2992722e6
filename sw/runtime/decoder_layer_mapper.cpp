#include "runtime/decoder_layer_mapper.h"

#include <limits>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/lane_shift.h"
#include "plan/plan_chain.h"
#include "plan/plan_lowering.h"
#include "plan/plan_transform.h"
#include "runtime/attention_block_mapper.h"
#include "runtime/even_split.h"
#include "runtime/ffn_mapper.h"
#include "runtime/mapping_util.h"

namespace wafersim::runtime {

namespace {

struct LayerLayout {
  AttentionBlockLayout attention;
  FfnLayout ffn;
  double estimated_cycles = std::numeric_limits<double>::infinity();
};

// The attention sub-block's width is 2P + 1 + A and the FFN's 2P + 1 beside its output
// projection (P + 1 + A in); the FFN's height is R + 2 plus P rows of lane shift.
LayerLayout ChooseLayout(const KernelRequest& req, const fabric::FabricConfig& f) {
  if (req.d_ff < 1 || req.d_ff > 1'000'000) {
    throw std::invalid_argument(fmt::format("--d-ff: {} must be in 1..1,000,000", req.d_ff));
  }
  CheckAttentionBlockShape(req);
  LayerLayout best;
  const int top = static_cast<int>(std::min<int64_t>(req.d_model, f.width / 3));
  for (int p = 1; p <= top; p = p < 4 ? p + 1 : p + p / 4) {
    AttentionBlockLayout a;
    FfnLayout ffn;
    try {
      a = ChooseAttentionBlockLayout(req, f, {p, f.width - p - 1, f.height});
      ffn = ChooseFfnLayout(req, f, p, 2 * p + 1, f.height - (a.bands + 2) - p);
    } catch (const std::invalid_argument&) {
      continue;  // no room at this P
    }
    const double cycles = a.estimated_cycles + ffn.estimated_cycles;
    if (cycles < best.estimated_cycles) best = {a, ffn, cycles};
  }
  if (best.attention.columns == 0) {
    throw std::invalid_argument(fmt::format(
        "layer d_model {} d_ff {}, {} heads ({} kv) x {}, context {}: no layout fits the {}x{} mesh ({} bytes of SRAM "
        "a tile); use a larger --mesh",
        req.d_model, req.d_ff, req.heads, req.kv_heads, req.head_dim, req.context, f.width, f.height, f.sram_bytes));
  }
  return best;
}

}  // namespace

plan::Plan BuildDecoderLayerPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  const LayerLayout layout = ChooseLayout(req, fabric);
  const int p = layout.attention.columns, b = layout.attention.bands, a = layout.attention.attention_columns;
  const int r = layout.ffn.rows;
  const int64_t d = req.d_model;

  std::vector<float> x(static_cast<size_t>(d));
  {
    std::mt19937_64 rng(req.seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (auto& v : x) v = dist(rng);
  }
  CheckInputNames(req, {"x"});
  TakeInput(req, "x", x);

  // Each lane of d's split over the P columns.
  std::vector<int> columns(static_cast<size_t>(p));
  std::vector<size_t> counts(static_cast<size_t>(p));
  for (int c = 0; c < p; ++c) {
    columns[static_cast<size_t>(c)] = c;
    counts[static_cast<size_t>(c)] = static_cast<size_t>(Share(d, p, c));
  }

  AttentionStages at = BuildAttentionStages(req, fabric, layout.attention, x, {true, true});
  std::vector<float> h(at.h.begin(), at.h.end());
  KernelRequest ffn_req = req;
  ffn_req.seed = req.seed + 100;  // the FFN's weights are not the attention's
  FfnStages ff = BuildFfnStages(ffn_req, fabric, p, r, h, {true, false});
  std::vector<double> y, ey;
  FfnReference(ff, at.h, at.eh, p, r, y, ey);

  double compute_bound = 0;
  for (const plan::Plan* stage : std::initializer_list<const plan::Plan*>{
           &at.norm, &at.qkv, &at.rope, &at.attention, &at.o_proj, &at.residual, &ff.norm, &ff.gate_up, &ff.silu_mul,
           &ff.down, &ff.residual}) {
    compute_bound += stage->cost.compute_bound_cycles;
  }
  const int x0 = p + 1 + a;  // the output projection's column, and the FFN's
  const int top = b + 2;     // the FFN's first row
  plan::Plan o_proj = plan::PassedThrough(std::move(at.o_proj), "skip", columns, counts, fabric.colors);
  o_proj.tensors["skip_in"].values = x;  // the layer's input again, for the first residual
  plan::Plan norm2 = plan::PassedThrough(std::move(ff.norm), "skip", columns, counts, fabric.colors);
  plan::Plan gate_up = plan::PassedThrough(std::move(ff.gate_up), "skip", columns, counts, fabric.colors);
  std::vector<plan::PlanLink> links = AttentionBlockLinks();
  const std::vector<plan::PlanLink> more = {
      {4, "skip_out", 5, "r"},   {5, "y", 6, "x"},          {5, "y2", 6, "skip_in"},
      {6, "y", 7, "x"},          {6, "skip_out", 7, "skip_in"}, {7, "y", 8, "gu"},
      {8, "y", 9, "x"},          {9, "y", 10, "straight_in"}, {7, "skip_out", 10, "shift_in"},
      {10, "straight_out", 11, "x"}, {10, "shift_out", 11, "r"}};
  links.insert(links.end(), more.begin(), more.end());
  plan::Plan layer = plan::Chain(
      {{"attn_norm", plan::Moved(std::move(at.norm), 0, 0)},
       {"qkv", plan::Moved(std::move(at.qkv), 0, 1)},
       {"rope", plan::Moved(std::move(at.rope), p, 1)},
       {"attention", plan::Moved(std::move(at.attention), p + 1, 1)},
       {"o_proj", plan::Moved(std::move(o_proj), x0, 1)},
       {"attn_residual", plan::Moved(std::move(at.residual), x0, b + 1)},
       {"ffn_norm", plan::Moved(std::move(norm2), x0, top)},
       {"gate_up", plan::Moved(std::move(gate_up), x0, top + 1)},
       {"silu_mul", plan::Moved(std::move(ff.silu_mul), x0 + p, top + 1)},
       {"down", plan::Moved(std::move(ff.down), x0 + p + 1, top + 1)},
       {"skip_lanes", plan::Moved(plan::LaneShift(counts, p + 1, counts), x0, top + 1 + r)},
       {"ffn_residual", plan::Moved(std::move(ff.residual), x0 + p + 1, top + 1 + r + p)}},
      links, fabric);
  layer.reference = y;
  layer.tolerance.resize(ey.size());
  for (size_t k = 0; k < ey.size(); ++k) layer.tolerance[k] = 2.0 * ey[k] + 0x1p-140;
  layer.kernel = "layer";
  layer.description = fmt::format(
      "a decoder layer, d_model {} d_ff {}, {} heads ({} kv) x {}, context {} + 1, binary32, resident on {}x{} tiles "
      "(P {}, B {} bands, A {} attention columns, R {} FFN rows): {}",
      d, req.d_ff, req.heads, req.kv_heads > 0 ? req.kv_heads : req.heads, req.head_dim, req.context,
      x0 + 2 * p + 1, top + r + p + 2, p, b, a, r, layer.description);
  layer.parameters = {{"d_model", d},          {"d_ff", req.d_ff},  {"heads", req.heads},
                      {"kv_heads", req.kv_heads}, {"head_dim", req.head_dim}, {"context", req.context},
                      {"columns", p},          {"bands", b},        {"attention_columns", a},
                      {"ffn_rows", r},         {"seed", req.seed}};
  layer.cost.estimated_cycles = layout.estimated_cycles;
  layer.cost.compute_bound_cycles = compute_bound;
  layer.cost.macs_per_tile_cycle = 1;
  return layer;
}

KernelMapping MapDecoderLayer(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return plan::Lower(BuildDecoderLayerPlan(req, fabric), fabric);
}

}  // namespace wafersim::runtime
