// Rotary position embedding on --tokens rows of (--heads + --kv-heads) head vectors of
// --head-dim binary32 elements (the query and key parts of the QKV projection), on a P x Q
// region at the mesh's north-west corner (docs/mapping.md, rope). Interleaved pairs: in each
// head vector at position p, (x[2i], x[2i+1]) turns by p theta_i, theta_i = base^(-2i/head_dim).
// The rows' pairs, flattened, split into one contiguous piece per tile (runtime/vector_split.h);
// the host computes cos and sin per pair in double precision and loads them, rounded to
// binary32, beside x; six tensor passes with stride-2 descriptors (firmware/kernels/rope_tile.s)
// leave y in place of x. Built as a Plan.
#pragma once

#include <cstdint>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// The position of token `token` of `tokens` in `sequences` sequences of consecutive tokens,
/// the first of each at `first_position` (decode: the context; prefill: 0).
int64_t RopePosition(int64_t token, int64_t tokens, int64_t sequences, int64_t first_position);

/// The angle pair i of a head vector turns by at `position`: position * base^(-2i / head_dim).
double RopeAngle(int64_t position, int64_t i, int64_t head_dim, double base);

/// Throws std::invalid_argument naming the flag when the shape is wrong (an odd --head-dim,
/// a --batch that does not divide --tokens, a --rope-base not above 1, ...), and when a tile's
/// share does not fit its SRAM (with `request.fit` it takes a larger region, up to the mesh).
plan::Plan BuildRopePlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapRope(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
