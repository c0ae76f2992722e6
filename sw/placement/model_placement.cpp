#include "placement/model_placement.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compare/gemv_cost.h"
#include "runtime/attention_cost.h"
#include "runtime/vector_cost.h"
#include "workload/dtype.h"
#include "workload/layer_kernels.h"
#include "workload/memory_footprint.h"

namespace wafersim::placement {

namespace wl = wafersim::workload;

namespace {

/// Tiles a region holding bytes gets over what the bytes need: its blocks are whole rows and
/// columns of tiles (as compare's placement).
constexpr double kSlack = 1.15;
/// Elements a vector kernel keeps on each tile when the placer sizes it (fewer would spend
/// its tiles on routes, more its cycles on one tile); SiLU-multiply's scalar exponential costs
/// 92 cycles an element, so it takes fewer.
constexpr int64_t kElementsPerVectorTile = 64, kElementsPerSiluTile = 8;
/// Share of the wafer's spare tiles handed out before packing: strips waste their ends.
constexpr double kSpareShare = 0.9;

struct Item {
  Region region;
  wl::Kernel kernel;
  bool holds_bytes = false;  ///< a matrix or attention: grows with the spare tiles
  double work = 0;           ///< cycles its bytes cost per step on one tile (the spare tiles follow it)
};

/// Cycles a step spends on the kernel's bytes if one tile held them all, by its plan's cost: a
/// GEMV's row of n weights takes about n cycles (lanes wide), an attention key the tfdot and
/// tfmac of its heads and their exponentials (attention_cost.h).
double Work(const Item& it, int lanes, int elem) {
  const wl::Kernel& k = it.kernel;
  if (k.kind == wl::KernelKind::kAttention) {
    const double keys = it.region.kv_bytes / static_cast<double>(elem * (k.qk_dim + k.v_dim));
    const double heads = static_cast<double>(k.heads) / static_cast<double>(k.kv_heads);
    return keys * heads * (0.75 * runtime::GemvRowCycles(k.qk_dim, lanes) + 1.2 * static_cast<double>(k.v_dim) + 73);
  }
  return it.region.weight_bytes / static_cast<double>(elem * lanes);
}

int64_t Ceil(double v) { return static_cast<int64_t>(std::ceil(v)); }

/// The fewest tiles a kernel takes: its bytes over a tile's usable SRAM, or its elements.
int64_t TilesNeeded(const Item& it, double usable) {
  if (it.holds_bytes) return std::max<int64_t>(1, Ceil(kSlack * (it.region.weight_bytes + it.region.kv_bytes) / usable));
  const wl::Kernel& k = it.kernel;
  if (k.kind == wl::KernelKind::kRmsNorm || k.kind == wl::KernelKind::kLayerNorm) {
    return runtime::RmsNormColumns(k.width);
  }
  const int64_t per_tile = k.kind == wl::KernelKind::kSiluMul ? kElementsPerSiluTile : kElementsPerVectorTile;
  return std::clamp<int64_t>(Ceil(static_cast<double>(k.width) / static_cast<double>(per_tile)), 1, 1024);
}

/// The rows of a strip a region takes: a region holding bytes takes the strip's height; an
/// RMSNorm a row per token (its sums walk along a row); other vector kernels a near-square block.
int PreferredHeight(const Item& it, int64_t tiles, int strip) {
  if (it.holds_bytes) return strip;
  const wl::Kernel& k = it.kernel;
  if (k.kind == wl::KernelKind::kRmsNorm || k.kind == wl::KernelKind::kLayerNorm) {
    return static_cast<int>(std::clamp<int64_t>(k.rows, 1, strip));
  }
  return static_cast<int>(std::clamp<int64_t>(Ceil(std::sqrt(static_cast<double>(tiles))), 1, strip));
}

/// The kernels a token visits: every layer run, then the final norm and the output head.
std::vector<Item> Items(const wl::Workload& w) {
  const int elem = wl::DTypeBytes(w.dtype);
  const double kv_per_layer = static_cast<double>(w.batch) * static_cast<double>(w.KvLength()) *
                              static_cast<double>(wl::KvBytesPerTokenPerLayer(w.model, w.dtype));
  std::vector<Item> items;
  for (int layer = w.first_layer; layer < w.first_layer + w.LayerCount(); ++layer) {
    for (const wl::Kernel& k : wl::LayerKernels(w, layer)) {
      Item it;
      it.kernel = k;
      it.region.layer = layer;
      it.region.kernel = k.name;
      it.region.kind = wl::KernelKindName(k.kind);
      const bool matrix = k.kind == wl::KernelKind::kGemm || k.kind == wl::KernelKind::kGemv;
      if (matrix) it.region.weight_bytes = static_cast<double>(k.weight_params) * elem;
      if (k.kind == wl::KernelKind::kAttention) it.region.kv_bytes = kv_per_layer;
      it.holds_bytes = matrix || k.kind == wl::KernelKind::kAttention;
      items.push_back(std::move(it));
    }
  }
  Item norm;
  norm.region.kernel = "final_norm";
  norm.region.kind = "rmsnorm";
  norm.kernel.kind = wl::KernelKind::kRmsNorm;
  norm.kernel.rows = w.batch;
  norm.kernel.width = w.model.hidden;
  items.push_back(norm);
  Item head;
  head.region.kernel = "lm_head";
  head.region.kind = "gemv";
  head.kernel.kind = wl::KernelKind::kGemv;
  head.kernel.m = w.batch;
  head.kernel.n = w.model.vocab;
  head.kernel.k = w.model.hidden;
  head.region.weight_bytes = static_cast<double>(w.model.vocab) * static_cast<double>(w.model.hidden) * elem;
  head.holds_bytes = true;
  items.push_back(head);
  return items;
}

/// The region's cost for the step, by its kernel's plan where there is one.
void Cost(Region& r, const wl::Kernel& k, const wl::Workload& w, const compare::WaferMachine& m) {
  const int lanes = m.Lanes(w.dtype);
  const int elem = wl::DTypeBytes(w.dtype);
  const double tokens = static_cast<double>(w.Tokens());
  const int64_t tiles = r.Tiles();
  switch (k.kind) {
    case wl::KernelKind::kGemm:
    case wl::KernelKind::kGemv: {
      if (k.experts > 0) {
        // Each expert on its share of the region; the step waits for the busiest, which takes
        // the expected tokens per expert (uniform routing) rounded up.
        const double per_expert = std::ceil(tokens * static_cast<double>(k.top_k) / static_cast<double>(k.experts));
        const compare::GemvPlacement g = compare::PlaceGemv(k.n, k.k, 1, std::max<int64_t>(1, tiles / k.experts), elem,
                                                            m.UsableBytesPerTile(), lanes, per_expert);
        r.cycles_per_step = g.cost.Cycles(per_expert);
      } else {
        const compare::GemvPlacement g =
            compare::PlaceGemv(k.n, k.k, std::max<int64_t>(1, k.batch), tiles, elem, m.UsableBytesPerTile(), lanes, tokens);
        r.cycles_per_step = g.cost.Cycles(tokens);
      }
      r.cost_source = "the GEMV plan's cost";
      return;
    }
    case wl::KernelKind::kAttention: {
      runtime::AttentionShape s;
      s.groups = k.sequences * k.kv_heads;
      s.heads_per_group = k.heads / k.kv_heads;
      s.qk_dim = k.qk_dim;
      s.v_dim = k.v_dim;
      s.lanes = lanes;
      s.columns = r.width;
      s.rows = r.height;
      if (k.q_len <= 1) {
        r.cycles_per_step = runtime::AttentionDecodeCycles(s, k.kv_len);
        r.cost_source = "the attention decode plan's cost";
      } else {
        r.cycles_per_step = runtime::AttentionPrefillCycles(s, k.q_len, runtime::kPrefillChunk);
        r.cost_source = "the attention prefill plan's cost";
      }
      return;
    }
    case wl::KernelKind::kRmsNorm:
      r.cycles_per_step = runtime::RmsNormCycles(Ceil(static_cast<double>(k.rows) / r.height),
                                                 Ceil(static_cast<double>(k.width) / r.width), r.width);
      r.cost_source = "the rmsnorm plan's cost";
      return;
    default: break;
  }
  const int64_t per_tile = Ceil(static_cast<double>(k.rows) * static_cast<double>(k.width) / static_cast<double>(tiles));
  switch (k.kind) {
    case wl::KernelKind::kResidualAdd:
      r.cycles_per_step = runtime::ResidualCycles(per_tile);
      r.cost_source = "the residual plan's cost";
      return;
    case wl::KernelKind::kSiluMul:
      r.cycles_per_step = runtime::SiluMulCycles(per_tile);
      r.cost_source = "the silu_mul plan's cost";
      return;
    case wl::KernelKind::kRope:
      r.cycles_per_step = runtime::RopeCycles((per_tile + 1) / 2);
      r.cost_source = "the rope plan's cost";
      return;
    default:
      // No plan yet (LayerNorm, GELU, the KV append, the router's top-k, dispatch, combine):
      // one pass over the tile's elements, as the residual add.
      r.cycles_per_step = runtime::ResidualCycles(per_tile);
      r.cost_source = "no plan yet: one pass over its elements";
  }
}

/// Lays the regions along a snake of strips `h` tiles high: left to right along the first,
/// right to left along the next. False when a region is wider than the wafer or the strips run out.
bool Pack(std::vector<Item>& items, const std::vector<int64_t>& tiles, int h, int wafer_w, int wafer_h) {
  int strip = 0, used = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const int rows = PreferredHeight(items[i], tiles[i], h);
    const int64_t width = (tiles[i] + rows - 1) / rows;
    if (width > wafer_w) return false;
    if (used + width > wafer_w) {
      ++strip;
      used = 0;
    }
    if ((strip + 1) * int64_t{h} > wafer_h) return false;
    Region& r = items[i].region;
    r.width = static_cast<int>(width);
    r.height = rows;
    r.y = strip * h;
    r.x = strip % 2 == 0 ? used : wafer_w - used - r.width;
    used += r.width;
  }
  return true;
}

/// The strip height whose packing fits with the least of what the GEMV plans pay for a region's
/// shape (8 cycles a column, 3 a row: gemv_cost.h); 0 when none fits.
int BestStripHeight(std::vector<Item>& items, const std::vector<int64_t>& tiles, int wafer_w, int wafer_h) {
  int best = 0;
  double best_cost = std::numeric_limits<double>::infinity();
  for (int h = 1; h <= wafer_h; ++h) {
    if (!Pack(items, tiles, h, wafer_w, wafer_h)) continue;
    double cost = 0;
    for (const Item& it : items) {
      if (it.holds_bytes) {
        cost += compare::GemvFit::kPerRegionColumn * it.region.width + compare::GemvFit::kPerRegionRow * it.region.height;
      }
    }
    if (cost < best_cost) {
      best_cost = cost;
      best = h;
    }
  }
  return best;
}

}  // namespace

int64_t Placement::TilesUsed() const {
  int64_t n = 0;
  for (const Region& r : regions) n += r.Tiles();
  return n;
}

double Placement::CyclesPerStep() const {
  double c = 0;
  for (const Region& r : regions) c += r.cycles_per_step;
  return c;
}

Placement PlaceModel(const wl::Workload& w, const compare::WaferMachine& m) {
  Placement p;
  p.model = w.model.name;
  p.wafer_width = m.config.width;
  p.wafer_height = m.config.height;
  p.usable_bytes_per_tile = m.UsableBytesPerTile();
  std::vector<Item> items = Items(w);
  const int64_t wafer_tiles = int64_t{p.wafer_width} * p.wafer_height;
  std::vector<int64_t> need(items.size());
  int64_t total_need = 0;
  double stored = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    need[i] = TilesNeeded(items[i], p.usable_bytes_per_tile);
    items[i].region.tiles_needed = need[i];
    total_need += need[i];
    if (items[i].holds_bytes) stored += items[i].region.weight_bytes + items[i].region.kv_bytes;
  }
  // The spare tiles go to the regions that hold bytes, in proportion to the cycles their bytes
  // cost (Work): a larger share of a GEMV's weights or of a KV cache per tile is a longer pass
  // per token. Less is handed out until the snake packs.
  const int64_t spare = std::max<int64_t>(0, wafer_tiles - total_need);
  double work = 0;
  for (Item& it : items) {
    if (it.holds_bytes) work += it.work = Work(it, m.Lanes(w.dtype), wl::DTypeBytes(w.dtype));
  }
  for (double share = kSpareShare; share >= 0; share -= 0.1) {
    std::vector<int64_t> tiles = need;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].holds_bytes || work <= 0) continue;
      tiles[i] += static_cast<int64_t>(std::floor(share * static_cast<double>(spare) * items[i].work / work));
    }
    const int h = total_need <= wafer_tiles ? BestStripHeight(items, tiles, p.wafer_width, p.wafer_height) : 0;
    if (h > 0) {
      Pack(items, tiles, h, p.wafer_width, p.wafer_height);
      p.fits = true;
      p.strip_height = h;
      break;
    }
    if (share < 0.05) break;
  }
  if (!p.fits) {
    // Where the wafer runs out: the first kernel whose tiles, added in order, pass the wafer's.
    int64_t cumulative = 0;
    size_t at = items.size() - 1;
    for (size_t i = 0; i < items.size(); ++i) {
      cumulative += need[i];
      if (cumulative > wafer_tiles) {
        at = i;
        break;
      }
    }
    const Region& r = items[at].region;
    const double over = std::max(0.0, static_cast<double>(total_need - wafer_tiles)) * p.usable_bytes_per_tile;
    p.overflow = fmt::format(
        "{} does not fit one {}x{} wafer: its kernels need {} tiles ({:.2f} GB of weights and KV cache at {:.0f} "
        "usable bytes a tile, with room for whole rows and columns of blocks) and the wafer has {}; it runs out at {}{}, "
        "{:.2f} GB short",
        w.model.name, p.wafer_width, p.wafer_height, total_need, stored / 1e9, p.usable_bytes_per_tile, wafer_tiles,
        r.layer >= 0 ? fmt::format("layer {}'s ", r.layer) : "", r.kernel, over / 1e9);
  }
  for (Item& it : items) {
    if (p.fits) Cost(it.region, it.kernel, w, m);
    p.regions.push_back(it.region);
  }
  if (!p.fits) p.regions.clear();
  return p;
}

std::string PlacementJson(const Placement& p) {
  nlohmann::json regions = nlohmann::json::array();
  for (const Region& r : p.regions) {
    regions.push_back({{"layer", r.layer},
                       {"kernel", r.kernel},
                       {"kind", r.kind},
                       {"x", r.x},
                       {"y", r.y},
                       {"width", r.width},
                       {"height", r.height},
                       {"tiles", r.Tiles()},
                       {"tiles_needed", r.tiles_needed},
                       {"weight_bytes", r.weight_bytes},
                       {"kv_bytes", r.kv_bytes},
                       {"bytes_per_tile", r.BytesPerTile()},
                       {"sram_fraction", r.BytesPerTile() / p.usable_bytes_per_tile},
                       {"cycles_per_step", r.cycles_per_step},
                       {"cost_source", r.cost_source}});
  }
  const nlohmann::json j = {{"model", p.model},
                            {"wafer", {{"width", p.wafer_width}, {"height", p.wafer_height}}},
                            {"usable_bytes_per_tile", p.usable_bytes_per_tile},
                            {"fits", p.fits},
                            {"overflow", p.overflow},
                            {"strip_height", p.strip_height},
                            {"tiles_used", p.TilesUsed()},
                            {"cycles_per_step", p.CyclesPerStep()},
                            {"regions", regions}};
  return j.dump(1) + "\n";
}

}  // namespace wafersim::placement
