// A whole model placed on one wafer, every weight resident: each kernel of each layer in a
// region of its own, sized by what it must hold (weights, the KV cache) and then by its cost,
// and laid in order along a snake of horizontal strips, so consecutive kernels are neighbours
// and a token's activations take short hops from region to region (docs/placement.md). The
// placement is what a resident run of the model simulates; on its own it answers whether the
// model fits, where its SRAM goes and what each region costs per token by its plan.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compare/wafer_machine.h"
#include "workload/workload.h"

namespace wafersim::placement {

struct Region {
  int layer = -1;          ///< -1: after the layers (the final norm, the output head)
  std::string kernel;      ///< "attn.qkv_proj", "lm_head", ...
  std::string kind;        ///< "gemv", "attention", "rmsnorm", ...
  int x = 0, y = 0, width = 0, height = 0;
  int64_t tiles_needed = 0;  ///< the fewest tiles that hold its bytes (or do its work)
  double weight_bytes = 0;   ///< resident weights
  double kv_bytes = 0;       ///< resident KV cache (attention)
  double cycles_per_step = 0;  ///< its plan's cost for the step's tokens (decode: one per sequence) on this region
  std::string cost_source;      ///< which plan's cost, or "no plan yet"
  int64_t Tiles() const { return int64_t{width} * height; }
  double BytesPerTile() const { return (weight_bytes + kv_bytes) / static_cast<double>(Tiles()); }
};

struct Placement {
  std::string model;
  int wafer_width = 0, wafer_height = 0;
  double usable_bytes_per_tile = 0;
  bool fits = false;
  std::string overflow;  ///< why it does not fit: the layer and kernel where the wafer runs out, by how many bytes
  int strip_height = 0;
  std::vector<Region> regions;  ///< in the order a token visits them
  int64_t TilesUsed() const;
  /// The step through every region in turn (the regions' plan costs added).
  double CyclesPerStep() const;
};

/// Places the workload's layers, final norm and output head on `machine`'s wafer.
Placement PlaceModel(const workload::Workload& w, const compare::WaferMachine& machine);

/// The placement as JSON (regions with position, size, bytes and cost).
std::string PlacementJson(const Placement& p);

}  // namespace wafersim::placement
