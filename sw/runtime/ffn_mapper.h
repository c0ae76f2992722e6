// A dense SwiGLU FFN sub-block resident on the fabric, one token through it, every activation
// moving over the fabric (docs/mapping.md, ffn):
//
//   y = h + W_down (silu(W_gate n) * (W_up n)),  n = rmsnorm(h) * g
//
// Five plans in five regions of one mesh, each output streamed into the next kernel's input
// with no host move: RMSNorm (P tiles in a row, h from the north edge) -> the gate and up
// projections as one GEMV (P columns x R rows; each tile row holds a slice of W_gate's rows
// and the same slice of W_up's, so its row of sums leaves east as that slice of g, then of u)
// -> SiLU-multiply (a column of R tiles, each taking its row's g and u) -> the down
// projection, a transposed GEMV (R rows x P columns, y leaving south) -> residual (P tiles in
// a row, h again from the south edge). The weights are resident in the GEMVs' SRAM. The
// whole mesh is 2P + 1 x R + 2 tiles; P and R are chosen to keep every tile's SRAM within the
// fabric's and the estimated cycles least, unless --region PxR asks. Checked against the whole
// sub-block in double precision. Binary32 only (the stages take binary32 streams).
#pragma once

#include <vector>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_mapping.h"
#include "runtime/kernel_request.h"
#include "runtime/residual_mapper.h"

namespace wafersim::runtime {

/// The FFN's layout on the mesh: P columns split d_model, R rows split d_ff (R divides d_ff).
struct FfnLayout {
  int columns = 0, rows = 0;
  double estimated_cycles = 0;
};

/// --d-model, --d-ff; --region PxR. Throws std::invalid_argument naming the flag when the
/// shape is wrong or no layout fits the mesh.
FfnLayout ChooseFfnLayout(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The same with P fixed (> 0) and the room it has, width x height tiles (0: the mesh's).
FfnLayout ChooseFfnLayout(const KernelRequest& request, const fabric::FabricConfig& fabric, int columns, int width,
                          int height);

/// The FFN's five plans, unplaced, the down projection already transposed.
struct FfnStages {
  plan::Plan norm, gate_up, silu_mul, down, residual;
};
/// The stages on P columns and R rows for input h (the values the norm and the residual take
/// when they run alone; in a chain they come over the fabric).
FfnStages BuildFfnStages(const KernelRequest& request, const fabric::FabricConfig& fabric, int columns, int rows,
                         const std::vector<float>& h, const ResidualStreams& residual);
/// z = rmsnorm(h) * g in double precision on P columns, and the bound ez of the fabric's z
/// for an input it holds to within eh.
void NormReference(const std::vector<double>& h, const std::vector<double>& eh, const std::vector<float>& g,
                   int columns, std::vector<double>& z, std::vector<double>& ez);
/// y = h + FFN(h) in double precision from the stages' weights, and the error bound ey of the
/// fabric's answer (binary32 roundings, carried through to first order), for an input h the
/// fabric holds to within eh.
void FfnReference(const FfnStages& stages, const std::vector<double>& h, const std::vector<double>& eh, int columns,
                  int rows, std::vector<double>& y, std::vector<double>& ey);

plan::Plan BuildFfnPlan(const KernelRequest& request, const fabric::FabricConfig& fabric);
/// The plan, lowered.
KernelMapping MapFfn(const KernelRequest& request, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
