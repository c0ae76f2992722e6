// A Plan as files (docs/plans.md): plan.toml, beside it an .npy per tensor and per expected
// output, and the PE programs the plan names. `wafersim run --plan FILE` reads one;
// `wafersim run --kernel K --emit-plan DIR` writes one.
#pragma once

#include <string>

#include "plan/plan.h"

namespace wafersim::plan {

/// Reads a plan file and the .npy files it names (relative to its folder). Throws
/// std::invalid_argument with one line, "FILE:LINE: KEY: reason", for a TOML syntax error, an
/// unknown key, a wrong type, a missing key, a value out of range (a tile outside the region,
/// a shard outside its tensor), an unknown tensor or port, or an .npy that is missing, broken
/// or of the wrong size. Tiles come back in row-major order. Programs are not assembled here
/// (plan_lowering.h does that, with LowerOptions::program_dir the file's folder).
Plan ReadPlanFile(const std::string& path);

/// Writes `plan` into the folder `dir` (created if missing): plan.toml, TENSOR.npy for each
/// tensor, PORT.expected.npy and PORT.tolerance.npy for each output, and a copy of every
/// program the plan runs with the files it includes: built-in ones from the binary (under
/// their built-in names, kernels/...), the others from `program_dir`. Tiles that share a
/// program, parameters, role and routes are written as rectangles. ReadPlanFile(dir +
/// "/plan.toml") gives back an equal plan (with its tiles in row-major order). Throws
/// std::invalid_argument naming the file that could not be written.
void WritePlanDir(const Plan& plan, const std::string& dir, const std::string& program_dir = ".");

}  // namespace wafersim::plan
