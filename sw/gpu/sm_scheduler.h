// Work units (CTAs, tiles) onto SMs: each SM takes the next unit when it frees up, as the
// hardware block scheduler (or a persistent kernel's tile scheduler) does.
#pragma once

#include <cstdint>
#include <vector>

namespace wafersim::gpu {

struct Schedule {
  double makespan_cycles = 0;  ///< when the last SM finishes
  double busy_cycles = 0;      ///< sum of all units' cycles
  int64_t units = 0;
  double waves = 0;            ///< units / SMs (fractional)
  int64_t full_waves = 0;      ///< ceil(units / SMs) for uniform units
  /// busy / (makespan x SMs): the share of SM time doing work; wave quantization shows here.
  double Utilization(int sms) const;
};

/// `count` units of `cycles` each on `sms` SMs: ceil(count / sms) waves.
Schedule UniformSchedule(int64_t count, double cycles, int sms);
/// Units of differing length, taken in the given order by the SM that frees up first (ties to
/// the lowest SM index, so the result is deterministic).
Schedule ListSchedule(const std::vector<double>& cycles, int sms);

}  // namespace wafersim::gpu
