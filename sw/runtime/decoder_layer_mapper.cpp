#include "runtime/decoder_layer_mapper.h"

#include <limits>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "plan/lane_shift.h"
#include "plan/lane_turn.h"
#include "plan/plan_chain.h"
#include "plan/plan_lowering.h"
#include "plan/plan_transform.h"
#include "runtime/attention_block_mapper.h"
#include "runtime/even_split.h"
#include "runtime/ffn_mapper.h"
#include "runtime/mapping_util.h"
#include "runtime/model_head.h"

namespace wafersim::runtime {

namespace {

struct LayerLayout {
  AttentionBlockLayout attention;
  FfnLayout ffn;
  int strips = 1;     ///< columns of layers, a snake: even strips run down, odd ones up
  int per_strip = 1;  ///< layers a strip holds (the last may hold fewer)
  int head_rows = 0;  ///< the model's head: its GEMV's rows (0: no head)
  double layer_cycles = 0, head_cycles = 0;  ///< estimated, by the plans' costs
  double estimated_cycles = std::numeric_limits<double>::infinity();
};

// Rows a snake of `strips` keeps free above and below its layers for the turns between
// strips: under the strips' bottoms from the second strip on, over their tops from the third.
int RowsAbove(int strips, int p) { return strips >= 3 ? p : 0; }
int RowsBelow(int strips, int p) { return strips >= 2 ? p : 0; }

// The attention sub-block's width is 2P + 1 + A and the FFN's 2P + 1 beside its output
// projection (P + 1 + A in); the FFN's height is R + 2 plus P rows of lane shift. The layers
// run down the first strip of the mesh, up the second, and so on (a snake), each strip W / S
// wide; in a strip of L layers each has (H - (L - 1) P - the turns' rows) / L rows: P rows of
// lanes lead each layer's output to the next one's input.
// The layers the layout is for: a run of the first few of a model's layers lays them out as
// the whole model would be (KernelRequest::layout_layers).
int LayoutLayers(const KernelRequest& req) { return std::max(req.layers, req.layout_layers); }
// The head runs after the last layer when the whole model does.
bool WithHead(const KernelRequest& req) { return req.vocab > 0 && req.layers == LayoutLayers(req); }

LayerLayout ChooseLayout(const KernelRequest& req, const fabric::FabricConfig& f) {
  if (req.d_ff < 1 || req.d_ff > 1'000'000) {
    throw std::invalid_argument(fmt::format("--d-ff: {} must be in 1..1,000,000", req.d_ff));
  }
  if (req.layers < 1 || req.layers > 1000) {
    throw std::invalid_argument(fmt::format("--layers: {} must be in 1..1000", req.layers));
  }
  CheckAttentionBlockShape(req);
  LayerLayout best;
  const int layers = LayoutLayers(req);
  for (int strips = 1; strips <= layers && f.width / strips >= 6; ++strips) {
    // A strip may hold more than its share of layers, leaving the last one room for the head.
    const int fewest = (layers + strips - 1) / strips;
    for (int per_strip = fewest; per_strip <= fewest + (req.vocab > 0 ? 2 : 0); ++per_strip) {
      if ((strips - 1) * per_strip >= layers) break;  // the last strip would be empty
      const int room = f.width / strips, in_last = layers - (strips - 1) * per_strip;
      const bool last_up = (strips - 1) % 2 == 1;
      const int top = static_cast<int>(std::min<int64_t>(req.d_model, room / 3));
      for (int p = 1; p <= top; p = p < 4 ? p + 1 : p + p / 4) {
        const int above = RowsAbove(strips, p);
        const int height = (f.height - above - RowsBelow(strips, p) - (per_strip - 1) * p) / per_strip;
        if (height < 3 || room - p - 1 < 1) break;
        AttentionBlockLayout a;
        FfnLayout ffn;
        try {
          a = ChooseAttentionBlockLayout(req, f, {p, room - p - 1, height});
          const int ffn_height = height - (a.bands + 2) - p;  // below the attention, above its lanes
          if (ffn_height < 3) continue;
          ffn = ChooseFfnLayout(req, f, p, 2 * p + 1, ffn_height);
        } catch (const std::invalid_argument&) {
          continue;  // no room at this P
        }
        const double layer_cycles = a.estimated_cycles + ffn.estimated_cycles;
        double cycles = layers * layer_cycles, head_cycles = 0;
        int head_rows = 0;
        if (req.vocab > 0) {
          // The head follows the last layer in its strip (in the rows beyond it): P rows of
          // lanes, the norm, the GEMV.
          const int layer_height = a.bands + 2 + ffn.rows + p + 2;
          const int free_rows = last_up ? above + (per_strip - in_last) * (layer_height + p)
                                        : f.height - above - in_last * (layer_height + p) + p;
          head_rows = HeadRows(req.vocab, req.d_model, p, req.dtype, f, free_rows - p - 1);
          if (head_rows == 0) continue;
          head_cycles = HeadCycles(req.vocab, req.d_model, p, head_rows, req.dtype, f);
          cycles += head_cycles;
        }
        if (cycles < best.estimated_cycles) {
          best = {a, ffn, strips, per_strip, head_rows, layer_cycles, head_cycles, cycles};
        }
      }
    }
  }
  if (best.attention.columns == 0) {
    throw std::invalid_argument(fmt::format(
        "layer d_model {} d_ff {}, {} heads ({} kv) x {}, context {}{}{}: no layout fits the {}x{} mesh ({} bytes of "
        "SRAM a tile); use a larger --mesh",
        req.d_model, req.d_ff, req.heads, req.kv_heads, req.head_dim, req.context,
        layers > 1 ? fmt::format(", {} layers", layers) : "",
        req.vocab > 0 ? fmt::format(" and the head (vocabulary {})", req.vocab) : "", f.width, f.height, f.sram_bytes));
  }
  return best;
}

// Layer k's stages for the input `in` (the fabric's to within ein), and the layer's output y
// in double precision with the bound ey of the fabric's.
struct LayerStages {
  AttentionStages at;
  FfnStages ff;
  std::vector<double> y, ey;
};
LayerStages BuildLayerStages(const KernelRequest& req, const fabric::FabricConfig& fabric, const LayerLayout& layout,
                             int k, const std::vector<float>& in, const std::vector<double>& ein) {
  KernelRequest layer_req = req;
  layer_req.seed = req.seed + 1000 * static_cast<uint64_t>(k);
  LayerStages s;
  s.at = BuildAttentionStages(layer_req, fabric, layout.attention, in, ein, {true, true});
  const std::vector<float> h(s.at.h.begin(), s.at.h.end());
  KernelRequest ffn_req = layer_req;
  ffn_req.seed = layer_req.seed + 100;  // the FFN's weights are not the attention's
  s.ff = BuildFfnStages(ffn_req, fabric, layout.attention.columns, layout.ffn.rows, h, {true, k + 1 < req.layers});
  FfnReference(s.ff, s.at.h, s.at.eh, layout.attention.columns, layout.ffn.rows, s.y, s.ey);
  return s;
}

std::vector<float> LayerInput(const KernelRequest& req) {
  std::vector<float> x(static_cast<size_t>(req.d_model));
  std::mt19937_64 rng(req.seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (auto& v : x) v = dist(rng);
  CheckInputNames(req, {"x"});
  TakeInput(req, "x", x);
  return x;
}

// Where a placed plan leaves its output port's elements in SRAM: each stream's tile keeps
// them from its program's parameter `addr_param` on (a residual's y over its x; the argmax's
// logits), as element offset + `base` on.
void AddKeptOutput(const plan::PlacedPlan& pp, const std::string& port, const char* addr_param, size_t base,
                   std::vector<SramOutput>& reads) {
  const plan::Port* found = nullptr;
  for (const auto* ports : {&pp.plan.outputs, &pp.plan.inputs}) {
    for (const auto& q : *ports) {
      if (q.name == port) found = &q;
    }
  }
  if (found == nullptr) throw std::logic_error("layer: no port '" + port + "' in " + pp.label);
  for (const auto& st : found->streams) {
    for (const auto& t : pp.plan.tiles) {
      if (t.x != st.x || t.y != st.y) continue;
      reads.push_back({pp.plan.region.x0 + t.x, pp.plan.region.y0 + t.y,
                       static_cast<uint32_t>(t.program.params.at(addr_param)), base + st.offset, st.count});
    }
  }
}

}  // namespace

namespace {

plan::Plan Build(const KernelRequest& req, const fabric::FabricConfig& fabric, std::vector<StageStamps>* stages,
                 std::vector<SramOutput>* kept) {
  const LayerLayout layout = ChooseLayout(req, fabric);
  const int p = layout.attention.columns, b = layout.attention.bands, a = layout.attention.attention_columns;
  const int r = layout.ffn.rows;
  const int64_t d = req.d_model;
  const std::vector<float> x = LayerInput(req);

  // Each lane of d's split over the P columns.
  std::vector<int> columns(static_cast<size_t>(p));
  std::vector<size_t> counts(static_cast<size_t>(p));
  for (int c = 0; c < p; ++c) {
    columns[static_cast<size_t>(c)] = c;
    counts[static_cast<size_t>(c)] = static_cast<size_t>(Share(d, p, c));
  }

  const int x0 = p + 1 + a;  // the output projection's column, and the FFN's
  const int top = b + 2;     // the FFN's first row in a layer
  const int layer_height = top + r + p + 2, width = x0 + 2 * p + 1;
  const int strips = layout.strips, per_strip = layout.per_strip;
  const int above = RowsAbove(strips, p), strip_bottom = above + per_strip * layer_height + (per_strip - 1) * p;
  std::vector<plan::PlacedPlan> plans;
  std::vector<plan::PlanLink> links;
  std::vector<double> y(x.begin(), x.end()), ey(x.size(), 0.0);  // the answer so far
  double compute_bound = 0;
  std::vector<double> token, token_tolerance;  // the model's head's answer, when it has one
  for (int k = 0; k < req.layers; ++k) {
    const bool last = k + 1 == req.layers;
    const int strip = k / per_strip, in_strip = k % per_strip;
    const bool up = strip % 2 == 1, strip_ends = in_strip + 1 == per_strip;
    // The layer's top-left tile: down a strip in order, up it from its bottom.
    const int x_at = strip * width;
    const int y_at = above + (up ? per_strip - 1 - in_strip : in_strip) * (layer_height + p);
    const size_t first = plans.size();
    auto at_index = [&](size_t i) { return first + i; };
    std::vector<float> in(y.begin(), y.end());  // the layer's input, as the reference has it
    std::vector<double> ein(ey);
    for (size_t i = 0; i < in.size(); ++i) ein[i] += kU * std::fabs(y[i]);  // its rounding to binary32
    LayerStages layer_stages = BuildLayerStages(req, fabric, layout, k, in, ein);
    AttentionStages& at = layer_stages.at;
    FfnStages& ff = layer_stages.ff;
    y = std::move(layer_stages.y);
    ey = std::move(layer_stages.ey);
    for (const plan::Plan* stage : std::initializer_list<const plan::Plan*>{
             &at.norm, &at.qkv, &at.rope, &at.attention, &at.o_proj, &at.residual, &ff.norm, &ff.gate_up,
             &ff.silu_mul, &ff.down, &ff.residual}) {
      compute_bound += stage->cost.compute_bound_cycles;
    }
    plan::Plan o_proj = plan::PassedThrough(std::move(at.o_proj), "skip", columns, counts, fabric.colors);
    o_proj.tensors["skip_in"].values = in;  // the layer's input again, for the first residual
    plan::Plan norm2 = plan::PassedThrough(std::move(ff.norm), "skip", columns, counts, fabric.colors);
    plan::Plan gate_up = plan::PassedThrough(std::move(ff.gate_up), "skip", columns, counts, fabric.colors);
    const plan::Plan skip_lanes =
        plan::Lanes(2 * p + 1, {{"skip", 0, p + 1, counts}, {"down", p + 1, p + 1, counts}}, fabric.colors);
    const std::string name = req.layers > 1 ? fmt::format("L{}.", k) : "";
    // A stage at (x, y) of the layer drawn running down; a layer running up is turned half a
    // turn about its own rows (and the lanes to the next layer, below it, come above it).
    auto place = [&](const std::string& label, plan::Plan stage, int x, int y_in_layer, bool of_layer = true) {
      const std::string full = of_layer ? name + label : label;
      if (up) {
        const int w = stage.region.width, hgt = stage.region.height;
        plans.push_back({full, plan::Moved(plan::HalfTurned(std::move(stage)), x_at + width - x - w,
                                                   y_at + layer_height - y_in_layer - hgt)});
      } else {
        plans.push_back({full, plan::Moved(std::move(stage), x_at + x, y_at + y_in_layer)});
      }
    };
    place("attn_norm", std::move(at.norm), 0, 0);
    place("qkv", std::move(at.qkv), 0, 1);
    place("rope", std::move(at.rope), p, 1);
    place("attention", std::move(at.attention), p + 1, 1);
    place("o_proj", std::move(o_proj), x0, 1);
    place("attn_residual", std::move(at.residual), x0, b + 1);
    place("ffn_norm", std::move(norm2), x0, top);
    place("gate_up", std::move(gate_up), x0, top + 1);
    place("silu_mul", std::move(ff.silu_mul), x0 + p, top + 1);
    place("down", std::move(ff.down), x0 + p + 1, top + 1);
    place("skip_lanes", skip_lanes, x0, top + 1 + r);
    place("ffn_residual", std::move(ff.residual), x0 + p + 1, top + 1 + r + p);
    if (kept != nullptr) AddKeptOutput(plans.back(), "y", "XADDR", static_cast<size_t>(k * d), *kept);
    std::vector<plan::PlanLink> more = AttentionBlockLinks();
    more.insert(more.end(), {
        {4, "skip_out", 5, "r"},   {5, "y", 6, "x"},          {5, "y2", 6, "skip_in"},
        {6, "y", 7, "x"},          {6, "skip_out", 7, "skip_in"}, {7, "y", 8, "gu"},
        {8, "y", 9, "x"},          {9, "y", 10, "down_in"},    {7, "skip_out", 10, "skip_in"},
        {10, "down_out", 11, "x"}, {10, "skip_out", 11, "r"}});
    for (const plan::PlanLink& l : more) links.push_back({at_index(l.from), l.output, at_index(l.to), l.input});
    if (k > 0) {
      // The previous layer's lanes feed this layer's norm and its skip.
      const size_t lanes = first - 1;
      links.push_back({lanes, "next_out", at_index(0), "x"});
      links.push_back({lanes, "skip_next_out", at_index(4), "skip_in"});
    }
    if (last && WithHead(req)) {
      // The model's head follows in the strip, its norm taking the output where the next
      // layer's would; the argmax beside the output head's GEMV sends the token out.
      HeadStages head = BuildHeadStages(req, fabric, p, layout.head_rows, {y.begin(), y.end()});
      HeadReference(head, y, ey, p, token, token_tolerance);
      compute_bound += head.norm.cost.compute_bound_cycles + head.lm_head.cost.compute_bound_cycles +
                       head.argmax.cost.compute_bound_cycles;
      const int below = layer_height + p;
      place("to_head", plan::Lanes(width, {{"next", x0 + p + 1, 0, counts}}, fabric.colors), 0, layer_height, false);
      place("final_norm", std::move(head.norm), 0, below, false);
      place("lm_head", std::move(head.lm_head), 0, below + 1, false);
      place("argmax", std::move(head.argmax), p, below + 1, false);
      if (kept != nullptr) AddKeptOutput(plans.back(), "x", "XADDR", static_cast<size_t>(req.layers * d), *kept);
      const size_t lanes = plans.size() - 4;
      links.insert(links.end(), {{at_index(11), "y", lanes, "next_in"},
                                 {lanes, "next_out", lanes + 1, "x"},
                                 {lanes + 1, "y", lanes + 2, "x"},
                                 {lanes + 2, "y", lanes + 3, "x"}});
    }
    if (last) continue;
    // The output, sent twice: to the next layer's norm (column 0) and its skip (beside its
    // output projection). In the strip, back west below the layer; from a strip's end, turned
    // into the next strip east (lane 0 of a layer running up is its east-most).
    if (!strip_ends) {
      place("to_next",
            plan::Lanes(width, {{"next", x0 + p + 1, 0, counts}, {"skip_next", x0 + p + 1, x0, counts}}, fabric.colors),
            0, layer_height);
    } else if (!up) {
      const int from = x_at + x0 + p + 1;  // the under turn's west column: the output's lanes
      plans.push_back({name + "to_next_strip",
                       plan::Moved(plan::TurnedLanes(2 * width - (x0 + p + 1), plan::Turn::kUnder,
                                                     {{"next", 0, width, counts}, {"skip_next", 0, width - x0, counts}},
                                                     fabric.colors),
                                   from, strip_bottom)});
    } else {
      plans.push_back({name + "to_next_strip",
                       plan::Moved(plan::TurnedLanes(width + x0 + p, plan::Turn::kOver,
                                                     {{"next", 0, width, counts}, {"skip_next", 0, width + x0, counts}},
                                                     fabric.colors),
                                   x_at, above - p)});
    }
    links.push_back({at_index(11), "y", plans.size() - 1, "next_in"});
    links.push_back({at_index(11), "y2", plans.size() - 1, "skip_next_in"});
  }
  plan::Plan layer = plan::Chain(std::move(plans), links, fabric, stages);
  layer.reference = WithHead(req) ? token : y;
  layer.tolerance = WithHead(req) ? token_tolerance : DoubledBound(ey);
  layer.kernel = "layer";
  layer.description = fmt::format(
      "{}, d_model {} d_ff {}, {} heads ({} kv) x {}, context {} + 1, {}, resident on {}x{} tiles (P {}, B {} "
      "bands, A {} attention columns, R {} FFN rows{}{}{}): {}",
      req.layers > 1 ? fmt::format("{} decoder layers", req.layers) : "a decoder layer", d, req.d_ff, req.heads,
      req.kv_heads > 0 ? req.kv_heads : req.heads, req.head_dim, req.context,
      req.dtype == DType::kFp16 ? "binary16 weights, binary32 activations and KV cache" : "binary32",
      strips * width, strip_bottom + RowsBelow(strips, p), p, b, a, r,
      req.layers > 1 ? fmt::format("; {} rows a layer", layer_height) : "",
      strips > 1 ? fmt::format("; a snake of {} strips of {} layers", strips, per_strip) : "",
      WithHead(req) ? fmt::format("; then the model's head: final norm, output head {}x{} on {}x{} tiles, argmax",
                                  req.vocab, d, p, layout.head_rows)
                    : "",
      layer.description);
  layer.parameters = {{"d_model", d},          {"d_ff", req.d_ff},  {"heads", req.heads},
                      {"kv_heads", req.kv_heads}, {"head_dim", req.head_dim}, {"context", req.context}, {"dtype", req.dtype},
                      {"columns", p},          {"bands", b},        {"attention_columns", a},
                      {"ffn_rows", r},         {"layers", req.layers}, {"strips", strips}, {"layers_per_strip", per_strip},
                      {"vocab", WithHead(req) ? req.vocab : 0}, {"head_rows", WithHead(req) ? layout.head_rows : 0},
                      {"layout_layers", LayoutLayers(req)}, {"seed", req.seed}};
  layer.cost.estimated_cycles = req.layers * layout.layer_cycles + (WithHead(req) ? layout.head_cycles : 0);
  layer.cost.compute_bound_cycles = compute_bound;
  layer.cost.macs_per_tile_cycle = 1;
  return layer;
}

}  // namespace

plan::Plan BuildDecoderLayerPlan(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  return Build(req, fabric, nullptr, nullptr);
}

namespace {

// The first element where `got` is off `want` by more than `bound`, or -1.
int64_t FirstWrong(const float* got, const std::vector<double>& want, const std::vector<double>& bound) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (!(std::fabs(double(got[i]) - want[i]) <= bound[i])) return static_cast<int64_t>(i);
  }
  return -1;
}

// Each layer's output as its residual left it, against the layer's reference from the layer's
// input as the fabric held it (the previous layer's kept output); then the head's logits the
// same way from the last layer's, and the token sent against the largest of the logits the
// argmax tiles held (exactly: the first index on a tie).
ObservedCheck LayerChecks(const KernelRequest& req, const fabric::FabricConfig& fabric, std::vector<SramOutput> reads) {
  ObservedCheck c;
  c.reads = std::move(reads);
  const auto d = static_cast<size_t>(req.d_model);
  c.size = static_cast<size_t>(req.layers) * d + (WithHead(req) ? static_cast<size_t>(req.vocab) : 0);
  c.what = WithHead(req) ? "each layer's output and the head's logits within the bounds of their own kernels from "
                           "their inputs as the fabric held them, and the token the largest logit"
                         : "each layer's output within the bound of one layer from its input as the fabric held it";
  c.judge = [req, fabric, d](const std::vector<float>& seen, const std::vector<double>& outputs) -> std::string {
    const LayerLayout layout = ChooseLayout(req, fabric);
    const int p = layout.attention.columns;
    std::vector<float> in = LayerInput(req);
    const std::vector<double> exact(d, 0.0);
    for (int k = 0; k < req.layers; ++k) {
      const LayerStages s = BuildLayerStages(req, fabric, layout, k, in, exact);
      const float* got = &seen[static_cast<size_t>(k) * d];
      const std::vector<double> bound = DoubledBound(s.ey);
      if (const int64_t i = FirstWrong(got, s.y, bound); i >= 0) {
        return fmt::format("layer {} (L{}.ffn_residual) y[{}] = {:.9g}, expected {:.9g} from the layer's input as the "
                           "fabric held it (error {:.3g}, tolerance {:.3g})",
                           k, k, i, got[i], s.y[i], std::fabs(double(got[i]) - s.y[i]), bound[i]);
      }
      in.assign(got, got + d);
    }
    if (!WithHead(req)) return "";
    const HeadStages head = BuildHeadStages(req, fabric, p, layout.head_rows, in);
    std::vector<double> logits, bound;
    HeadLogits(head, {in.begin(), in.end()}, exact, p, logits, bound);
    const float* got = &seen[static_cast<size_t>(req.layers) * d];
    if (const int64_t i = FirstWrong(got, logits, bound); i >= 0) {
      return fmt::format("lm_head logit[{}] = {:.9g}, expected {:.9g} from the last layer's output as the fabric held "
                         "it (error {:.3g}, tolerance {:.3g})",
                         i, got[i], logits[i], std::fabs(double(got[i]) - logits[i]), bound[i]);
    }
    const auto vocab = static_cast<size_t>(req.vocab);
    const auto best = static_cast<size_t>(std::max_element(got, got + vocab) - got);
    if (outputs.size() != 2 || outputs[1] != double(best) || outputs[0] != double(got[best])) {
      return fmt::format("argmax sent token {} (logit {:.9g}); the largest logit the argmax tiles held is {:.9g}, "
                         "first at {}",
                         outputs.size() > 1 ? outputs[1] : -1.0, outputs.empty() ? 0.0 : outputs[0], got[best], best);
    }
    return "";
  };
  return c;
}

}  // namespace

int ResidentLayersThatFit(const KernelRequest& request, const fabric::FabricConfig& fabric, int most) {
  KernelRequest r = request;
  r.layout_layers = 0;
  int fit = 0;
  for (r.layers = 1; r.layers <= most; ++r.layers) {
    r.vocab = r.layers == most ? request.vocab : 0;  // the head comes with the whole model
    try {
      (void)ChooseLayout(r, fabric);
    } catch (const std::invalid_argument&) {
      break;
    }
    fit = r.layers;
  }
  return fit;
}

double ResidentHeadCycles(const KernelRequest& request, const fabric::FabricConfig& fabric) {
  KernelRequest r = request;
  r.layers = LayoutLayers(request);
  return r.vocab > 0 ? ChooseLayout(r, fabric).head_cycles : 0.0;
}

KernelMapping MapDecoderLayer(const KernelRequest& req, const fabric::FabricConfig& fabric) {
  std::vector<SramOutput> kept;
  KernelMapping m = plan::LowerWithStages(
      [&](std::vector<StageStamps>* stages) { return Build(req, fabric, stages, &kept); }, fabric);
  m.observed = LayerChecks(req, fabric, std::move(kept));
  return m;
}

}  // namespace wafersim::runtime
