// Parsing helpers shared by the subcommands: one-line errors that name the flag.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

struct MeshSize {
  int width = 0;
  int height = 0;
};
struct Region {
  int x0 = 0, y0 = 0, x1 = -1, y1 = -1;
};
struct Window {
  uint64_t c0 = 0, c1 = 0;
};

/// For every unsigned option: a whole number written in decimal digits, 0 or more. A negative
/// or fractional value would otherwise wrap around (--cycles -5 became 2^64 - 5 and ran for
/// ever); refused naming the flag.
CLI::Validator Unsigned();

/// "8x8" -> {8, 8}; throws std::invalid_argument naming `flag`.
MeshSize ParseMesh(const std::string& flag, const std::string& text);
/// "x0,y0:x1,y1"
Region ParseRegion(const std::string& flag, const std::string& text);
/// "c0:c1"
Window ParseWindow(const std::string& flag, const std::string& text);
/// "x,y"
void ParseCoord(const std::string& flag, const std::string& text, int& x, int& y);
/// The most rates one --sweep takes (each is a whole run).
inline constexpr int kMaxSweepPoints = 10000;
/// "0.1,0.2,0.3" or "start:stop:step" (at most kMaxSweepPoints rates)
std::vector<double> ParseRateList(const std::string& flag, const std::string& text);

}  // namespace wafersim::cli
