// Speed of the fast tile model, in one run (a program, not a test):
//  1. the same GEMV on a 16x16 mesh with RTL tiles and with fast tiles (plain loop): cycles
//     must agree; prints tile-cycles/s for each and the ratio, and for fast tiles stepped in
//     two passes (every tile evaluated, then every tile updated) against one, and with every
//     tensor operation stepped (no run-ahead) against run ahead; 1b. the same for attention
//     decode, whose operands partly travel the fabric;
//  2. the fast model on 1 and 2 threads (same 16x16 and a larger mesh): same cycles, the speed-up
//     (and on the larger mesh, two passes against one);
//  3. a GEMV on the whole wse3 wafer (762 x 1172 tiles, 24 colors) with a checked result:
//     wall time, peak memory and tile-cycles/s;
//  4. one llama3-8b decode layer (context 2048) on the wafer, as `wafersim run --model
//     llama3-8b --layers 1 --phase decode --context 2048` runs it: every kernel the block has a
//     mapper for, each on a grid the size of its region, each checked.
// Each measurement runs in a child process, so its peak memory is its own; "total" is the
// child's whole life (mapping, loading and simulating), "simulated" the grid's run alone.
//
// Usage: wafer_bench [--quick | --fast-only RUNS]   (--quick: steps 1 and 2 only;
// --fast-only: step 1's fast run alone, RUNS times in this process, for a profiler)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>
#include <string>

#include <fmt/format.h>

#include "huge_pages.h"
#include "runtime/block_run.h"
#include "runtime/kernel_run.h"
#include "runtime/mapper_registry.h"
#include "tensor_timing_memo.h"
#include "workload/workload_keys.h"

using namespace wafersim;

namespace {

struct Measure {
  uint64_t cycles = 0;
  double wall_s = 0, map_s = 0, total_s = 0;
  double tiles = 0;
  double tile_cycles = 0;  ///< when the runs had grids of different sizes (else cycles x tiles)
  double peak_mb = 0;
  int correct = 0;
};

// How a measurement runs its grid.
struct Settings {
  fabric::TileModel model = fabric::TileModel::Fast;
  int threads = 1;
  int repeats = 1;            ///< the wall time is the median of this many runs
  bool split_phases = false;  ///< RunOptions::split_phases
  bool run_ahead = true;      ///< RunOptions::run_ahead
};

// `s.repeats` runs of `req`'s mapping: the wall time is their median (a 16x16 run on fast tiles
// takes a few tens of milliseconds, where one run's figure is mostly noise).
Measure Kernel(const std::string& preset, int width, int height, const runtime::KernelRequest& req,
               const Settings& s) {
  fabric::FabricConfig config = fabric::Preset(preset);
  if (width > 0) {
    config.width = width;
    config.height = height;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto mapping = runtime::FindMapper(req.kernel).map(req, config);
  Measure r;
  r.map_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fabric::RunOptions options;
  options.threads = s.threads;
  options.max_cycles = 10'000'000;
  options.split_phases = s.split_phases;
  options.run_ahead = s.run_ahead;
  std::vector<double> walls;
  r.correct = 1;
  for (int i = 0; i < s.repeats; ++i) {
    fabric::TensorTimingMemo::Shared().Clear();  // each run learns its operations' timings anew
    fabric::TileGrid grid(config, options, fabric::TileModels::All(s.model));
    const auto k = runtime::RunKernel(mapping, grid, runtime::Scheduler::PlainLoop);
    if (i > 0 && k.cycles != r.cycles) r.correct = 0;  // a repeat must be the same run
    r.cycles = k.cycles;
    r.tiles = double(grid.Tiles());
    walls.push_back(k.wall_s);
    if (!k.correct) {
      r.correct = 0;
      fmt::print(stderr, "wafer_bench: {}x{} {}: {}; {}\n", config.width, config.height, mapping.description, k.check,
                 k.stop_reason);
    }
  }
  std::sort(walls.begin(), walls.end());
  r.wall_s = walls[walls.size() / 2];
  return r;
}

Measure Gemv(const std::string& preset, int width, int height, int64_t m, int64_t n, const Settings& s) {
  runtime::KernelRequest req;
  req.kernel = "gemv";
  req.m = m;
  req.n = n;
  return Kernel(preset, width, height, req, s);
}

// Attention decode: its tensor operations read K and V from SRAM, but q, the running maxima and
// the sums travel the fabric between them.
Measure AttentionDecode(const Settings& s) {
  runtime::KernelRequest req;
  req.kernel = "attention";
  req.heads = 8;
  req.kv_heads = 8;
  req.head_dim = 64;
  req.context = 512;
  return Kernel("small", 16, 16, req, s);
}

// Runs `job` in a child; its figures and peak resident memory come back through a pipe.
Measure InChild(const std::function<Measure()>& job) {
  int fds[2];
  if (pipe(fds) != 0) std::exit(1);
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Measure m = job();
    m.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    m.peak_mb = u.ru_maxrss / 1024.0;
    if (write(fds[1], &m, sizeof m) != static_cast<ssize_t>(sizeof m)) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  Measure m;
  const ssize_t got = read(fds[0], &m, sizeof m);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != static_cast<ssize_t>(sizeof m)) {
    fmt::print(stderr, "wafer_bench: a measurement's process failed\n");
    std::exit(1);
  }
  return m;
}

double TileCyclesPerS(const Measure& m) {
  return (m.tile_cycles > 0 ? m.tile_cycles : double(m.cycles) * m.tiles) / m.wall_s;
}

void Line(const std::string& what, const Measure& m) {
  fmt::print("  {:<44} {:>8} cycles {:>9.2f} s simulated {:>8.1f} s total {:>12.0f} tile-cycles/s {:>7.0f} MB peak  {}\n",
             what, m.cycles, m.wall_s, m.total_s, TileCyclesPerS(m), m.peak_mb, m.correct ? "correct" : "WRONG");
}

// One llama3-8b decode layer at context 2048 on the wse3 wafer, fast tiles, 2 threads.
Measure LlamaDecodeLayer() {
  runtime::BlockOptions o;
  o.workload = workload::ResolveWorkload(
      {}, {workload::FlagSetting("model.preset", "llama3-8b"), workload::FlagSetting("run.phase", "decode"),
           workload::FlagSetting("run.batch", "1"), workload::FlagSetting("run.layers", "1"),
           workload::FlagSetting("run.context", "2048")});
  o.fabric = fabric::Preset("wse3");
  o.tiles = fabric::TileModel::Fast;
  o.threads = 2;
  runtime::BlockHooks hooks;
  hooks.done = [](const runtime::BlockKernelResult& r, const fabric::TileGrid&) {
    fmt::print("    {:<22} {:<10} {:>4}x{:<4} {:>8} cycles {:>8.2f} s simulated  {}\n", r.kernel.name, r.kernel.mapper,
               r.region_width, r.region_height, r.result.cycles, r.result.wall_s,
               r.result.correct ? "correct" : "WRONG");
    std::fflush(stdout);
  };
  const runtime::BlockResult b = runtime::RunBlock(o, hooks);
  Measure m;
  m.cycles = b.cycles;
  m.wall_s = b.wall_s;
  m.correct = b.correct ? 1 : 0;
  m.tiles = double(o.fabric.width) * o.fabric.height;
  for (const auto& k : b.kernels) m.tile_cycles += double(k.result.cycles) * k.region_width * k.region_height;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  fabric::UseHugePages(argv);  // as wafersim does
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  if (argc > 2 && std::strcmp(argv[1], "--fast-only") == 0) {
    const Measure fast = Gemv("small", 16, 16, 512, 512, {.repeats = std::atoi(argv[2])});
    Line("fast tiles", fast);
    return fast.correct ? 0 : 1;
  }
  bool ok = true;
  fmt::print("1. GEMV 512x512 binary32 on a 16x16 mesh, plain loop: RTL tiles against fast tiles (median of 3 and 31 runs)\n");
  const Measure rtl = InChild([] { return Gemv("small", 16, 16, 512, 512, {.model = fabric::TileModel::Rtl, .repeats = 3}); });
  const Measure fast = InChild([] { return Gemv("small", 16, 16, 512, 512, {.repeats = 31}); });
  Line("RTL tiles", rtl);
  Line("fast tiles", fast);
  fmt::print("  fast / RTL: {:.1f}x the tile-cycles per second; cycles {}\n", TileCyclesPerS(fast) / TileCyclesPerS(rtl),
             rtl.cycles == fast.cycles ? "agree" : "DIFFER");
  ok &= rtl.correct && fast.correct && rtl.cycles == fast.cycles;
  // Each tile's clock edge right after its evaluation (the plain loop's way) against a pass
  // of evaluations and then a pass of updates: the same run, fewer cache misses.
  const Measure split = InChild([] { return Gemv("small", 16, 16, 512, 512, {.repeats = 31, .split_phases = true}); });
  Line("fast tiles, evaluate all then update all", split);
  fmt::print("  update at once / in a second pass: {:.2f}x the tile-cycles per second; cycles {}\n",
             TileCyclesPerS(fast) / TileCyclesPerS(split), split.cycles == fast.cycles ? "agree" : "DIFFER");
  ok &= split.correct && split.cycles == fast.cycles;
  // Closed tensor operations (SRAM operands only) run ahead, timed by the memo, and slept
  // through, against every one stepped cycle by cycle: the same run.
  const Measure stepped = InChild([] { return Gemv("small", 16, 16, 512, 512, {.repeats = 31, .run_ahead = false}); });
  Line("fast tiles, every tensor operation stepped", stepped);
  fmt::print("  run ahead / stepped: {:.2f}x the tile-cycles per second; cycles {}\n",
             TileCyclesPerS(fast) / TileCyclesPerS(stepped), stepped.cycles == fast.cycles ? "agree" : "DIFFER");
  ok &= stepped.correct && stepped.cycles == fast.cycles;

  fmt::print("\n1b. attention decode, 8 heads x 64, context 512, binary32, on a 16x16 mesh: RTL against fast tiles "
             "(median of 1 and 11 runs)\n");
  const Measure att_rtl = InChild([] { return AttentionDecode({.model = fabric::TileModel::Rtl}); });
  const Measure att_fast = InChild([] { return AttentionDecode({.repeats = 11}); });
  const Measure att_stepped = InChild([] { return AttentionDecode({.repeats = 11, .run_ahead = false}); });
  Line("RTL tiles", att_rtl);
  Line("fast tiles", att_fast);
  Line("fast tiles, every tensor operation stepped", att_stepped);
  fmt::print("  fast / RTL: {:.1f}x the tile-cycles per second (stepped: {:.1f}x); cycles {}\n",
             TileCyclesPerS(att_fast) / TileCyclesPerS(att_rtl), TileCyclesPerS(att_stepped) / TileCyclesPerS(att_rtl),
             att_rtl.cycles == att_fast.cycles && att_fast.cycles == att_stepped.cycles ? "agree" : "DIFFER");
  ok &= att_rtl.correct && att_fast.correct && att_stepped.correct && att_rtl.cycles == att_fast.cycles &&
        att_fast.cycles == att_stepped.cycles;

  fmt::print("\n2. fast tiles on 1 and 2 threads\n");
  for (const int size : {16, 128}) {
    const int64_t n = 32 * size;
    const int repeats = size == 16 ? 31 : 1;  // a 16x16 run takes milliseconds
    const Measure one = InChild([&] { return Gemv("small", size, size, n, n, {.repeats = repeats}); });
    const Measure two = InChild([&] { return Gemv("small", size, size, n, n, {.threads = 2, .repeats = repeats}); });
    Line(fmt::format("{}x{} mesh, GEMV {}x{}, 1 thread", size, size, n, n), one);
    Line(fmt::format("{}x{} mesh, GEMV {}x{}, 2 threads", size, size, n, n), two);
    fmt::print("  speed-up {:.2f}x; cycles {}\n", one.wall_s / two.wall_s, one.cycles == two.cycles ? "agree" : "DIFFER");
    ok &= one.correct && two.correct && one.cycles == two.cycles;
    if (size > 16) {
      const Measure split = InChild([&] { return Gemv("small", size, size, n, n, {.split_phases = true}); });
      Line(fmt::format("{}x{}, 1 thread, evaluate all then update all", size, size), split);
      fmt::print("  update at once / in a second pass: {:.2f}x\n", split.wall_s / one.wall_s);
      ok &= split.correct && split.cycles == one.cycles;
    }
  }
  if (quick) return ok ? 0 : 1;

  fmt::print("\n3. GEMV 8192x8192 binary32 on the wse3 wafer (a grid of 762 x 1172 = 893,064 fast tiles), 2 threads\n");
  const Measure wafer = InChild([] { return Gemv("wse3", 0, 0, 8192, 8192, {.threads = 2}); });
  Line("wse3, GEMV 8192x8192", wafer);
  fmt::print("  tile-cycles/s over all 893,064 tiles (the mapper takes the region it estimates fastest)\n");
  fmt::print("  mapping (programs for every tile) took {:.1f} s\n", wafer.map_s);
  ok &= wafer.correct;

  fmt::print("\n4. one llama3-8b decode layer (context 2048) on the wse3 wafer, fast tiles, 2 threads\n");
  const Measure layer = InChild(LlamaDecodeLayer);
  Line("llama3-8b decode layer, every kernel", layer);
  fmt::print("  {:.2f} us of wafer time at 850 MHz (the kernels one after another); tile-cycles/s over the\n"
             "  kernels' regions (each kernel's grid is its region)\n", layer.cycles / 850e6 * 1e6);
  ok &= layer.correct;
  return ok ? 0 : 1;
}
