#include "workload/workload.h"

#include <fmt/format.h>

#include "workload/key_error.h"

namespace wafersim::workload {

void ValidateWorkload(const Workload& w) {
  ValidateModelShape(w.model);
  auto range = [](const char* key, int64_t v, int64_t lo, int64_t hi, const std::string& why = "") {
    if (v < lo || v > hi) {
      throw KeyError(key, std::to_string(v), fmt::format("must be in {}..{}{}", lo, hi, why));
    }
  };
  range("run.batch", w.batch, 1, int64_t{1} << 20);
  const int64_t max_context = w.model.max_context;
  const std::string why = fmt::format(" ({} takes sequences of up to {} tokens)", w.model.name, max_context);
  if (w.phase == Phase::kPrefill) {
    range("run.prompt", w.prompt, 1, max_context, why);
  } else {
    // The new token joins the cache: context + 1 tokens must fit.
    range("run.context", w.context, 1, max_context - 1, why);
  }
  range("run.first_layer", w.first_layer, 0, w.model.layers - 1,
        fmt::format(" ({} has {} layers)", w.model.name, w.model.layers));
  range("run.layers", w.layers, 0, w.model.layers - w.first_layer,
        fmt::format(" ({} has {} layers, from run.first_layer {})", w.model.name, w.model.layers, w.first_layer));
}

}  // namespace wafersim::workload
