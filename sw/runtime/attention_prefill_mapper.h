// Attention prefill (docs/mapping.md): causal attention over the prompt, the sequence sharded
// over the tiles. The region's rows are split into bands per (sequence, kv head) group, as in
// decode; a group's prompt tokens are dealt to its band's tiles in a snake (0, 1, .., n-1,
// n-1, .., 0, ...) so that every tile has about the same causal work, and each tile keeps
// its tokens' queries, running maximum, running sum and output rows. The group's K and V
// stream in from the west edge of every band row in chunks, multicast along the row; each
// tile scores its rows against the keys each may see (key position <= query position) and
// folds them in with an online softmax (exp_f32 in firmware), then divides by the running
// sum. The outputs stay in the tiles' SRAM, where the next layer would use them. With
// --dtype fp16 q, K and V are binary16 in SRAM and on the fabric (4-lane scores), the scores,
// the online softmax, O and the outputs binary32.
#pragma once

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// Throws std::invalid_argument naming the flag when the shape is wrong, and when a tile's
/// share does not fit its SRAM (bytes needed versus available, per tensor). Tiles run
/// firmware/kernels/attention_prefill_tile.s with their records (q in) as raw SRAM data; the
/// plan's input is the port kv (each group's K and V chunk by chunk, a chunk's K rows then its
/// V rows), its output o (left in the records' O rows).
plan::Plan BuildAttentionPrefillPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapAttentionPrefill(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
