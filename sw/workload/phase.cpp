#include "workload/phase.h"

#include "workload/key_error.h"

namespace wafersim::workload {

Phase ParsePhase(const std::string& text) {
  if (text == "prefill") return Phase::kPrefill;
  if (text == "decode") return Phase::kDecode;
  throw KeyError("run.phase", text, "must be prefill or decode");
}

std::string PhaseName(Phase p) { return p == Phase::kPrefill ? "prefill" : "decode"; }

}  // namespace wafersim::workload
