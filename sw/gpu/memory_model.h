// The memory system as the kernel models see it: HBM streaming with latency, channels and the
// bytes SMs keep in flight; the L2 share each SM gets; what stays resident in L2.
#pragma once

#include "gpu/gpu_spec.h"

namespace wafersim::gpu {

/// HBM bytes per SM clock that `active_sms` SMs sustain while streaming `bytes`: the least of
///  - the calibrated sustained bandwidth (peak x hbm_efficiency),
///  - Little's law: active_sms x inflight_bytes_per_sm / latency,
///  - the channels the transfer touches: ceil(bytes / interleave) of hbm_channels.
double StreamBytesPerClk(const GpuSpec& s, double bytes, double active_sms);
/// Cycles to stream `bytes` through HBM: latency + bytes / StreamBytesPerClk.
double StreamCycles(const GpuSpec& s, double bytes, double active_sms);
/// HBM load-to-use latency in SM cycles.
double LatencyCycles(const GpuSpec& s);
/// L2 -> SM bytes per clock each of `active_sms` SMs gets: its port, or its share of the L2.
double L2BytesPerClkPerSm(const GpuSpec& s, double active_sms);
/// Bytes a kernel can count on staying in L2 between reuses (half the capacity: the rest holds
/// lines in flight, outputs and other tensors).
double UsableL2Bytes(const GpuSpec& s);

}  // namespace wafersim::gpu
