// `wafersim run --model NAME --layers N ...`: a whole transformer block (runtime/block_run.h)
// on the fabric, with an estimate before it starts, a line per kernel as it finishes, and the
// block's cycles, time and time per token at the end.
#pragma once

#include "cli/run_command.h"

namespace wafersim::cli {

/// Runs the job's model block and prints its report; returns the exit code (1: a kernel failed
/// or is wrong, with a one-line reason on stderr).
int RunModelJob(const RunJob& job);

}  // namespace wafersim::cli
