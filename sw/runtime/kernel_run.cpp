#include "runtime/kernel_run.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "fabric.h"
#include "fabric_stats.h"
#include "plain_scheduler.h"

namespace wafersim::runtime {

namespace {

void CheckOutput(const KernelMapping& m, KernelResult& r) {
  r.correct = r.received == m.output_size;
  double worst_ratio = -1;
  for (size_t i = 0; i < m.output_size; ++i) {
    const double err = std::fabs(r.output[i] - m.reference[i]);
    const double rel = err / std::max(std::fabs(m.reference[i]), 1e-30);
    r.max_abs_err = std::max(r.max_abs_err, err);
    r.max_rel_err = std::max(r.max_rel_err, rel);
    const double ratio = std::isnan(err) ? INFINITY : err / m.tolerance[i];
    if (ratio > worst_ratio) {
      worst_ratio = ratio;
      r.worst = i;
    }
  }
  r.worst_share = std::max(worst_ratio, 0.0);
  if (r.received != m.output_size) {
    r.check = fmt::format("{} of {} elements of {} arrived", r.received, m.output_size, m.output_name);
    return;
  }
  if (worst_ratio > 1.0) {
    r.correct = false;
    r.check = fmt::format("{}[{}] = {:.9g}, expected {:.9g} (error {:.3g}, tolerance {:.3g})", m.output_name, r.worst,
                          r.output[r.worst], m.reference[r.worst], std::fabs(r.output[r.worst] - m.reference[r.worst]),
                          m.tolerance[r.worst]);
    return;
  }
  r.check = fmt::format("all {} elements of {} within tolerance", m.output_size, m.output_name);
}

// The SRAM contents the mapping expects after the run; the first word that differs fails it
// (an output error found first stays the one reported).
void CheckSram(const KernelMapping& m, fabric::TileGrid& grid, KernelResult& r) {
  size_t words = 0;
  for (const auto& e : m.sram_expected) {
    const fabric::SramBanks& sram = grid.Tile(e.x, e.y).Sram();
    for (size_t i = 0; i < e.words.size(); ++i) {
      const uint32_t got = sram.ReadWord(static_cast<uint32_t>(e.addr + 4 * i));
      if (got != e.words[i]) {
        if (r.correct) {
          r.check = fmt::format("tile ({},{}) SRAM 0x{:x}: {} word {} is 0x{:08x}, expected 0x{:08x}", e.x, e.y,
                                e.addr + 4 * i, e.name, i, got, e.words[i]);
        }
        r.correct = false;
        return;
      }
    }
    words += e.words.size();
  }
  if (words > 0 && r.correct) r.check += fmt::format("; {} words left in SRAM as expected", words);
}

// Values left along a chain, judged after the run (an output error found first stays the one
// reported).
void CheckObserved(const KernelMapping& m, fabric::TileGrid& grid, KernelResult& r) {
  if (!m.observed.judge) return;
  std::vector<float> seen(m.observed.size, NAN);
  for (const auto& read : m.observed.reads) {
    const fabric::SramBanks& sram = grid.Tile(read.x, read.y).Sram();
    for (size_t i = 0; i < read.count; ++i) {
      const uint32_t bits = sram.ReadWord(static_cast<uint32_t>(read.addr + 4 * i));
      std::memcpy(&seen[read.offset + i], &bits, 4);
    }
  }
  const std::string why = m.observed.judge(seen, r.output);
  r.observed = std::move(seen);
  if (!why.empty()) {
    if (r.correct) r.check = why;
    r.correct = false;
  } else if (r.correct && !m.observed.what.empty()) {
    r.check += "; " + m.observed.what;
  }
}

void ReadPhases(const KernelMapping& m, fabric::TileGrid& grid, KernelResult& r) {
  if (m.stamped_tiles.empty()) return;
  for (size_t p = 0; p < m.phases.size(); ++p) {
    PhaseTime t{m.phases[p], 0, 0};
    for (const auto& [x, y] : m.stamped_tiles) {
      const fabric::SramBanks& sram = grid.Tile(x, y).Sram();
      const uint32_t end = sram.ReadWord(static_cast<uint32_t>(m.stamps_addr + 4 * p));
      const uint32_t begin = p > 0 ? sram.ReadWord(static_cast<uint32_t>(m.stamps_addr + 4 * (p - 1))) : 0;
      const double d = end >= begin ? double(end - begin) : 0.0;
      t.mean_cycles += d / double(m.stamped_tiles.size());
      t.max_cycles = std::max(t.max_cycles, d);
    }
    r.phases.push_back(t);
  }
}

// The stamps are the cycle counter's low 32 bits: a run of 2^32 cycles or more would wrap,
// which the cycle limit keeps far off.
void ReadStages(const KernelMapping& m, fabric::TileGrid& grid, KernelResult& r) {
  for (const StageStamps& s : m.stages) {
    StageTime t{s.label, 0};
    for (const auto& [x, y] : s.tiles) {
      const uint32_t end = grid.Tile(x, y).Sram().ReadWord(s.stamps_addr + 4 * static_cast<uint32_t>(s.words - 1));
      t.end_cycle = std::max<uint64_t>(t.end_cycle, end);
    }
    r.stages.push_back(t);
  }
}

}  // namespace

void LoadKernel(const KernelMapping& m, fabric::TileGrid& grid) {
  const isa::Program empty;
  std::vector<bool> loaded(static_cast<size_t>(grid.Tiles()), false);
  for (const auto& tp : m.tiles) {
    grid.Load(tp.x, tp.y, tp.program);
    loaded[grid.Index(tp.x, tp.y)] = true;
  }
  for (int y = 0; y < grid.Height(); ++y) {
    for (int x = 0; x < grid.Width(); ++x) {
      if (!loaded[grid.Index(x, y)]) grid.Load(x, y, empty);
    }
  }
  for (const auto& in : m.inputs) grid.Edge(in.x, in.y, in.dir).Inject(in.color, in.payloads);
  for (const auto& out : m.outputs) grid.Edge(out.x, out.y, out.dir).Collect();
  grid.Start();
}

KernelResult RunKernel(const KernelMapping& m, fabric::TileGrid& grid, Scheduler scheduler) {
  LoadKernel(m, grid);
  KernelResult r;
  // The plain loop's link bundles and lists are made before the clock starts, as the grid's are.
  std::unique_ptr<fabric::PlainScheduler> loop;
  if (scheduler == Scheduler::PlainLoop) loop = std::make_unique<fabric::PlainScheduler>(grid);
  const auto t0 = std::chrono::steady_clock::now();
  if (loop) {
    r.status = loop->Run();
  } else {
    auto fabric = std::make_unique<fabric::Fabric>("fabric", grid);
    r.status = fabric->Run();
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  grid.CloseTrace();
  r.cycles = grid.Cycle();
  r.time_s = double(r.cycles) / grid.Config().clock_hz;
  r.stop_reason = grid.StopReason();

  r.output.assign(m.output_size, NAN);
  for (const auto& out : m.outputs) {
    size_t i = 0;
    for (const auto& a : grid.Edge(out.x, out.y, out.dir).Arrivals()) {
      if (a.color != out.color || i >= out.count) continue;
      float v;
      std::memcpy(&v, &a.data, 4);
      r.output[out.offset + i++] = v;
    }
    r.received += i;
  }
  for (const auto& out : m.sram_outputs) {
    const fabric::SramBanks& sram = grid.Tile(out.x, out.y).Sram();
    for (size_t i = 0; i < out.count; ++i) {
      const uint32_t bits = sram.ReadWord(static_cast<uint32_t>(out.addr + 4 * i));
      float v;
      std::memcpy(&v, &bits, 4);
      r.output[out.offset + i] = v;
    }
    r.received += out.count;
  }
  CheckOutput(m, r);
  CheckSram(m, grid, r);
  if (r.status == fabric::RunStatus::Done) CheckObserved(m, grid, r);
  ReadPhases(m, grid, r);
  ReadStages(m, grid, r);
  if (r.status != fabric::RunStatus::Done) {
    r.correct = false;
    r.check = fmt::format("not checked, the run stopped early ({})", r.check);
  }
  return r;
}

std::vector<StageShare> StageShares(const KernelResult& r) {
  std::vector<StageShare> shares;
  uint64_t before = 0;
  for (const StageTime& t : r.stages) {
    StageShare s;
    s.label = t.label;
    s.end_cycle = t.end_cycle;
    s.cycles = t.end_cycle > before ? t.end_cycle - before : 0;
    before = std::max(before, t.end_cycle);
    const size_t dot = t.label.find('.');
    s.layer = dot == std::string::npos ? "" : t.label.substr(0, dot);
    s.kind = dot == std::string::npos ? t.label : t.label.substr(dot + 1);
    shares.push_back(std::move(s));
  }
  return shares;
}

nlohmann::json ResultJson(const KernelMapping& m, const KernelResult& r, const fabric::TileGrid& grid) {
  const fabric::FabricTotals t = fabric::Totals(grid);
  const double bound = std::max(m.compute_bound_cycles, m.io_bound_cycles);
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& p : r.phases) phases[p.name] = {{"mean_cycles", p.mean_cycles}, {"max_cycles", p.max_cycles}};
  const double region_tile_cycles = double(r.cycles) * m.region_width * m.region_height;
  nlohmann::json stages = nlohmann::json::array(), kinds = nlohmann::json::object(),
                 layers = nlohmann::json::object();
  for (const StageShare& s : StageShares(r)) {
    stages.push_back({{"label", s.label}, {"end_cycle", s.end_cycle}, {"cycles", s.cycles}});
    kinds[s.kind] = kinds.value(s.kind, uint64_t{0}) + s.cycles;
    if (!s.layer.empty()) layers[s.layer] = layers.value(s.layer, uint64_t{0}) + s.cycles;
  }
  return {{"kernel", m.kernel},
          {"stages", stages},
          {"stage_cycles_by_kind", kinds},
          {"stage_cycles_by_layer", layers},
          {"description", m.description},
          {"parameters", m.parameters},
          {"status", fabric::RunStatusName(r.status)},
          {"stop_reason", r.stop_reason},
          {"cycles", r.cycles},
          {"time_s", r.time_s},
          {"clock_hz", grid.Config().clock_hz},
          {"correct", r.correct},
          {"check", r.check},
          {"max_abs_err", r.max_abs_err},
          {"max_rel_err", r.max_rel_err},
          {"worst_tolerance_share", r.worst_share},
          {"worst_element", r.worst},
          {"sram_peak_bytes", t.max_sram_peak_bytes},
          {"sram_bytes_per_tile_planned", m.sram_bytes_per_tile},
          {"flops", m.flops},
          {"estimated_cycles", m.estimated_cycles},
          {"lower_bound_cycles", bound},
          {"compute_bound_cycles", m.compute_bound_cycles},
          {"io_bound_cycles", m.io_bound_cycles},
          {"efficiency", r.cycles > 0 ? bound / double(r.cycles) : 0.0},
          {"mac_utilization",
           region_tile_cycles > 0 ? m.flops / 2.0 / (region_tile_cycles * m.macs_per_tile_cycle) : 0.0},
          {"phases", phases},
          {"wall_s", r.wall_s},
          {"fabric", fabric::StatsJson(grid)}};
}

}  // namespace wafersim::runtime
