// Model presets by name. A preset is one file in models/ (a function returning its ModelShape,
// every figure with its source) and one line in the table of model_registry.cpp.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "workload/model_shape.h"

namespace wafersim::workload {

class ModelRegistry {
 public:
  static const ModelRegistry& Get();
  /// The preset's shape, named `name`. Throws KeyError for model.preset listing the presets
  /// when `name` is not one.
  ModelShape Create(const std::string& name) const;
  bool Has(const std::string& name) const { return entries_.count(name) != 0; }
  std::vector<std::string> Names() const { return order_; }  ///< in registration order

 private:
  ModelRegistry();
  std::vector<std::string> order_;
  std::map<std::string, std::function<ModelShape()>> entries_;
};

}  // namespace wafersim::workload
