#include "cli/workload_flags.h"

#include <fmt/format.h>

#include "cli/command_files.h"
#include "workload/workload_keys.h"

namespace wafersim::cli {

namespace wl = wafersim::workload;

void AddWorkloadOptions(CLI::App& cmd, WorkloadFlags& flags) {
  cmd.add_option("--config", flags.file, "workload TOML file of [model] and [run] keys (flags override it)")
      ->check(FileName());
  for (const auto& k : wl::WorkloadKeys()) {
    flags.given[k.key] =
        cmd.add_option(k.flag, flags.text[k.key], fmt::format("{} ({}; default {})", k.meaning, k.unit, k.fallback));
  }
}

wl::Workload ResolveWorkloadFlags(const WorkloadFlags& flags) {
  std::vector<wl::Setting> from_file;
  if (!flags.file.empty()) from_file = wl::ReadWorkloadFile(flags.file);
  std::vector<wl::Setting> from_flags;
  for (const auto& k : wl::WorkloadKeys()) {
    if (flags.given.at(k.key)->count() > 0) from_flags.push_back(wl::FlagSetting(k.key, flags.text.at(k.key)));
  }
  return wl::ResolveWorkload(from_file, from_flags);
}

}  // namespace wafersim::cli
