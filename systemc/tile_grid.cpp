#include "tile_grid.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "fast_tile.h"
#include "isa/isa.h"
#include "router_errors.h"
#include "rtl_tile.h"
#include "run_interrupt.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace wafersim::fabric {

namespace {
constexpr uint64_t kTimePerCycle = 1000;  // trace time units (ps): one cycle shows as 1 ns
constexpr int kListed = 8;                // entries named in a one-line report
}  // namespace

const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::Running: return "running";
    case RunStatus::Done: return "done";
    case RunStatus::Deadlock: return "deadlock";
    case RunStatus::CycleLimit: return "cycle limit";
    case RunStatus::Failed: return "failed";
    case RunStatus::Interrupted: return "interrupted";
  }
  return "?";
}

void CheckRtlCompatible(const FabricConfig& c, int64_t rtl_tiles) {
  if (rtl_tiles == 0) return;
  const CompiledTile t = CompiledTileParameters();
  auto need = [&c](bool ok, const char* key, int value, const char* rule, int built) {
    if (!ok) {
      throw std::invalid_argument(fmt::format("{}: {} {} the RTL tile's {} (rtl/CMakeLists.txt); run the '{}' "
                                              "fabric on fast tiles (--tiles fast), or use a configuration that "
                                              "matches the RTL tile",
                                              key, value, rule, built, c.name));
    }
  };
  need(c.colors <= t.colors, "router.colors", c.colors, "exceeds", t.colors);
  need(c.buffer_depth <= t.buffer_depth, "router.buffer_depth", c.buffer_depth, "exceeds", t.buffer_depth);
  need(c.sram_bytes == t.sram_bytes, "tile.sram_bytes", c.sram_bytes, "differs from", t.sram_bytes);
  need(c.sram_banks == t.banks, "tile.sram_banks", c.sram_banks, "differs from", t.banks);
  need(c.read_latency == t.read_latency, "tile.read_latency", c.read_latency, "differs from", t.read_latency);
  need(c.simd_width == t.simd_width, "tile.simd_width", c.simd_width, "differs from", t.simd_width);
  need(c.imem_words <= t.imem_words, "tile.imem_words", c.imem_words, "exceeds", t.imem_words);
  // Every RTL tile is a Verilated model plus its SRAM: a whole wafer is for the fast tile model.
  constexpr int64_t kMaxRtlTiles = 64 * 64;
  if (rtl_tiles > kMaxRtlTiles) {
    throw std::invalid_argument(fmt::format("mesh.width x mesh.height: {} RTL tiles exceed the {} a fabric holds "
                                            "(each is a Verilated model; use --tiles fast, or mixed with a small "
                                            "--rtl-region)",
                                            rtl_tiles, kMaxRtlTiles));
  }
}

TileGrid::TileGrid(const FabricConfig& config, const RunOptions& options, const TileModels& models)
    : config_(config), options_(options) {
  ValidateFabricConfig(config);
  for (int y = 0; y < config.height; ++y) {
    for (int x = 0; x < config.width; ++x) rtl_tiles_ += models.At(x, y) == TileModel::Rtl;
  }
  CheckRtlCompatible(config, rtl_tiles_);
  context_ = std::make_unique<VerilatedContext>();
  context_->fatalOnError(false);  // RTL assertion failures become a failed run (EndCycle)
  context_->traceEverOn(true);
  TileSpec spec;
  spec.colors = config.colors;
  spec.simd_width = config.simd_width;
  spec.credit_limit = config.buffer_depth;
  spec.imem_words = config.imem_words;
  spec.sram = {config.sram_bytes, config.sram_banks, config.read_latency, config.write_latency, config.bank_ports};
  const int n = config.width * config.height;
  tiles_.reserve(static_cast<size_t>(n));
  for (int y = 0; y < config.height; ++y) {
    for (int x = 0; x < config.width; ++x) {
      if (models.At(x, y) == TileModel::Rtl) {
        tiles_.push_back(std::make_unique<RtlTile>(context_.get(), fmt::format("T_{}_{}", x, y), x, y, spec));
      } else {
        // Buffers as deep as the Verilated tile's (the run's depth is the credit limit), so
        // that fast and RTL tiles behave the same; deeper when the configuration asks.
        const int depth = std::max(config.buffer_depth, CompiledTileParameters().buffer_depth);
        auto tile = std::make_unique<FastTile>(x, y, spec, depth);
        tile->SetRunAhead(options.run_ahead);
        tiles_.push_back(std::move(tile));
      }
    }
  }
  inputs_.resize(static_cast<size_t>(n) * 4);
  edge_of_.assign(static_cast<size_t>(n) * 4, -1);
  static constexpr int kDx[4] = {0, 1, 0, -1}, kDy[4] = {-1, 0, 1, 0};
  for (int y = 0; y < config.height; ++y) {
    for (int x = 0; x < config.width; ++x) {
      for (int d = 0; d < 4; ++d) {
        const int nx = x + kDx[d], ny = y + kDy[d], t = Index(x, y);
        if (nx >= 0 && nx < config.width && ny >= 0 && ny < config.height) {
          const int opposite = static_cast<int>(noc::Opposite(static_cast<noc::Dir>(d)));
          inputs_[t * 4 + d] = {false, Index(nx, ny) * 4 + opposite};
        } else {
          const int e = static_cast<int>(edges_.size());
          edges_.push_back(std::make_unique<EdgeLink>(x, y, static_cast<noc::Dir>(d), config.colors,
                                                      config.buffer_depth, config.edge_wavelets_per_cycle));
          edge_inputs_.push_back(t * 4 + d);
          edge_of_[t * 4 + d] = e;
          inputs_[t * 4 + d] = {true, e};
        }
      }
    }
  }
  edge_reached_.assign(edges_.size(), 0);
  if (options.threads < 1 || options.threads > 256) {
    throw std::invalid_argument(fmt::format("--threads {}: must be 1..256", options.threads));
  }
}

TileGrid::~TileGrid() {
  // Verilated scopes unregister from the thread's current context: make it this grid's.
  Verilated::threadContextp(context_.get());
  CloseTrace();
  tiles_.clear();
}

EdgeLink& TileGrid::Edge(int x, int y, noc::Dir dir) {
  const int d = static_cast<int>(dir);
  if (x < 0 || x >= Width() || y < 0 || y >= Height() || d > 3 || edge_of_[Index(x, y) * 4 + d] < 0) {
    throw std::invalid_argument(fmt::format("({},{}) {} is not a link off the {}x{} mesh", x, y, noc::DirName(dir),
                                            Width(), Height()));
  }
  const int e = edge_of_[Index(x, y) * 4 + d];
  Reach(e);
  return *edges_[e];
}

void TileGrid::ClearReachedEdges() {
  for (const int e : reached_edges_) edge_reached_[static_cast<size_t>(e)] = 0;
  reached_edges_.clear();
}

void TileGrid::Load(int x, int y, const isa::Program& program) { Tile(x, y).Load(program); }

void TileGrid::Start() {
  for (auto& t : tiles_) t->Release();
  cycle_ = 0;
  quiet_cycles_ = 0;
  status_ = RunStatus::Running;
  stop_reason_.clear();
}

bool TileGrid::CheckTilesAndRouters(const CycleScope& scope) {
  if (context_->gotError()) {
    stop_reason_ = fmt::format("an RTL assertion failed at cycle {} (the %Error line above names it)", cycle_);
    return false;
  }
  // Only visited tiles can have changed since they were last looked at; of the tiles with an
  // error, the first in mesh order is named.
  int first = -1;
  auto look = [&](int i) {
    if ((first < 0 || i < first) && (tiles_[i]->Error() != 0 || tiles_[i]->RouterErrorBits() != 0)) first = i;
  };
  for (const int i : scope.tiles) look(i);
  for (const int i : scope.sleeping_with_errors) look(i);
  if (first >= 0) {
    const FabricTile& t = *tiles_[first];
    if (t.Error() != 0) {
      stop_reason_ = fmt::format("tile ({},{}) halted with error {} ({}) at pc {} in cycle {}", t.X(), t.Y(),
                                 t.Error(), isa::ErrorName(t.Error()), t.Pc(), cycle_);
    } else {
      stop_reason_ = fmt::format("router of tile ({},{}): {} (by cycle {})", t.X(), t.Y(),
                                 noc::RouterErrorText(t.RouterErrorBits()), cycle_);
    }
    return false;
  }
  for (const auto& e : edges_) {
    if (!e->Problem().empty()) {
      stop_reason_ = e->Problem();
      return false;
    }
  }
  return true;
}

RunStatus TileGrid::EndCycle() {
  if (all_tiles_.size() != tiles_.size()) {
    all_tiles_.resize(tiles_.size());
    std::iota(all_tiles_.begin(), all_tiles_.end(), 0);
    all_edges_.resize(edges_.size());
    std::iota(all_edges_.begin(), all_edges_.end(), 0);
    all_status_.assign(tiles_.size(), 0);
  }
  // The tiles' SystemC processes do not record their status: it is read here.
  if (status_ == RunStatus::Running) {
    for (size_t i = 0; i < tiles_.size(); ++i) all_status_[i] = TileStatus(*tiles_[i]);
  }
  return EndCycle({all_tiles_, all_status_.data(), all_edges_, 0, no_tiles_, false});
}

RunStatus TileGrid::EndCycle(const CycleScope& scope) {
  if (status_ != RunStatus::Running) return status_;
  ++cycle_;
  bool moved = false, all_halted = true, buffered = false;
  for (const int i : scope.tiles) {
    const uint8_t s = scope.status[i];
    moved |= (s & kTileMoved) != 0;
    evaluations_ += (s & kTileEvaluated) != 0;
    all_halted &= (s & kTileHalted) != 0;
  }
  all_halted &= scope.sleeping_waiters == 0;
  for (const int e : scope.edges) moved |= edges_[e]->Moved();  // one not evaluated was idle
  moved |= scope.sleepers_due;  // a sleeping tile is replaying a tensor operation
  quiet_cycles_ = moved ? 0 : quiet_cycles_ + 1;
  // Errors are sticky: checking them every 64 cycles and at every stop costs little.
  const bool stopping = all_halted || quiet_cycles_ >= options_.watchdog_cycles || cycle_ >= options_.max_cycles;
  if ((cycle_ % 64 == 0 || stopping) && !CheckTilesAndRouters(scope)) return status_ = RunStatus::Failed;
  if (all_halted) {
    for (const int i : scope.tiles) buffered |= tiles_[i]->Buffered() || tiles_[i]->OutputPending();
    for (const auto& e : edges_) buffered |= e->PendingInjections() > 0 || e->Undrained() > 0;
    if (!buffered && !moved) {
      stop_reason_ = fmt::format("every tile halted and the fabric drained after {} cycles", cycle_);
      return status_ = RunStatus::Done;
    }
  }
  if (quiet_cycles_ >= options_.watchdog_cycles) {
    stop_reason_ = DeadlockText();
    return status_ = RunStatus::Deadlock;
  }
  if (cycle_ >= options_.max_cycles) {
    stop_reason_ = fmt::format("the cycle limit ({}) was reached before every tile halted", options_.max_cycles);
    return status_ = RunStatus::CycleLimit;
  }
  // Ctrl-C is seen at the end of the cycle it came in (one relaxed load); progress is by wall
  // time, the clock read at a stride that keeps the reads a few milliseconds apart.
  if (InterruptRequested()) {
    stop_reason_ = fmt::format("stopped by Ctrl-C after {} cycles; the figures are those so far", cycle_);
    return status_ = RunStatus::Interrupted;
  }
  if (options_.progress && progress_clock_.Due(cycle_)) options_.progress(*this);
  return RunStatus::Running;
}

std::vector<BlockedTile> TileGrid::BlockedTiles() const {
  std::vector<BlockedTile> v;
  for (const auto& t : tiles_) {
    if (t->LastActivity() == Activity::Halted) continue;
    v.push_back({t->X(), t->Y(), t->LastActivity(), t->WaitColor(), t->Pc(), t->Task()});
  }
  return v;
}

std::vector<FullBuffer> TileGrid::FullBuffers() const {
  std::vector<FullBuffer> v;
  for (const auto& t : tiles_) {
    for (int p = 0; p < 5; ++p) {
      const uint32_t full = t->FullColors(p);
      for (int c = 0; c < config_.colors && full != 0; ++c) {
        if ((full >> c) & 1) v.push_back({t->X(), t->Y(), static_cast<noc::Dir>(p), c});
      }
    }
  }
  return v;
}

std::string TileGrid::DeadlockText() const {
  std::string s = fmt::format("deadlock at cycle {}: nothing moved for {} cycles", cycle_, quiet_cycles_);
  const auto blocked = BlockedTiles();
  s += fmt::format("; {} tiles not halted", blocked.size());
  for (size_t i = 0; i < blocked.size() && i < kListed; ++i) {
    const auto& b = blocked[i];
    s += fmt::format("{} ({},{}) {}", i == 0 ? ":" : ",", b.x, b.y, ActivityName(b.activity));
    if (b.activity == Activity::WaitFabricIn || b.activity == Activity::WaitFabricOut) {
      s += fmt::format(" on color {}", b.color);
    }
    s += fmt::format(" at pc {}", b.pc);
  }
  if (blocked.size() > kListed) s += fmt::format(" and {} more", blocked.size() - kListed);
  const auto full = FullBuffers();
  if (!full.empty()) {
    s += fmt::format("; {} full buffers", full.size());
    for (size_t i = 0; i < full.size() && i < kListed; ++i) {
      s += fmt::format("{} ({},{}) {} color {}", i == 0 ? ":" : ",", full[i].x, full[i].y,
                       noc::DirName(full[i].port), full[i].color);
    }
    if (full.size() > kListed) s += fmt::format(" and {} more", full.size() - kListed);
  }
  for (const auto& e : edges_) {
    const std::string d = e->Describe();
    if (!d.empty()) s += "; " + d;
  }
  return s;
}

void TileGrid::OpenTrace(const std::string& path, int x0, int y0, int x1, int y1, uint64_t c0, uint64_t c1) {
  if (trace_) throw std::logic_error("trace already open");
  if (x0 < 0 || y0 < 0 || x1 >= Width() || y1 >= Height() || x0 > x1 || y0 > y1) {
    throw std::invalid_argument(fmt::format("--trace-region {},{}:{},{} is not inside the {}x{} mesh", x0, y0, x1, y1,
                                            Width(), Height()));
  }
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      if (Tile(x, y).Model() != TileModel::Rtl) {
        throw std::invalid_argument(fmt::format("--trace-region {},{}:{},{}: tile ({},{}) runs the fast model; waves "
                                                "come from RTL tiles (--tiles mixed with an --rtl-region that covers "
                                                "the traced tiles)",
                                                x0, y0, x1, y1, x, y));
      }
    }
  }
  trace_ = std::make_unique<VerilatedFstC>();
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) static_cast<RtlTile&>(Tile(x, y)).Trace(trace_.get());
  }
  trace_->open(path.c_str());
  if (!trace_->isOpen()) {
    trace_.reset();
    throw std::runtime_error(fmt::format("cannot open trace file {}", path));
  }
  trace_c0_ = c0;
  trace_c1_ = c1;
}

void TileGrid::CloseTrace() {
  if (trace_) {
    trace_->close();
    trace_.reset();
  }
}

void TileGrid::DumpTrace(bool after_edge) {
  if (!trace_ || cycle_ < trace_c0_ || cycle_ >= trace_c1_) return;
  trace_->dump(cycle_ * kTimePerCycle + (after_edge ? kTimePerCycle / 2 : 0));
}

}  // namespace wafersim::fabric
