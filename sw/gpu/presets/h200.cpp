// NVIDIA H200 SXM 141 GB: the H100's GH100 compute with faster, larger memory.
//
// Sources:
//  [DS]  NVIDIA H200 datasheet: 141 GB HBM3e at 4.8 TB/s (6 stacks), 989 TFLOP/s dense BF16,
//        1979 FP8, NVLink 900 GB/s per GPU.
//  Everything else as h100_sxm.cpp (same SMs, clocks, caches and calibrated compute efficiency).
//  [PRODUCT] this project's brief: device-to-device copy on real H200 ~4.3 TB/s. Not used to
//        calibrate: the H100's hbm_efficiency is kept, so the H200 copy is a prediction.
#include "gpu/presets/presets.h"

namespace wafersim::gpu::presets {

GpuSpec H200() {
  GpuSpec s = H100Sxm();
  s.description = "NVIDIA H200 SXM 141 GB: H100 compute, 4.8 TB/s HBM3e";
  s.hbm_capacity_bytes = 141e9;     // [DS]
  s.hbm_channels = 6 * 16;          // 6 HBM3e stacks x 16 channels
  s.hbm_peak_bytes_per_s = 4.8e12;  // [DS]
  return s;
}

}  // namespace wafersim::gpu::presets
