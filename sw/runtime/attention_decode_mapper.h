// Attention decode (docs/mapping.md): one new query per sequence against a KV cache sharded
// over the tiles. The region's rows are split into bands, one per (sequence, kv head) group
// (or, with more groups than rows, one row per band holding several groups); a group's cache
// tokens are split over its band's tiles. Each tile takes the group's queries from the west
// edge, scores its tokens, and the band all-reduces the maximum (a pipelined chain east along
// each row, south down the last column, broadcast back); each tile then takes exp (exp_f32 in
// firmware), its sum and P V, the band sums those along the same chain, and the band's last
// tile (the root, which also appends the new token's K and V to its cache) divides and sends
// the heads' outputs out of the east edge. With --dtype fp16 the queries and the cache are
// binary16 in SRAM and on the fabric (half the bytes per cached token), the arithmetic binary32.
#pragma once

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// Throws std::invalid_argument naming the flag when the shape is wrong, and when a tile's
/// share does not fit its SRAM (bytes needed versus available, per tensor). Tiles run
/// firmware/kernels/attention_decode_tile.s; the plan's inputs are the ports q and kv_new (the
/// new token's K and V rows, group by group), its output o.
plan::Plan BuildAttentionDecodePlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapAttentionDecode(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
