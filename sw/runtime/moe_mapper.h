// A mixture-of-experts layer on a P x Q region at the mesh's north-west corner
// (docs/mapping.md): tile (0,0) is the gate (logits, top-k, the softmax of the chosen logits);
// every other tile belongs to one expert and holds a slice of its SwiGLU FFN's hidden units.
// The gate dispatches the tokens either statically, broadcasting each token with its
// per-expert weights on a static color (multicast to every tile), or dynamically, sending each
// token as a routed packet to the first tile of each expert chosen for it, which relays it along
// its expert's tiles (`request.dispatch`: static or dynamic). Each tile computes its hidden
// units for the tokens its expert was chosen for, with the weight folded in, and the partial
// outputs are summed along a snake through the region (the weighted combine), leaving the mesh
// at an edge as y. With `request.dtype` fp16 the weights and the tokens on the tiles are binary16
// (the gate rounds the tokens as it stores them), the arithmetic and the partial outputs binary32.
// As a Plan: the gate runs firmware/kernels/moe_gate.s, every other tile moe_expert.s. A
// dynamic-dispatch plan stays where it is built: its packet heads carry mesh coordinates.
#pragma once

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// Throws std::invalid_argument naming the flag when the request is wrong, and when a tile's
/// share does not fit its SRAM (bytes needed versus available, per tensor); with
/// `request.fit` it takes a larger region instead, up to the mesh.
plan::Plan BuildMoePlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapMoe(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
