#include "gpu/memory_model.h"

#include <algorithm>
#include <cmath>

namespace wafersim::gpu {

double LatencyCycles(const GpuSpec& s) { return s.hbm_latency_s * s.clock_hz; }

double StreamBytesPerClk(const GpuSpec& s, double bytes, double active_sms) {
  const double sustained = s.HbmBytesPerClk();
  const double littles_law = std::max(1.0, active_sms) * s.inflight_bytes_per_sm / LatencyCycles(s);
  const double channels_touched = std::min<double>(s.hbm_channels, std::ceil(bytes / s.hbm_interleave_bytes));
  const double by_channels = sustained * std::max(1.0, channels_touched) / s.hbm_channels;
  return std::min({sustained, littles_law, by_channels});
}

double StreamCycles(const GpuSpec& s, double bytes, double active_sms) {
  if (bytes <= 0) return 0;
  return LatencyCycles(s) + bytes / StreamBytesPerClk(s, bytes, active_sms);
}

double L2BytesPerClkPerSm(const GpuSpec& s, double active_sms) {
  return std::min(s.sm_port_bytes_per_clk, s.l2_bytes_per_clk / std::max(1.0, active_sms));
}

double UsableL2Bytes(const GpuSpec& s) { return 0.5 * s.l2_bytes; }

}  // namespace wafersim::gpu
