// Tables and JSON for `wafersim noc` results (also used by `wafersim demo`).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "noc/noc_sim.h"

namespace wafersim::cli {

std::string DescribeNocConfig(const noc::NocConfig& c);
void PrintNocResult(const noc::NocConfig& c, const noc::NocResult& r);
void PrintNocSweep(const noc::NocConfig& c, const std::vector<noc::NocResult>& rs);
nlohmann::json NocConfigJson(const noc::NocConfig& c);
nlohmann::json NocResultJson(const noc::NocResult& r);
/// Writes `j` to `path`, replacing it whole (io::WriteFileAtomic); throws naming `flag` and
/// the path on failure.
void WriteJson(const std::string& path, const nlohmann::json& j, const std::string& flag = "--json");

}  // namespace wafersim::cli
