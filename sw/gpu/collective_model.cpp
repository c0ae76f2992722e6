#include "gpu/collective_model.h"

#include <algorithm>

#include "gpu/memory_model.h"

namespace wafersim::gpu {

namespace {
double LinkBytesPerClk(const GpuSpec& s) { return s.link_bytes_per_s * s.link_efficiency / s.clock_hz; }
}  // namespace

CollectivePlan RingAllReduce(const GpuSpec& s, double bytes, int gpus) {
  CollectivePlan c;
  const double n = gpus;
  const double chunk = bytes / n;
  c.steps = 2 * (gpus - 1);
  const double link = chunk / LinkBytesPerClk(s);
  // Reduce-scatter steps read two chunks and write one; all-gather steps write the received one.
  const double hbm_rs = 3 * chunk / s.HbmBytesPerClk();
  const double hbm_ag = 1 * chunk / s.HbmBytesPerClk();
  const double latency = s.Cycles(s.link_latency_s);
  c.cycles = (gpus - 1) * (latency + std::max(link, hbm_rs)) + (gpus - 1) * (latency + std::max(link, hbm_ag));
  c.link_bytes = 2 * (n - 1) / n * bytes;
  c.hbm_bytes = n * (gpus - 1) * 4 * chunk;
  c.bus_bytes_per_s = c.cycles > 0 ? c.link_bytes / s.Seconds(c.cycles) : 0;
  return c;
}

CollectivePlan AllToAll(const GpuSpec& s, const std::vector<double>& out, const std::vector<double>& in) {
  CollectivePlan c;
  const int n = static_cast<int>(out.size());
  c.steps = 1;
  double busiest = 0;
  for (int g = 0; g < n; ++g) {
    busiest = std::max({busiest, out[g], in[g]});
    c.hbm_bytes += out[g] + in[g];
  }
  const double hops = s.topology == Topology::kTorus ? std::max(1.0, n / 4.0) : 1.0;
  const double link = busiest * hops / LinkBytesPerClk(s);
  const double hbm = busiest / s.HbmBytesPerClk();
  c.cycles = s.Cycles(s.link_latency_s) * (n > 1 ? 1 : 0) + std::max(link, hbm);
  c.link_bytes = busiest;
  c.bus_bytes_per_s = c.cycles > 0 ? busiest / s.Seconds(c.cycles) : 0;
  return c;
}

}  // namespace wafersim::gpu
