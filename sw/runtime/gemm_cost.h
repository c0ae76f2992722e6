// What the GEMM plan costs: the formula its builder states (Plan::cost). It follows the plan's
// phases (docs/mapping.md, GEMM) with constants fitted by least squares to 25 simulated runs on
// fast tiles, 2x2 to 128x128 tiles, binary32 and binary16, one panel to several
// (scripts/plan_cost_sweep scripts/plan_cost_cases/gemm.cases; the error is in
// docs/validation.md and tested by testbench/mapping/plan_cost_test.cpp):
//
//   cycles = 1.24 sum_j (m_r + n_c)(w_j + 6)   the panels in, w_j words a row of panel j
//          + sum_j m_r n_c row(kb_j)           the dot products (a GEMV row each, gemv_cost.h)
//          + 3.04 m_r n_c (panels - 1)         adding each later panel's products into C
//          + 1.22 m_r N + 2.8 m_r + 0.5 m_r P  C's rows out east, N elements each, through P tiles
//          + 6 (P + Q) - 12.5
//
// for the largest block, m_r rows x n_c columns of C per tile, on P x Q tiles.
#pragma once

#include <cstdint>

#include "runtime/gemv_cost.h"

namespace wafersim::runtime {

/// `k` split into panels `kb` wide (the last one the rest); `lanes` 1 for binary32, the SIMD
/// width for binary16 (two elements a word on the fabric).
inline double GemmCycles(int64_t m_r, int64_t n_c, int64_t n, int64_t k, int64_t kb, int64_t p, int64_t q, int lanes) {
  const double mr = static_cast<double>(m_r), nc = static_cast<double>(n_c);
  const int64_t panels = (k + kb - 1) / kb;
  double cycles = 0;
  for (int64_t j = 0; j < panels; ++j) {
    const int64_t width = j + 1 < panels ? kb : k - (panels - 1) * kb;
    const int64_t words = lanes <= 1 ? width : (width + 1) / 2;
    cycles += 1.24 * (mr + nc) * static_cast<double>(words + 6) + mr * nc * GemvRowCycles(width, lanes);
  }
  return cycles + 3.04 * mr * nc * static_cast<double>(panels - 1) + 1.22 * mr * static_cast<double>(n) + 2.8 * mr +
         0.5 * mr * static_cast<double>(p) + 6.0 * static_cast<double>(p + q) - 12.5;
}

}  // namespace wafersim::runtime
