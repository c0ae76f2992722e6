// Simulation speed of the SystemC fabric of RTL tiles, and what the SystemC layer costs: the
// same GEMV (32 x 32 of W per tile) on 4x4, 8x8 and 16x16 meshes, scheduled by SystemC (one
// process per tile and per edge link, one signal per tile output) and by a plain loop over
// the same Verilated tiles. Prints cycles/s and tile-cycles/s for each; the two schedules
// must give the same cycle count. SystemC elaborates once per process, so each SystemC run
// happens in a child process.
//
// Usage: fabric_bench [SIZE ...]   (default: 4 8 16)
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "runtime/gemv_mapper.h"
#include "runtime/kernel_run.h"

using namespace wafersim;

namespace {

struct Measure {
  uint64_t cycles = 0;
  double wall_s = 0;
  bool correct = false;
};

Measure RunOnce(int size, runtime::Scheduler scheduler) {
  fabric::FabricConfig config = fabric::Preset("small");
  config.width = config.height = size;
  runtime::KernelRequest req;
  req.m = req.n = 32 * size;
  const auto mapping = runtime::MapGemv(req, config);
  fabric::TileGrid grid(config);
  const auto r = runtime::RunKernel(mapping, grid, scheduler);
  return {r.cycles, r.wall_s, r.correct};
}

// The SystemC run in a child process; its figures come back through a pipe.
Measure RunSystemCInChild(int size) {
  int fds[2];
  if (pipe(fds) != 0) std::exit(1);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const Measure m = RunOnce(size, runtime::Scheduler::SystemC);
    const std::string s = fmt::format("{} {} {}", m.cycles, m.wall_s, m.correct ? 1 : 0);
    if (write(fds[1], s.data(), s.size()) != static_cast<ssize_t>(s.size())) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  char buf[128] = {};
  const ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Measure m;
  int correct = 0;
  if (n <= 0 || std::sscanf(buf, "%lu %lf %d", &m.cycles, &m.wall_s, &correct) != 3) {
    fmt::print(stderr, "fabric_bench: the SystemC run for {}x{} failed\n", size, size);
    std::exit(1);
  }
  m.correct = correct != 0;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {4, 8, 16};
  fmt::print("GEMV (W 32x32 binary32 per tile) on RTL tiles: the SystemC fabric against a plain loop over the same "
             "Verilated tiles\n");
  fmt::print("{:>6} {:>6} {:>8} | {:>12} {:>14} | {:>12} {:>14} | {:>10}\n", "mesh", "tiles", "cycles",
             "plain cyc/s", "tile-cyc/s", "SystemC cyc/s", "tile-cyc/s", "SC / plain");
  for (const int size : sizes) {
    const Measure plain = RunOnce(size, runtime::Scheduler::PlainLoop);
    const Measure sc = RunSystemCInChild(size);
    if (!plain.correct || !sc.correct || plain.cycles != sc.cycles) {
      fmt::print(stderr, "fabric_bench: {}x{}: wrong answer or the schedules disagree ({} vs {} cycles)\n", size,
                 size, plain.cycles, sc.cycles);
      return 1;
    }
    const double tiles = double(size) * size;
    fmt::print("{:>6} {:>6} {:>8} | {:>12.0f} {:>14.0f} | {:>12.0f} {:>14.0f} | {:>9.3f}x\n",
               fmt::format("{}x{}", size, size), size * size, plain.cycles, plain.cycles / plain.wall_s,
               plain.cycles * tiles / plain.wall_s, sc.cycles / sc.wall_s, sc.cycles * tiles / sc.wall_s,
               sc.wall_s / plain.wall_s);
  }
  return 0;
}
