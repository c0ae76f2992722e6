// Helper programs the command line starts (the plot scripts): found beside the binary, run
// with an argument vector and no shell, their failure reported.
#pragma once

#include <string>
#include <vector>

namespace wafersim::cli {

/// The script `name` that ships with the wafersim binary: in scripts/ beside it (the build
/// tree) or in ../share/wafersim/ (an install), found from /proc/self/exe. Throws
/// std::runtime_error naming `flag` and the places looked in when it is in neither.
std::string FindHelperScript(const std::string& flag, const std::string& name);

/// Runs argv[0] (looked up in PATH when it has no '/') with `argv`, without a shell, and waits
/// for it. Its standard error is collected: passed on when it succeeds; when it cannot start,
/// exits non-zero or is killed, throws std::runtime_error "FLAG: NAME failed (...): its last
/// line of errors; HINT".
void RunHelper(const std::string& flag, const std::vector<std::string>& argv, const std::string& hint);

}  // namespace wafersim::cli
