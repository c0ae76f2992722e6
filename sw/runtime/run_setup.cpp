#include "runtime/run_setup.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::runtime {

namespace {

std::string Bytes(double b) {
  return b >= 1e12 ? fmt::format("{:.1f} TB", b / 1e12)
         : b >= 1e9 ? fmt::format("{:.1f} GB", b / 1e9)
         : b >= 1e6 ? fmt::format("{:.1f} MB", b / 1e6)
                    : fmt::format("{:.0f} KB", b / 1e3);
}

// The first whole number in a one-line file ("max" and missing files: none).
double ReadNumber(const char* path) {
  std::ifstream in(path);
  double v = 0;
  if (!(in >> v)) return 0;
  return v;
}

// /proc/meminfo's "key: N kB", in bytes (0 when missing).
double MemInfo(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  double kb = 0;
  std::string unit;
  while (in >> name >> kb) {
    std::getline(in, unit);
    if (name == key + ":") return kb * 1024;
  }
  return 0;
}

}  // namespace

TileChoice ParseTileChoice(const std::string& text) {
  if (text == "rtl") return TileChoice::Rtl;
  if (text == "fast") return TileChoice::Fast;
  if (text == "mixed") return TileChoice::Mixed;
  throw std::invalid_argument(fmt::format("--tiles: '{}' is not rtl, fast or mixed", text));
}

SchedulerChoice ParseSchedulerChoice(const std::string& text) {
  if (text == "systemc") return SchedulerChoice::SystemC;
  if (text == "plain") return SchedulerChoice::Plain;
  if (text == "auto") return SchedulerChoice::Auto;
  throw std::invalid_argument(fmt::format("--scheduler: '{}' is not systemc, plain or auto", text));
}

RunSetup PrepareRun(const SimulationChoice& choice, const fabric::FabricConfig& config) {
  if (choice.rtl_region && choice.tiles != TileChoice::Mixed) {
    throw std::invalid_argument("--rtl-region: only with --tiles mixed");
  }
  if (choice.watchdog < 10) {
    throw std::invalid_argument(fmt::format("--watchdog: {} is below 10 cycles", choice.watchdog));
  }
  if (choice.max_cycles < 1) throw std::invalid_argument("--max-cycles: 0 must be at least 1");
  RunSetup s;
  s.config = config;
  s.models = fabric::TileModels::All(choice.tiles == TileChoice::Rtl ? fabric::TileModel::Rtl
                                                                     : fabric::TileModel::Fast);
  if (choice.tiles == TileChoice::Mixed) {
    int x0 = 0, y0 = 0, x1 = std::min(config.width, 2) - 1, y1 = std::min(config.height, 2) - 1;
    if (choice.rtl_region) {
      x0 = choice.rtl_x0, y0 = choice.rtl_y0, x1 = choice.rtl_x1, y1 = choice.rtl_y1;
      if (x1 >= config.width || y1 >= config.height) {
        throw std::invalid_argument(fmt::format("--rtl-region {},{}:{},{}: not a region of the {}x{} mesh", x0, y0, x1,
                                                y1, config.width, config.height));
      }
    }
    s.models = {fabric::TileModel::Fast, x0, y0, x1, y1};
  }
  if (choice.tiles == TileChoice::Rtl) {
    s.rtl_tiles = config.Tiles();
  } else if (choice.tiles == TileChoice::Mixed) {
    s.rtl_tiles = int64_t{s.models.x1 - s.models.x0 + 1} * (s.models.y1 - s.models.y0 + 1);
  }
  fabric::CheckRtlCompatible(config, s.rtl_tiles);
  const bool systemc = choice.scheduler == SchedulerChoice::SystemC ||
                       (choice.scheduler == SchedulerChoice::Auto && choice.tiles == TileChoice::Rtl);
  s.scheduler = systemc ? Scheduler::SystemC : Scheduler::PlainLoop;
  if (choice.threads < 1 || choice.threads > 256) {
    throw std::invalid_argument(fmt::format("--threads {}: must be 1..256", choice.threads));
  }
  if (choice.threads > 1 && (choice.tiles == TileChoice::Rtl || systemc)) {
    throw std::invalid_argument(fmt::format(
        "--threads {}: only fast tiles on the plain loop step on several threads ({}); use --tiles fast or mixed",
        choice.threads, choice.tiles == TileChoice::Rtl ? "these are RTL tiles" : "this run is on SystemC"));
  }
  s.options.max_cycles = choice.max_cycles;
  s.options.watchdog_cycles = choice.watchdog;
  s.options.threads = choice.threads;
  s.options.run_ahead = choice.run_ahead;
  return s;
}

std::unique_ptr<fabric::TileGrid> BuildGrid(const RunSetup& setup,
                                            std::function<void(const fabric::TileGrid&)> progress) {
  fabric::RunOptions options = setup.options;
  options.progress = std::move(progress);
  return std::make_unique<fabric::TileGrid>(setup.config, options, setup.models);
}

double HostBytesPerTile(fabric::TileModel model) {
  // Measured (maximum resident set over grids of 16x16 to 256x256 tiles running a small
  // kernel): about 5 KB a fast tile and 45 KB an RTL tile; with margin.
  return model == fabric::TileModel::Rtl ? 64e3 : 8e3;
}

double AvailableHostMemory() {
  double available = MemInfo("MemAvailable");
  // A cgroup's limit (v2, then v1) less what the group already uses.
  double limit = ReadNumber("/sys/fs/cgroup/memory.max");
  double used = ReadNumber("/sys/fs/cgroup/memory.current");
  if (limit <= 0) {
    limit = ReadNumber("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    used = ReadNumber("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  }
  if (limit > 0 && limit < 1e18) {
    const double left = std::max(0.0, limit - used);
    available = available > 0 ? std::min(available, left) : left;
  }
  return available;
}

void CheckHostMemory(const RunSetup& setup, double data_elements, const std::string& what) {
  const double rtl = double(setup.rtl_tiles), fast = double(setup.config.Tiles()) - rtl;
  const double tiles_bytes = rtl * HostBytesPerTile(fabric::TileModel::Rtl) +
                             fast * HostBytesPerTile(fabric::TileModel::Fast);
  const double data_bytes = data_elements * kHostBytesPerElement;
  const double need = tiles_bytes + data_bytes;
  const double available = AvailableHostMemory();
  if (available <= 0 || need <= available) return;
  std::string tiles;
  if (fast > 0) tiles = fmt::format("{:.0f} fast tiles at about {}", fast, Bytes(HostBytesPerTile(fabric::TileModel::Fast)));
  if (rtl > 0) {
    tiles += fmt::format("{}{:.0f} RTL tiles at about {}", tiles.empty() ? "" : ", ", rtl,
                         Bytes(HostBytesPerTile(fabric::TileModel::Rtl)));
  }
  const std::string data = data_elements > 0 ? fmt::format("; {:.3g} data elements at about {:.0f} bytes",
                                                           data_elements, kHostBytesPerElement)
                                             : "";
  throw std::invalid_argument(fmt::format("{} needs about {} of host memory ({}{}), and this machine has {} "
                                          "available; use a smaller --mesh or shape",
                                          what, Bytes(need), tiles, data, Bytes(available)));
}

void CheckCycleEstimate(const KernelMapping& m, uint64_t max_cycles) {
  if (m.estimated_cycles <= double(max_cycles)) return;
  // Room above the estimate (its fit is within a few percent), rounded up to 2 digits.
  const double want = m.estimated_cycles * 1.25;
  const double step = std::pow(10.0, std::max(0.0, std::floor(std::log10(want)) - 1));
  const double suggested = std::ceil(want / step) * step;
  throw std::invalid_argument(fmt::format(
      "{}: the mapping's estimate is {:.0f} cycles, above --max-cycles {}: the run would stop at its cycle limit; "
      "raise the limit (--max-cycles {:.0f})",
      m.kernel, m.estimated_cycles, max_cycles, suggested));
}

std::string RunFailure(const KernelResult& r) {
  switch (r.status) {
    case fabric::RunStatus::Done: return r.correct ? "" : "wrong answer: " + r.check;
    case fabric::RunStatus::CycleLimit:
      return fmt::format("stopped at the cycle limit ({} cycles) before every tile halted; the answer is not "
                         "checked (raise --max-cycles)",
                         r.cycles);
    default: return fmt::format("{}: {}", fabric::RunStatusName(r.status), r.stop_reason);
  }
}

int RunExitCode(const KernelResult& r) {
  if (r.status == fabric::RunStatus::Interrupted) return 130;
  return r.status == fabric::RunStatus::Done && r.correct ? 0 : 1;
}

}  // namespace wafersim::runtime
