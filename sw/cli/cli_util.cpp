#include "cli/cli_util.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::cli {

CLI::Validator Unsigned() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        return digits ? std::string() : fmt::format("'{}' is not a whole number of 0 or more", text);
      },
      "UINT");
}

namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) parts.push_back(part);
  if (!s.empty() && s.back() == sep) parts.emplace_back();
  return parts;
}

bool ToInt(const std::string& s, long long& out) {
  if (s.empty()) return false;
  size_t used = 0;
  try {
    out = std::stoll(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size();
}

bool ToDouble(const std::string& s, double& out) {
  if (s.empty()) return false;
  size_t used = 0;
  try {
    out = std::stod(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size() && std::isfinite(out);
}

[[noreturn]] void Bad(const std::string& flag, const std::string& text, const std::string& want) {
  throw std::invalid_argument(fmt::format("{} {}: expected {}", flag, text, want));
}

}  // namespace

MeshSize ParseMesh(const std::string& flag, const std::string& text) {
  const auto parts = Split(text, 'x');
  long long w = 0, h = 0;
  if (parts.size() != 2 || !ToInt(parts[0], w) || !ToInt(parts[1], h) || w < 1 || h < 1 ||
      w > 1 << 20 || h > 1 << 20) {
    Bad(flag, text, "WxH with positive integers, e.g. 8x8");
  }
  return MeshSize{static_cast<int>(w), static_cast<int>(h)};
}

void ParseCoord(const std::string& flag, const std::string& text, int& x, int& y) {
  const auto parts = Split(text, ',');
  long long a = 0, b = 0;
  if (parts.size() != 2 || !ToInt(parts[0], a) || !ToInt(parts[1], b) || a < 0 || b < 0 ||
      a > 1 << 20 || b > 1 << 20) {
    Bad(flag, text, "X,Y with non-negative integers");
  }
  x = static_cast<int>(a);
  y = static_cast<int>(b);
}

Region ParseRegion(const std::string& flag, const std::string& text) {
  const auto parts = Split(text, ':');
  if (parts.size() != 2) Bad(flag, text, "x0,y0:x1,y1");
  Region r;
  ParseCoord(flag, parts[0], r.x0, r.y0);
  ParseCoord(flag, parts[1], r.x1, r.y1);
  if (r.x1 < r.x0 || r.y1 < r.y0) Bad(flag, text, "x0 <= x1 and y0 <= y1");
  return r;
}

Window ParseWindow(const std::string& flag, const std::string& text) {
  const auto parts = Split(text, ':');
  long long a = 0, b = 0;
  if (parts.size() != 2 || !ToInt(parts[0], a) || !ToInt(parts[1], b) || a < 0 || b <= a) {
    Bad(flag, text, "c0:c1 with 0 <= c0 < c1");
  }
  return Window{static_cast<uint64_t>(a), static_cast<uint64_t>(b)};
}

std::vector<double> ParseRateList(const std::string& flag, const std::string& text) {
  std::vector<double> rates;
  const auto range = Split(text, ':');
  if (range.size() == 3) {
    double start = 0, stop = 0, step = 0;
    if (!ToDouble(range[0], start) || !ToDouble(range[1], stop) || !ToDouble(range[2], step) ||
        step <= 0 || stop < start) {
      Bad(flag, text, "start:stop:step with step > 0 and stop >= start");
    }
    // Counted before any is made: 0:1:1e-9 asked for a billion rates (and died out of memory).
    const double points = std::floor((stop - start) / step + 1e-9) + 1;
    if (points > kMaxSweepPoints) {
      throw std::invalid_argument(fmt::format("{} {}: {:.0f} rates; a sweep takes at most {} (a larger step)", flag,
                                              text, points, kMaxSweepPoints));
    }
    for (int i = 0; i < static_cast<int>(points); ++i) rates.push_back(std::round((start + i * step) * 1e6) / 1e6);
  } else {
    for (const auto& part : Split(text, ',')) {
      double r = 0;
      if (!ToDouble(part, r)) Bad(flag, text, "a comma-separated list of rates or start:stop:step");
      rates.push_back(r);
    }
  }
  for (double r : rates) {
    if (r < 0.0 || r > 1.0) {
      throw std::invalid_argument(fmt::format("{} {}: rate {} is outside [0,1]", flag, text, r));
    }
  }
  if (rates.empty()) Bad(flag, text, "at least one rate");
  if (rates.size() > kMaxSweepPoints) {
    throw std::invalid_argument(
        fmt::format("{}: {} rates; a sweep takes at most {}", flag, rates.size(), kMaxSweepPoints));
  }
  return rates;
}

}  // namespace wafersim::cli
