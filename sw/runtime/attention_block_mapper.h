// A decoder layer's attention sub-block resident on the fabric, one decode token through it,
// every activation moving over the fabric and the KV cache resident on its tiles
// (docs/mapping.md, attention_block):
//
//   h = x + W_o attention(rope(q), rope(k), v | K, V cache),  [q k v] = W_qkv rmsnorm(x)
//
// Six plans in six regions of one mesh, chained: RMSNorm (P tiles in a row, x from the north
// edge) -> the Q, K and V projections as one GEMV (P columns x B rows, B attention bands; row
// b holds the rows of W_q for band b's query heads, then W_k's and W_v's rows of its kv
// groups, so its sums leave east as exactly the slice band b's attention takes) -> band RoPE
// (a column of B tiles: rotates the queries and the new K rows, sends q and [K V] east on two
// colors) -> attention decode (A columns x B rows, one band a row, the context's K and V rows
// resident and spread along it; the new row appended at the band's last tile) -> the output
// projection, a transposed GEMV (B rows x P columns: each band's heads enter its row from
// the west, y leaves south) -> residual (P tiles in a row, x again from the south edge). The
// mesh is 2P + 1 + A x B + 2 tiles. Binary32; one sequence (batch 1). Checked against the
// sub-block in double precision; the older cache rows are checked word by word after the run.
#pragma once

#include <vector>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"
#include "runtime/residual_mapper.h"
#include "plan/plan_chain.h"

namespace wafersim::runtime {

struct AttentionBlockLayout {
  int columns = 0;            ///< P: d_model's split
  int bands = 0;              ///< B: region rows, each a band of kv groups
  int attention_columns = 0;  ///< A: tiles along a band
  double estimated_cycles = 0;
};

/// --d-model, --heads, --kv-heads, --head-dim, --context; --region PxB fixes P and B (A is
/// then the fastest that fits). Throws std::invalid_argument naming the flag when the shape is
/// wrong or nothing fits the mesh.
AttentionBlockLayout ChooseAttentionBlockLayout(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The shape's own errors, naming the flag.
void CheckAttentionBlockShape(const KernelRequest& request);

/// Where a sub-block's layout must fit inside a larger one: its P fixed (0: free) and the room
/// it has (0: the mesh's).
struct LayoutRoom {
  int columns = 0;
  int width = 0, height = 0;
};
AttentionBlockLayout ChooseAttentionBlockLayout(const KernelRequest& request, const fabric::FabricConfig& fabric,
                                                const LayoutRoom& room);

/// The sub-block's six plans, unplaced (o_proj already transposed), and its answer h = x +
/// W_o attention(...) in double precision with the error bound eh of the fabric's, for an
/// input the fabric holds to within ex of x.
struct AttentionStages {
  plan::Plan norm, qkv, rope, attention, o_proj, residual;
  std::vector<double> h, eh;
};
AttentionStages BuildAttentionStages(const KernelRequest& request, const fabric::FabricConfig& fabric,
                                     const AttentionBlockLayout& layout, std::vector<float> x,
                                     const std::vector<double>& ex, const ResidualStreams& residual);
/// The links between the six, in that order: norm, qkv, rope, attention, o_proj, residual.
std::vector<plan::PlanLink> AttentionBlockLinks();

plan::Plan BuildAttentionBlockPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapAttentionBlock(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
