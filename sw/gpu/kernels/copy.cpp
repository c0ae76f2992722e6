// copy: a device-to-device copy of --bytes (cudaMemcpy D2D or a copy kernel): it reads and writes
// every byte, so HBM traffic is 2 x bytes, the convention of the ~3.0 TB/s H100 figure.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"
#include "gpu/memory_model.h"

namespace wafersim::gpu {

namespace {

/// Bytes one CTA of a copy kernel moves (a grid-stride loop over 16-byte vectors).
constexpr double kBytesPerCta = 64 * 1024;

KernelResult RunCopy(const GpuSpec& s, const KernelParams& p) {
  RequireSize("copy", "--bytes", p.bytes);
  KernelResult r;
  r.gpus = 1;
  if (GpusFor(s, p) > 1) r.details.emplace_back("node", "each GPU runs its own copy of this kernel; figures are per GPU");
  const double bytes = static_cast<double>(p.bytes);
  const double active = std::min<double>(s.sms, std::ceil(bytes / kBytesPerCta));
  r.hbm_bytes = 2 * bytes;
  r.l2_bytes = 2 * bytes;
  const double stream = StreamCycles(s, r.hbm_bytes, active);
  r.cycles = LaunchCycles(s) + stream;
  r.bound = "memory";
  r.limiter = active < s.sms ? "HBM latency (too few CTAs to fill the GPU)" : "HBM bandwidth";
  r.details.emplace_back("copy", fmt::format("{} read and {} written by {:.0f} SMs", Bytes(bytes), Bytes(bytes),
                                             active));
  r.details.emplace_back("HBM", fmt::format("{:.0f} bytes per cycle sustained of {:.0f} peak; latency {:.0f} cycles",
                                            StreamBytesPerClk(s, r.hbm_bytes, active),
                                            s.hbm_peak_bytes_per_s / s.clock_hz, LatencyCycles(s)));
  r.extra = {{"active_sms", active}, {"stream_cycles", stream}};
  return r;
}

}  // namespace

void RegisterCopy(KernelRegistry& reg) {
  reg.Add({"copy", "device-to-device copy (HBM bytes = read + written)", "--bytes [--gpus N]", RunCopy,
           [](const GpuSpec&, const KernelParams& p) { return 2.0 * static_cast<double>(p.bytes); }});
}

}  // namespace wafersim::gpu
