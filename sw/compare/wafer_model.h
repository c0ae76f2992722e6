// A whole model (or the layers a workload runs) on the wafer.
//
// Capacity: the weights of the layers run (with the embedding table when the run starts at the
// first layer, and the output head when it reaches the last), the KV cache for the batch and the
// context, and the activations in flight must fit the tiles' usable SRAM
// (WaferParams::sram_usable_fraction). When they do not fit one wafer the model shows both ways
// out, and reports the one --weights picks (auto: the pipeline):
//  (a) a layer pipeline over N wafers: layers split contiguously, balanced by bytes; a token's
//      activations cross each boundary over an inter-wafer link (WaferParams::wafer_link_*);
//  (b) weights streamed in through the wafer's edge (WaferMachine::StreamBytesPerS) while the KV
//      cache and activations stay resident: every layer uses the whole wafer, and its weights
//      arrive (double-buffered) while the layer before computes.
//
// Time: each kernel is a stage (wafer_layer.h) on its own tiles; the pass's tokens (decode: one
// per sequence; prefill: the prompt's) flow through the stages in order, so a pass takes
//   sum of fixed + sum of per-token + (tokens - 1) x the slowest stage's per-token cycles.
#pragma once

#include <string>
#include <vector>

#include "compare/cycle_overrides.h"
#include "compare/energy_table.h"
#include "compare/machine_result.h"
#include "compare/wafer_machine.h"
#include "workload/workload.h"

namespace wafersim::compare {

struct WaferOptions {
  int wafers = 0;               ///< 0: as many as the model needs; more spreads it thinner
  std::string weights = "auto";  ///< "pipeline", "stream" or "auto" (pipeline)
};

/// What the wafer keeps, and how it is split over wafers.
struct WaferCapacity {
  double weight_bytes = 0;      ///< layers run, embedding and head as the run needs them
  double kv_bytes = 0;
  double activation_bytes = 0;  ///< per wafer
  double usable_per_wafer = 0;  ///< the tiles' usable SRAM less the activations
  int64_t tiles = 0;            ///< per wafer
  int sram_bytes_per_tile = 0;
  double usable_fraction = 0;   ///< WaferParams::sram_usable_fraction
  int wafers_needed = 1;        ///< the fewest wafers the layer pipeline fits on
  bool layer_too_big = false;   ///< one layer alone exceeds a wafer
  double largest_stage_bytes = 0;  ///< the largest stage of the pipeline (a layer, the embedding or the head)
  std::string largest_stage;       ///< its name: "layer 5", "the embedding", "the output head"
  double Needed() const { return weight_bytes + kv_bytes + activation_bytes; }
};

struct WaferResults {
  WaferCapacity capacity;
  MachineResult resident;  ///< on one wafer, or the layer pipeline over several
  MachineResult streamed;  ///< weights streamed into one wafer
  bool fits_one = true;    ///< the whole workload is resident on one wafer
  std::string chosen;      ///< "resident" or "stream": the one --weights picks
  const MachineResult& Chosen() const { return chosen == "stream" ? streamed : resident; }
};

/// Throws std::invalid_argument naming --wafers or --weights for impossible choices.
WaferResults ModelOnWafer(const WaferMachine& m, const workload::Workload& w, const WaferOptions& o,
                          const CycleOverrides& overrides, const EnergyTable& energy);

}  // namespace wafersim::compare
