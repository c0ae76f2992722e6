// Energy per operation and per byte moved, each with its source and the scaling applied
// (docs/energy.md). Energy per token is the counted operations and bytes (op_counts.h) times
// these figures: dynamic energy only; idle and static power are not counted.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/op_counts.h"
#include "workload/dtype.h"

namespace wafersim::compare {

struct EnergyEntry {
  std::string key;     ///< "flop_fp16", "hbm_byte", ...
  double pj = 0;       ///< picojoules per unit
  std::string unit;    ///< "FLOP", "byte", "byte-hop"
  std::string source;  ///< where the figure comes from, and the scaling applied
};

class EnergyTable {
 public:
  /// The documented table (docs/energy.md).
  static EnergyTable Default();
  const std::vector<EnergyEntry>& Entries() const { return entries_; }
  /// pJ for `key`; throws std::invalid_argument naming the key when it is not in the table.
  double Pj(const std::string& key) const;
  /// pJ per matrix FLOP in `dtype` (bf16 costs as fp16, tf32 as fp32).
  double FlopPj(workload::DType dtype) const;
  /// Overrides one figure (tests, what-if studies); throws naming the key if unknown.
  void Set(const std::string& key, double pj);

 private:
  std::vector<EnergyEntry> entries_;
};

/// Joules per counted quantity and their sum.
struct EnergyBreakdown {
  std::vector<std::pair<std::string, double>> joules;  ///< by OpCounts field name, in a fixed order
  double total_j = 0;
};

/// counts x table, matrix FLOPs at `dtype`'s figure and vector operations at fp32's.
EnergyBreakdown Energy(const OpCounts& counts, const EnergyTable& table, workload::DType dtype);
nlohmann::json EnergyTableJson(const EnergyTable& table);

}  // namespace wafersim::compare
