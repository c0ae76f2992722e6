// The two phases of inference: prefill reads a prompt (many tokens per sequence: GEMM-shaped,
// compute-bound); decode makes one token per sequence against the KV cache (GEMV-shaped at
// batch 1, memory-bound).
#pragma once

#include <string>

namespace wafersim::workload {

enum class Phase { kPrefill, kDecode };

/// "prefill" or "decode"; anything else throws KeyError for run.phase.
Phase ParsePhase(const std::string& text);
std::string PhaseName(Phase p);

}  // namespace wafersim::workload
