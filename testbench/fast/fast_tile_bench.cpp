// Tile-cycles per second of the Verilated RTL tile (RtlTile) and the fast tile model
// (FastTile) running the same busy program, a binary32 GEMV row block (firmware/kernels/
// gemv_rows.s, 32 x 256: the tensor path reads SRAM every cycle; or its binary16 version,
// four lanes per cycle, with --f16), and the ratio. Both runs
// must give the same cycles and the same result, or the program says so and fails; the fast
// tile runs its closed tensor operations ahead (TensorReplay, the default) and, a second
// time, steps every one cycle by cycle. Also
// prints the fast tile's bytes (excluding SRAM) at 8 and 24 colors. Rates are per second of
// this thread's CPU time (the machine is shared; wall time is printed too).
// Usage: fast_tile_bench [--f16] [--rtl-runs N] [--fast-runs N]
#include <chrono>
#include <ctime>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "asm/assembler.h"
#include "fast_tile.h"
#include "isa/fp.h"
#include "rtl_tile.h"
#include "tensor_timing_memo.h"
#include "tile/kernel_cases.h"
#include "verilated.h"

using namespace wafersim;

namespace {

constexpr int kRows = 32, kCols = 256;

struct Measure {
  uint64_t cycles = 0;  // of one run
  double cpu_seconds = 0, wall_seconds = 0;  // all runs
  std::vector<uint8_t> y;
};

double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Loads the program with the GEMV's inputs and runs it to its halt, `runs` times.
template <typename Tile>
Measure Run(Tile& tile, const isa::Program& program, bool f16, int runs) {
  const auto w = tb::RandomFloats(static_cast<size_t>(kRows) * kCols, 5, -1, 1);
  const auto x = tb::RandomFloats(kCols, 6, -1, 1);
  auto poke = [&](uint32_t addr, uint32_t v) { std::memcpy(tile.Sram().Bytes().data() + addr, &v, 4); };
  auto poke_half = [&](uint32_t addr, float v) {
    const uint16_t h = isa::F32ToF16(isa::AsBits(v));
    std::memcpy(tile.Sram().Bytes().data() + addr, &h, 2);
  };
  const uint32_t w_at = program.Address("W"), x_at = program.Address("x");
  const fabric::LinkBundle quiet;
  const std::array<const fabric::LinkBundle*, 4> in{&quiet, &quiet, &quiet, &quiet};
  std::array<fabric::LinkBundle, 4> out;
  Measure m;
  for (int r = 0; r < runs; ++r) {
    fabric::TensorTimingMemo::Shared().Clear();  // every run learns its operations' timings anew
    tile.Load(program);
    poke(program.Address("rows"), kRows);
    poke(program.Address("cols"), kCols);
    for (size_t i = 0; i < w.size(); ++i) {
      const uint32_t k = static_cast<uint32_t>(i);
      f16 ? poke_half(w_at + 2 * k, w[i]) : poke(w_at + 4 * k, isa::AsBits(w[i]));
    }
    for (size_t i = 0; i < x.size(); ++i) {
      const uint32_t k = static_cast<uint32_t>(i);
      f16 ? poke_half(x_at + 2 * k, x[i]) : poke(x_at + 4 * k, isa::AsBits(x[i]));
    }
    tile.Release();
    uint64_t cycles = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = ThreadCpuSeconds();
    while (!tile.Halted()) {
      tile.Evaluate(in, out);
      tile.Update();
      ++cycles;
    }
    m.cpu_seconds += ThreadCpuSeconds() - c0;
    m.wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m.cycles = cycles;
  }
  const uint32_t y = program.Address("y");
  m.y.assign(tile.Sram().Bytes().begin() + y, tile.Sram().Bytes().begin() + y + 4 * kRows);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tile-cycles per second: the RTL tile against the fast tile model on a GEMV row block"};
  int rtl_runs = 20, fast_runs = 2000;
  bool f16 = false;
  app.add_flag("--f16", f16, "the binary16 kernel (gemv_rows_f16.s, four lanes per cycle)");
  app.add_option("--rtl-runs", rtl_runs, "runs of the program on the RTL tile")->check(CLI::PositiveNumber);
  app.add_option("--fast-runs", fast_runs, "runs of the program on the fast tile")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const std::string kernel = f16 ? "gemv_rows_f16" : "gemv_rows";
  const isa::Program program = assembler::AssembleFile(std::string(WAFERSIM_FIRMWARE_DIR) + "/" + kernel + ".s");
  const fabric::CompiledTile c = fabric::CompiledTileParameters();
  fabric::TileSpec spec;
  spec.colors = c.colors;
  spec.simd_width = c.simd_width;
  spec.credit_limit = c.buffer_depth;
  spec.imem_words = c.imem_words;

  auto ctx = std::make_unique<VerilatedContext>();
  Measure rtl, fast;
  {
    fabric::RtlTile tile(ctx.get(), "tile", 0, 0, spec);
    rtl = Run(tile, program, f16, rtl_runs);
    Verilated::threadContextp(ctx.get());
  }
  fabric::FastTile tile(0, 0, spec, c.buffer_depth);
  fast = Run(tile, program, f16, fast_runs);
  // The same with every tensor operation stepped cycle by cycle (no run-ahead).
  fabric::FastTile stepping(0, 0, spec, c.buffer_depth);
  stepping.SetRunAhead(false);
  const Measure stepped = Run(stepping, program, f16, fast_runs);
  if (rtl.cycles != fast.cycles || rtl.y != fast.y || stepped.cycles != fast.cycles || stepped.y != fast.y) {
    fmt::print(stderr, "fast_tile_bench: the models disagree: RTL {} cycles, fast {} cycles (stepped {}), results {}\n",
               rtl.cycles, fast.cycles, stepped.cycles, rtl.y == fast.y && stepped.y == fast.y ? "equal" : "different");
    return 1;
  }
  const double rtl_rate = static_cast<double>(rtl.cycles) * rtl_runs / rtl.cpu_seconds;
  const double fast_rate = static_cast<double>(fast.cycles) * fast_runs / fast.cpu_seconds;
  fmt::print("{} {}x{}, {} cycles per run, same cycles and result on both models\n", kernel, kRows, kCols, rtl.cycles);
  fmt::print("{:<6} {:>6} {:>12} {:>13} {:>20}\n", "model", "runs", "CPU seconds", "wall seconds",
             "tile-cycles/CPU s");
  fmt::print("{:<6} {:>6} {:>12.3f} {:>13.3f} {:>20.0f}\n", "RTL", rtl_runs, rtl.cpu_seconds, rtl.wall_seconds, rtl_rate);
  fmt::print("{:<6} {:>6} {:>12.3f} {:>13.3f} {:>20.0f}\n", "fast", fast_runs, fast.cpu_seconds, fast.wall_seconds,
             fast_rate);
  const double stepped_rate = static_cast<double>(stepped.cycles) * fast_runs / stepped.cpu_seconds;
  fmt::print("{:<6} {:>6} {:>12.3f} {:>13.3f} {:>20.0f}  (every tensor operation stepped)\n", "fast", fast_runs,
             stepped.cpu_seconds, stepped.wall_seconds, stepped_rate);
  fmt::print("fast / RTL: {:.1f}x (stepped: {:.1f}x)\n", fast_rate / rtl_rate, stepped_rate / rtl_rate);
  fabric::TileSpec wide = spec;
  wide.colors = 24;
  const fabric::FastTile tile24(0, 0, wide, c.buffer_depth);
  fmt::print("fast tile bytes excluding SRAM: {} at {} colors, {} at 24 colors (buffer depth {}, {} banks)\n",
             tile.Bytes(), spec.colors, tile24.Bytes(), c.buffer_depth, spec.sram.banks);
  return 0;
}
