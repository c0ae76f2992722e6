// A whole dense decoder layer resident on the fabric, one decode token through it, every
// activation moving over the fabric (docs/mapping.md, layer):
//
//   h = x + W_o attention(rope(W_qkv rmsnorm(x)))      the attention sub-block
//   y = h + W_down (silu(W_gate n) * W_up n), n = rmsnorm(h)   the FFN sub-block
//
// Twelve plans chained on one mesh: the attention sub-block's six (attention_block_mapper.h)
// across the top, then the FFN's below its residual, P columns wide throughout. The skip
// connections ride the fabric too: x crosses the output projection's region on a color of its
// own to the first residual (it enters the mesh beside the norm's copy), and h, sent twice by
// that residual, crosses the second norm and the gate/up GEMV the same way, then a lane shift
// (plan/lane_shift.h) carries it beside the down projection's output to the second residual.
// The mesh is 3P + 2 + A x B + R + P + 4 tiles; P, B, A and R are chosen together to keep the
// estimated cycles least. Binary32; one sequence. Checked against the layer in double precision.
#pragma once

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// --d-model, --d-ff, --heads, --kv-heads, --head-dim, --context, --rope-base. Throws
/// std::invalid_argument naming the flag when the shape is wrong or nothing fits the mesh.
plan::Plan BuildDecoderLayerPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The most layers of the request's shapes (up to `most`) that this layout chains on the mesh
/// (`most` with the head when the request has a vocabulary).
int ResidentLayersThatFit(const KernelRequest& request, const fabric::FabricConfig& fabric, int most);

/// The model's head's cycles (final norm, output head, argmax) by its plans' costs, laid out
/// as with the whole model (`layout_layers` layers and `vocab`); 0 without a vocabulary.
double ResidentHeadCycles(const KernelRequest& request, const fabric::FabricConfig& fabric);

/// The plan, lowered.
KernelMapping MapDecoderLayer(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
