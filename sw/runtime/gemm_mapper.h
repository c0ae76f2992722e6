// C = A B (A m x k, B k x n) on a P x Q region of tiles at the mesh's north-west corner, the
// SUMMA way (docs/mapping.md): C is stationary, tile (c, r) owning the block (rows of region
// row r, columns of region column c); k is cut into panels, and for each panel the host
// sends A's rows in at the west edge, multicast along each region row (color 0), and B's
// columns in at the north edge, multicast down each region column (color 1). Every tile
// takes one dot product per element of its block per panel and adds it to C. At the end the
// rows of C flow east, each tile forwarding the row so far and appending its own piece
// (colors 2 and 3 alternate), to leave the mesh at the east edge in row-major order. Built as a
// Plan; the tiles run firmware/kernels/gemm_tile.s.
#pragma once

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// Throws std::invalid_argument naming the flag when the shape is wrong, and when a tile's
/// share does not fit its SRAM (bytes needed versus available, per tensor); with
/// `request.fit` it takes a larger region instead, up to the mesh.
plan::Plan BuildGemmPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapGemm(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
