// The workload flags `compare` and `place` share: a TOML file of [model] and [run] keys, and a
// flag per key (workload_keys.h) over it.
#pragma once

#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "workload/workload.h"

namespace wafersim::cli {

struct WorkloadFlags {
  std::string file;
  std::map<std::string, std::string> text;
  std::map<std::string, CLI::Option*> given;
};

/// Adds --config and a flag per workload key to `cmd`.
void AddWorkloadOptions(CLI::App& cmd, WorkloadFlags& flags);
/// The file's keys (when --config was given), then the flags given over them.
workload::Workload ResolveWorkloadFlags(const WorkloadFlags& flags);

}  // namespace wafersim::cli
