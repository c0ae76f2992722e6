// Collectives between the GPUs of one node.
//
// All-reduce is NCCL's ring: 2(n-1) steps, each moving 1/n of the buffer to the next GPU, so each
// GPU sends 2(n-1)/n of it; a step costs its link latency plus the larger of the link time (at the
// calibrated share of the link bandwidth) and the HBM time of the reduction (read own chunk, read
// the received chunk, write the sum).
//
// All-to-all: every GPU sends to every other; the busiest GPU's bytes in or out set the time. On a
// switch or a full mesh that runs at the GPU's link bandwidth; on a torus (TPU) the bisection
// limits it: messages travel n/4 hops on average over a bidirectional ring.
#pragma once

#include <vector>

#include "gpu/gpu_spec.h"

namespace wafersim::gpu {

struct CollectivePlan {
  int steps = 0;
  double cycles = 0;          ///< without the launch
  double link_bytes = 0;      ///< sent by the busiest GPU
  double hbm_bytes = 0;       ///< summed over the GPUs
  double bus_bytes_per_s = 0; ///< nccl-tests' "busbw": link bytes per GPU over the time
};

/// `bytes` per GPU reduced across `gpus` GPUs.
CollectivePlan RingAllReduce(const GpuSpec& s, double bytes, int gpus);
/// out[g] / in[g]: bytes GPU g sends to / receives from the others.
CollectivePlan AllToAll(const GpuSpec& s, const std::vector<double>& out, const std::vector<double>& in);

}  // namespace wafersim::gpu
