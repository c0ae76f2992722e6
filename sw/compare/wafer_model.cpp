#include "compare/wafer_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "compare/rated_power.h"
#include "compare/wafer_layer.h"
#include "workload/memory_footprint.h"
#include "workload/param_count.h"

namespace wafersim::compare {

namespace wl = wafersim::workload;

namespace {

/// A contiguous piece of what the wafer stores: the embedding, a layer, or the output head.
struct Item {
  enum class Kind { kEmbedding, kLayer, kHead } kind;
  int layer = -1;
  double bytes = 0;
};

bool RunsFirstLayer(const wl::Workload& w) { return w.first_layer == 0; }
bool RunsLastLayer(const wl::Workload& w) { return w.first_layer + w.LayerCount() == w.model.layers; }

std::vector<Item> Items(const wl::Workload& w) {
  const int b = wl::DTypeBytes(w.dtype);
  const wl::ModelParams p = wl::CountModelParams(w.model);
  const double table = static_cast<double>(w.model.vocab * w.model.hidden) * b;
  std::vector<Item> items;
  // A tied table lives with the head; the first wafer's lookups are a row per token.
  if (RunsFirstLayer(w)) {
    const double emb = static_cast<double>(p.embedding) * b - (w.model.tied_embeddings ? table : 0);
    if (emb > 0) items.push_back({Item::Kind::kEmbedding, -1, emb});
  }
  for (int l = w.first_layer; l < w.first_layer + w.LayerCount(); ++l) {
    items.push_back({Item::Kind::kLayer, l, LayerStoredBytes(w, l).Total()});
  }
  if (RunsLastLayer(w)) items.push_back({Item::Kind::kHead, -1, table + static_cast<double>(p.final_norm) * b});
  return items;
}

/// Wafers a greedy contiguous fill at `cap` bytes per wafer takes (the fewest for that cap).
int GreedyCount(const std::vector<Item>& items, double cap) {
  int wafers = 1;
  double load = 0;
  for (const auto& it : items) {
    if (load > 0 && load + it.bytes > cap) {
      ++wafers;
      load = 0;
    }
    load += it.bytes;
  }
  return wafers;
}

std::vector<std::vector<Item>> Split(const std::vector<Item>& items, double cap) {
  std::vector<std::vector<Item>> wafers(1);
  double load = 0;
  for (const auto& it : items) {
    if (load > 0 && load + it.bytes > cap) {
      wafers.emplace_back();
      load = 0;
    }
    wafers.back().push_back(it);
    load += it.bytes;
  }
  return wafers;
}

/// The most balanced contiguous split over exactly `n` wafers (the smallest largest load; when
/// fewer wafers reach that load, the fullest are split further, so each of the `n` wafers
/// holds something and its items get more tiles). `n` is at most the number of items.
std::vector<std::vector<Item>> Balance(const std::vector<Item>& items, int n) {
  double lo = 0, hi = 0;
  for (const auto& it : items) {
    lo = std::max(lo, it.bytes);
    hi += it.bytes;
  }
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    if (GreedyCount(items, mid) <= n) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  std::vector<std::vector<Item>> wafers = Split(items, hi);
  const auto load = [](const std::vector<Item>& group) {
    double b = 0;
    for (const auto& it : group) b += it.bytes;
    return b;
  };
  while (static_cast<int>(wafers.size()) < n) {
    // The fullest wafer with two items or more, cut where its halves are most even.
    int fullest = -1;
    for (int i = 0; i < static_cast<int>(wafers.size()); ++i) {
      if (wafers[i].size() > 1 && (fullest < 0 || load(wafers[i]) > load(wafers[fullest]))) fullest = i;
    }
    if (fullest < 0) break;
    const std::vector<Item> group = wafers[fullest];
    const double total = load(group);
    size_t cut = 1;
    double before = group[0].bytes, best = std::abs(total - 2 * before);
    for (size_t c = 2; c < group.size(); ++c) {
      before += group[c - 1].bytes;
      if (std::abs(total - 2 * before) < best) {
        best = std::abs(total - 2 * before);
        cut = c;
      }
    }
    wafers[fullest].assign(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(cut));
    wafers.insert(wafers.begin() + fullest + 1,
                  std::vector<Item>(group.begin() + static_cast<std::ptrdiff_t>(cut), group.end()));
  }
  return wafers;
}

/// Kernel timings from stages: one entry per kernel name, averaged over its layers.
void AddTimings(MachineResult& r, const std::vector<WaferStage>& stages, double clock_hz) {
  std::map<std::string, size_t> index;
  std::vector<std::pair<KernelTiming, double>> sums;  // timing, sum of pass cycles
  for (const auto& s : stages) {
    auto it = index.find(s.name);
    if (it == index.end()) {
      KernelTiming k;
      k.name = s.name;
      k.kind = s.kind;
      k.group = s.group;
      k.count = 0;
      k.bound = s.bound;
      k.source = s.source;
      index[s.name] = sums.size();
      sums.push_back({k, 0});
      it = index.find(s.name);
    }
    auto& [k, cycles] = sums[it->second];
    k.count += 1;
    k.flops += s.counts.matrix_flops;
    k.bytes += s.sram_bytes;
    cycles += s.pass_cycles;
  }
  for (auto& [k, cycles] : sums) {
    k.time_s = cycles / k.count / clock_hz;
    k.flops /= k.count;
    k.bytes /= k.count;
    r.kernels.push_back(k);
  }
}

/// sum of fixed + sum of per-token + (tokens - 1) x the slowest per-token stage.
double PipelineCycles(const std::vector<StageCost>& stages, double tokens) {
  double fixed = 0, token = 0, slowest = 0;
  for (const auto& s : stages) {
    fixed += s.fixed_cycles;
    token += s.token_cycles;
    slowest = std::max(slowest, s.token_cycles);
  }
  return fixed + token + (tokens - 1) * slowest;
}

MachineResult Base(const WaferMachine& m, const wl::Workload& w, int devices) {
  MachineResult r;
  r.machine = m.config.name;
  r.devices = devices;
  r.tokens = static_cast<double>(w.Tokens());
  r.peak_flops = devices * m.PeakFlops(w.dtype);
  r.peak_bytes_per_s = devices * m.SramBytesPerS();
  r.rated_power_w = RatedPowerOf(m.config.name).watts;
  return r;
}

void Finish(MachineResult& r, const wl::Workload& w, const EnergyTable& energy) {
  r.useful_flops = r.counts.matrix_flops;
  r.energy = Energy(r.counts, energy, w.dtype);
  Summarize(r);
  r.notes.push_back("per-kernel cycles are the costs the kernels' plans state (each within a few percent of its "
                    "simulated runs up to 128x128 tiles: docs/validation.md), composed into layers and the model: not "
                    "a full-layer simulation");
  for (const auto& k : r.kernels) {
    if (k.source.rfind("simulated", 0) == 0) {
      r.notes.push_back("the kernels named in --layer-cycles take its simulated cycles instead");
      break;
    }
  }
}

MachineResult Resident(const WaferMachine& m, const wl::Workload& w, const std::vector<std::vector<Item>>& wafers,
                       const WaferCapacity& cap, const CycleOverrides& overrides, const EnergyTable& energy) {
  const int n = static_cast<int>(wafers.size());
  MachineResult r = Base(m, w, n);
  r.mode = n == 1 ? "resident on 1 wafer" : fmt::format("layer pipeline over {} wafers", n);
  const double f = m.ClockHz();
  const double tokens = static_cast<double>(w.Tokens());
  const int b = wl::DTypeBytes(w.dtype);
  std::vector<WaferStage> stages;
  std::vector<StageCost> costs;
  bool fits = !cap.layer_too_big;
  for (int i = 0; i < n; ++i) {
    double bytes = cap.activation_bytes;
    for (const auto& it : wafers[i]) bytes += it.bytes;
    fits = fits && bytes <= (cap.usable_per_wafer + cap.activation_bytes) * 1.000001;
    for (const auto& it : wafers[i]) {
      const int64_t tiles = std::max<int64_t>(
          1, static_cast<int64_t>(std::floor(static_cast<double>(m.Tiles()) * it.bytes / bytes)));
      if (it.kind == Item::Kind::kLayer) {
        for (auto& s : LayerStages(m, w, it.layer, tiles, overrides)) {
          fits = fits && s.fits;
          costs.push_back(s.cost);
          stages.push_back(std::move(s));
        }
      } else if (it.kind == Item::Kind::kHead) {
        WaferStage s = HeadStage(m, w, tiles, overrides);
        fits = fits && s.fits;
        costs.push_back(s.cost);
        stages.push_back(std::move(s));
      }
    }
    if (i + 1 < n) {
      // The activations of each token cross to the next wafer.
      const double bytes_per_token = static_cast<double>(w.model.hidden) * b;
      WaferStage link;
      link.name = "inter-wafer link";
      link.kind = "link";
      link.group = "communication";
      link.cost = {m.params.wafer_link_latency_s * f, bytes_per_token / m.params.wafer_link_bytes_per_s * f};
      link.pass_cycles = link.cost.Cycles(tokens);
      link.bound = "communication";
      link.source = fmt::format("{:.0f} GB/s link, {:.1f} us latency (WaferParams)",
                                m.params.wafer_link_bytes_per_s / 1e9, m.params.wafer_link_latency_s * 1e6);
      link.counts.wafer_link_bytes = bytes_per_token * tokens;
      costs.push_back(link.cost);
      stages.push_back(link);
    }
  }
  r.step_s = PipelineCycles(costs, tokens) / f;
  for (const auto& s : stages) r.counts += s.counts;
  AddTimings(r, stages, f);
  r.memory_needed_bytes = cap.Needed() + (n - 1) * cap.activation_bytes;
  r.memory_capacity_bytes = n * (cap.usable_per_wafer + cap.activation_bytes);
  r.fits = fits;
  if (!fits) r.notes.push_back("does not fit: a layer's blocks exceed a tile's usable SRAM");
  Finish(r, w, energy);
  return r;
}

MachineResult Streamed(const WaferMachine& m, const wl::Workload& w, const std::vector<Item>& items,
                       const WaferCapacity& cap, const CycleOverrides& overrides, const EnergyTable& energy) {
  MachineResult r = Base(m, w, 1);
  const double f = m.ClockHz();
  const double bw = m.StreamBytesPerS();
  r.mode = fmt::format("weights streamed in at {:.2f} TB/s", bw / 1e12);
  const double tokens = static_cast<double>(w.Tokens());
  std::vector<WaferStage> all;
  double cycles = 0, streamed = 0, largest = 0;
  for (const auto& it : items) {
    if (it.kind == Item::Kind::kEmbedding) continue;  // looked up by the host: a row per token
    std::vector<WaferStage> stages;
    double weights = 0;
    if (it.kind == Item::Kind::kLayer) {
      stages = LayerStages(m, w, it.layer, m.Tiles(), overrides);
      weights = LayerStoredBytes(w, it.layer).weights;
    } else {
      stages.push_back(HeadStage(m, w, m.Tiles(), overrides));
      weights = it.bytes;
    }
    std::vector<StageCost> costs;
    for (const auto& s : stages) costs.push_back(s.cost);
    const double compute = PipelineCycles(costs, tokens);
    const double stream = weights / bw * f;
    cycles += std::max(compute, stream);
    streamed += weights;
    largest = std::max(largest, weights);
    for (auto& s : stages) all.push_back(std::move(s));
    WaferStage wait;
    wait.name = "weights streamed in (beyond compute)";
    wait.kind = "stream";
    wait.group = "weight streaming";
    wait.pass_cycles = std::max(0.0, stream - compute);
    wait.bound = "memory";
    wait.source = fmt::format("{:.2f} TB/s into the wafer", bw / 1e12);
    all.push_back(wait);
  }
  r.step_s = cycles / f;
  for (const auto& s : all) r.counts += s.counts;
  r.counts.stream_bytes = streamed;
  r.counts.sram_bytes += streamed;  // written into the tiles as they arrive
  AddTimings(r, all, f);
  for (auto& k : r.kernels) {
    if (k.kind == "stream") k.bytes = streamed / k.count;
  }
  // Resident: the KV cache, the activations and two layers' weights (double buffering).
  r.memory_needed_bytes = cap.kv_bytes + cap.activation_bytes + 2 * largest;
  r.memory_capacity_bytes = cap.usable_per_wafer + cap.activation_bytes;
  r.fits = r.memory_needed_bytes <= r.memory_capacity_bytes;
  if (!r.fits) {
    r.notes.push_back(fmt::format("does not fit: the KV cache ({:.1f} GB) and two layers' weights exceed the "
                                  "wafer's usable SRAM",
                                  cap.kv_bytes / 1e9));
  }
  Finish(r, w, energy);
  return r;
}

}  // namespace

WaferResults ModelOnWafer(const WaferMachine& m, const wl::Workload& w, const WaferOptions& o,
                          const CycleOverrides& overrides, const EnergyTable& energy) {
  RequireWaferDType(w.dtype);
  if (o.weights != "auto" && o.weights != "pipeline" && o.weights != "stream") {
    throw std::invalid_argument(fmt::format("--weights {}: expected pipeline, stream or auto", o.weights));
  }
  if (o.wafers < 0) throw std::invalid_argument(fmt::format("--wafers {}: must be a positive integer", o.wafers));
  WaferResults out;
  const std::vector<Item> items = Items(w);
  WaferCapacity& cap = out.capacity;
  for (const auto& it : items) {
    if (it.kind == Item::Kind::kLayer) {
      const LayerBytes lb = LayerStoredBytes(w, it.layer);
      cap.weight_bytes += lb.weights;
      cap.kv_bytes += lb.kv;
    } else {
      cap.weight_bytes += it.bytes;
    }
  }
  // Each wafer holds a few tokens' activations per layer boundary in flight: residual, normed input,
  // and two of the widest intermediate.
  const int b = wl::DTypeBytes(w.dtype);
  cap.activation_bytes = static_cast<double>(w.Tokens()) * b *
                         static_cast<double>(2 * w.model.hidden + 2 * std::max(w.model.ffn, w.model.expert_ffn));
  cap.usable_per_wafer = m.UsableBytes() - cap.activation_bytes;
  cap.tiles = m.Tiles();
  cap.sram_bytes_per_tile = m.config.sram_bytes;
  cap.usable_fraction = m.params.sram_usable_fraction;
  for (const auto& it : items) {
    if (it.bytes <= cap.largest_stage_bytes) continue;
    cap.largest_stage_bytes = it.bytes;
    cap.largest_stage = it.kind == Item::Kind::kLayer       ? fmt::format("layer {}", it.layer)
                        : it.kind == Item::Kind::kEmbedding ? "the embedding"
                                                            : "the output head";
  }
  cap.layer_too_big = cap.largest_stage_bytes > cap.usable_per_wafer;
  cap.wafers_needed = cap.layer_too_big ? static_cast<int>(items.size()) : GreedyCount(items, cap.usable_per_wafer);
  out.fits_one = cap.wafers_needed == 1 && !cap.layer_too_big;
  if (o.wafers > 0 && o.wafers < cap.wafers_needed) {
    throw std::invalid_argument(fmt::format("--wafers {}: the workload needs {} wafers ({:.1f} GB of weights, KV "
                                            "cache and activations; {:.1f} GB usable per wafer)",
                                            o.wafers, cap.wafers_needed, cap.Needed() / 1e9,
                                            cap.usable_per_wafer / 1e9));
  }
  // Blocks are whole rows and columns of tiles: a nearly full wafer may not place what its bytes
  // allow, so the pipeline grows until every block fits (unless --wafers fixes it).
  const int most = static_cast<int>(items.size());
  if (o.wafers > most) {
    std::string stages;
    for (const auto& it : items) {
      if (it.kind == Item::Kind::kEmbedding) stages += "the embedding, ";
    }
    stages += fmt::format("{} layer{}", w.LayerCount(), w.LayerCount() == 1 ? "" : "s");
    for (const auto& it : items) {
      if (it.kind == Item::Kind::kHead) stages += ", the output head";
    }
    throw std::invalid_argument(fmt::format(
        "--wafers {}: at most {}, one wafer per stage of the layer pipeline ({}); a stage is not split over wafers",
        o.wafers, most, stages));
  }
  int n = std::min(o.wafers > 0 ? o.wafers : cap.wafers_needed, most);
  out.resident = Resident(m, w, Balance(items, n), cap, overrides, energy);
  while (o.wafers == 0 && !out.resident.fits && !cap.layer_too_big && n < most) {
    out.resident = Resident(m, w, Balance(items, ++n), cap, overrides, energy);
    cap.wafers_needed = n;
  }
  out.fits_one = n == 1 && out.resident.fits;
  out.streamed = Streamed(m, w, items, cap, overrides, energy);
  out.chosen = o.weights == "stream" ? "stream" : "resident";
  return out;
}

}  // namespace wafersim::compare
