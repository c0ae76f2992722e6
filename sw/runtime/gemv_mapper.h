// y = W x on a P x Q region of tiles (docs/mapping.md), as a Plan:
// W's columns split over the P region columns and its rows over the Q region rows, so tile
// (c, r) holds block (rows of r, columns of c); x's piece for column c enters at the north
// edge and is multicast down the column on color 0; every tile takes one dot product per row
// of its block, and the partial sums flow east along each row, each tile adding its own
// (colors 1 and 2 alternate), to leave the mesh at the east edge as y's rows.
#pragma once

#include <cstdint>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// Throws std::invalid_argument naming the flag when the shape is wrong, and when a tile's
/// share does not fit its SRAM (bytes needed versus available, per tensor).
plan::Plan BuildGemvPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The SRAM bytes a tile with a rows x cols block of W (`element_bytes` each) needs.
uint64_t GemvTileSramBytes(int64_t rows, int64_t cols, uint32_t element_bytes);

/// The plan, lowered.
KernelMapping MapGemv(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
