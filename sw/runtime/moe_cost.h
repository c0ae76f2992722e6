// What the MoE plan costs: the formula its builder states (Plan::cost). It follows the plan's
// phases (docs/mapping.md, MoE layer) with constants fitted by least squares to 19 simulated
// runs with static dispatch on fast tiles, 3x3 to 128x128 tiles, per phase (the gate with the
// dispatch, then the experts with the combine), and one constant for dynamic dispatch from 14
// more (scripts/plan_cost_sweep scripts/plan_cost_cases/moe.cases; the error is in
// docs/validation.md and tested by testbench/mapping/plan_cost_test.cpp):
//
//   gate and dispatch: 1.01 T E row(D) + 12.5 T K E + 2.5 T D + 102 T K + 193
//     (E logits a token, K passes of the top-k over them, the tokens in and out, an
//     exponential and a reciprocal per chosen expert)
//   experts and combine: w (2.15 row(D) + 0.77 D + 94) + 0.54 T D + 110 T + 8 P Q - 629
//     (w the busiest tile's (token, hidden unit) pairs: two tfdots, the silu, a tfmac each;
//     the partial outputs' walk along the P Q tiles' snake)
//   dynamic dispatch: + 1.1 T K (D + 3), the packets out of the gate one after another.
//
// The routing decides w, so the cost is the plan's own (the builder knows the routing).
#pragma once

#include <cstdint>

#include "runtime/gemv_cost.h"

namespace wafersim::runtime {

struct MoeCostShape {
  int64_t tokens = 1, d_model = 1, experts = 1, top_k = 1;
  int lanes = 1;                ///< 1 binary32, the SIMD width for binary16
  int64_t busiest_pairs = 0;    ///< the largest (tokens routed to its expert) x (its hidden units) of a tile
  int64_t columns = 1, rows = 1;
  bool dynamic = false;
};

inline double MoeCycles(const MoeCostShape& s) {
  const double t = static_cast<double>(s.tokens), d = static_cast<double>(s.d_model);
  const double e = static_cast<double>(s.experts), k = static_cast<double>(s.top_k);
  const double row = GemvRowCycles(s.d_model, s.lanes), w = static_cast<double>(s.busiest_pairs);
  const double gate = 1.01 * t * e * row + 12.5 * t * k * e + 2.5 * t * d + 102 * t * k + 193;
  const double experts = w * (2.15 * row + 0.77 * d + 94) + 0.54 * t * d + 110 * t +
                         8.0 * static_cast<double>(s.columns * s.rows) - 629;
  return gate + experts + (s.dynamic ? 1.1 * t * k * (d + 3) : 0);
}

}  // namespace wafersim::runtime
