// A whole model (or the layers a workload runs) on an HBM GPU node, kernel by kernel through the
// GPU model (sw/gpu/), with Megatron-style tensor parallelism over the node's GPUs:
//  - column-parallel products (the fused QKV, MLA's q_b/kv_b, gate and up, shared experts' gate
//    and up, the output head): each GPU computes n / gpus columns;
//  - row-parallel products (attn.o_proj, ffn.down, moe.shared_down): k / gpus, then a ring
//    all-reduce of the tokens' hidden vectors (collective model) after attention and after the FFN;
//  - per-head products (MLA's absorbed q and v_up): heads / gpus each;
//  - attention: heads split over the GPUs (kv heads fewer than GPUs are replicated);
//  - routed experts: expert parallelism, the whole MoE block as the model's moe kernel (permute,
//    dispatch all-to-all, grouped expert GEMMs, combine all-to-all, unpermute; uniform routing,
//    seed 1); MLA's small down-projections and the MoE router are replicated;
//  - norms, residual adds and top-k run on every GPU; rope, activations and the KV append on
//    each GPU's share.
// Kernels run one after another; each pays its launch.
#pragma once

#include "compare/energy_table.h"
#include "compare/machine_result.h"
#include "gpu/gpu_spec.h"
#include "workload/workload.h"

namespace wafersim::compare {

/// `gpus` GPUs of `spec`'s node (1..gpus_per_node; throws naming --gpus otherwise).
MachineResult ModelOnGpuNode(const gpu::GpuSpec& spec, int gpus, const workload::Workload& w,
                             const EnergyTable& energy);

}  // namespace wafersim::compare
