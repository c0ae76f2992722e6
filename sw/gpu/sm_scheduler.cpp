#include "gpu/sm_scheduler.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

namespace wafersim::gpu {

double Schedule::Utilization(int sms) const {
  return makespan_cycles > 0 ? busy_cycles / (makespan_cycles * sms) : 0.0;
}

Schedule UniformSchedule(int64_t count, double cycles, int sms) {
  Schedule s;
  s.units = count;
  s.full_waves = (count + sms - 1) / sms;
  s.waves = static_cast<double>(count) / sms;
  s.makespan_cycles = static_cast<double>(s.full_waves) * cycles;
  s.busy_cycles = static_cast<double>(count) * cycles;
  return s;
}

Schedule ListSchedule(const std::vector<double>& cycles, int sms) {
  Schedule s;
  s.units = static_cast<int64_t>(cycles.size());
  s.waves = static_cast<double>(cycles.size()) / sms;
  s.full_waves = (s.units + sms - 1) / sms;
  using Slot = std::pair<double, int>;  // (free at, SM index)
  std::priority_queue<Slot, std::vector<Slot>, std::greater<Slot>> free_at;
  for (int i = 0; i < sms; ++i) free_at.emplace(0.0, i);
  for (double c : cycles) {
    auto [t, sm] = free_at.top();
    free_at.pop();
    free_at.emplace(t + c, sm);
    s.busy_cycles += c;
    s.makespan_cycles = std::max(s.makespan_cycles, t + c);
  }
  return s;
}

}  // namespace wafersim::gpu
