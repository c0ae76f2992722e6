// The argmax column of a model's head (docs/mapping.md, "The model's head"): Q tiles in a
// column, tile r taking row r's logits from the west (the output head's GEMV row beside it),
// each finding its row's largest and first index, and passing the better pair down the column
// on two alternating colors; the last tile sends [largest logit, its index] south. Ties go to
// the lower index, as in the reference. The caller gives the reference and its tolerance.
#pragma once

#include <cstddef>
#include <vector>

#include "fabric_config.h"
#include "plan/plan.h"

namespace wafersim::runtime {

/// One tile a row, `counts[r]` logits each, the rows in vocabulary order. Input port "x"
/// (the logits, a stream a row from the west), output port "top" (2 elements from the last
/// tile, south). Throws std::invalid_argument when a row does not fit a tile's SRAM.
plan::Plan BuildArgmaxPlan(const std::vector<size_t>& counts, const fabric::FabricConfig& fabric);

}  // namespace wafersim::runtime
