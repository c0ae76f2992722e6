// `wafersim run --model NAME --layers N ...`: a whole transformer block (runtime/block_run.h)
// on the fabric, with an estimate before it starts, a line per kernel as it finishes, and the
// block's cycles, time and time per token at the end.
#pragma once

#include <string>

#include "cli/run_command.h"
#include "runtime/kernel_request.h"
#include "workload/workload.h"

namespace wafersim::cli {

/// Runs the job's model block and prints its report; returns the exit code (1: a kernel failed
/// or is wrong, with a one-line reason on stderr).
int RunModelJob(const RunJob& job);

/// `--model NAME --kernel layer`: the job as the resident `layer` kernel with the model's
/// shapes (d_model, d_ff, heads, kv heads, head dim, RoPE base), on wse3 fast tiles unless a
/// fabric is named. Throws naming the flag for a model the layer kernel cannot run (MoE, MLA,
/// learned positions, biases) or a shape flag given beside --model.
RunJob ResidentLayerJob(const RunJob& job);

/// The resident `layer` kernel's request for a workload's dense RoPE model: its shapes, its
/// context, `layers` layers, binary16 weights for a 16-bit workload (bf16 simulated as
/// binary16: the same bytes), binary32 for fp32. Throws naming `flag` for what it cannot run.
runtime::KernelRequest ResidentLayerRequest(const workload::Workload& w, int layers, const std::string& flag);

}  // namespace wafersim::cli
