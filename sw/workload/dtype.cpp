#include "workload/dtype.h"

#include <algorithm>
#include <optional>

#include "workload/key_error.h"

namespace wafersim::workload {

DType ParseDType(const std::string& text) {
  const std::optional<DType> t = FindDType(text);
  if (!t || std::find(kStorageDTypes.begin(), kStorageDTypes.end(), *t) == kStorageDTypes.end()) {
    throw KeyError("run.dtype", text, DTypeRule(kStorageDTypes));
  }
  return *t;
}

}  // namespace wafersim::workload
