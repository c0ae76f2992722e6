// A model's head resident on the fabric after its last layer (docs/mapping.md, "The model's
// head"): the final RMSNorm (P tiles in a row), the output head's GEMV (vocab x d_model on P
// columns x Q rows, x from the north, each row's logits leaving east) and the argmax column
// beside it (argmax_plan.h), whose last tile sends [largest logit, its index] south: the
// token the model chose leaves the wafer, the logits never do.
#pragma once

#include <vector>

#include "fabric_config.h"
#include "plan/plan.h"
#include "runtime/kernel_request.h"

namespace wafersim::runtime {

/// The fewest GEMV rows whose blocks (vocab / Q rows of d_model / P) fit a tile; 0 when more
/// than `most` would be needed.
int HeadRows(int64_t vocab, int64_t d_model, int columns, DType dtype, const fabric::FabricConfig& fabric, int most);
/// The head's cycles by its plans' costs (the argmax's is not fitted).
double HeadCycles(int64_t vocab, int64_t d_model, int columns, int rows, DType dtype, const fabric::FabricConfig& fabric);

/// The three plans, unplaced: "norm" (1 x P), "lm_head" (P x Q), "argmax" (1 x Q, to be placed
/// east of the GEMV). `y` is the last layer's output (what the norm takes when it runs alone).
struct HeadStages {
  plan::Plan norm, lm_head, argmax;
};
HeadStages BuildHeadStages(const KernelRequest& request, const fabric::FabricConfig& fabric, int columns, int rows,
                           const std::vector<float>& y);

/// The logits in double precision from the last layer's output y, with the bound of the
/// fabric's for a y it holds to within ey.
void HeadLogits(const HeadStages& stages, const std::vector<double>& y, const std::vector<double>& ey, int columns,
                std::vector<double>& logits, std::vector<double>& bound);
/// The chosen token in double precision, [largest logit, its index], with the tolerance of the
/// fabric's answer for a last-layer output it holds to within ey. When logits other than the
/// largest could, within their bounds, be the fabric's largest, the index's tolerance spans
/// them (after many layers the chained bound admits most tokens: the check that matters is
/// the one from the logits the fabric held, decoder_layer_mapper.cpp).
void HeadReference(const HeadStages& stages, const std::vector<double>& y, const std::vector<double>& ey, int columns,
                   std::vector<double>& top, std::vector<double>& tolerance);

}  // namespace wafersim::runtime
