// `wafersim run --model NAME --layers N ...`: a whole transformer block (runtime/block_run.h)
// on the fabric, with an estimate before it starts, a line per kernel as it finishes, and the
// block's cycles, time and time per token at the end.
#pragma once

#include "cli/run_command.h"

namespace wafersim::cli {

/// Runs the job's model block and prints its report; returns the exit code (1: a kernel failed
/// or is wrong, with a one-line reason on stderr).
int RunModelJob(const RunJob& job);

/// `--model NAME --kernel layer`: the job as the resident `layer` kernel with the model's
/// shapes (d_model, d_ff, heads, kv heads, head dim, RoPE base), on wse3 fast tiles unless a
/// fabric is named. Throws naming the flag for a model the layer kernel cannot run (MoE, MLA,
/// learned positions, biases) or a shape flag given beside --model.
RunJob ResidentLayerJob(const RunJob& job);

}  // namespace wafersim::cli
