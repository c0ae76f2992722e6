#include "plain_scheduler.h"

#include <algorithm>

namespace wafersim::fabric {

PlainScheduler::PlainScheduler(TileGrid& grid)
    : grid_(grid),
      tiles_(grid.AllTiles().data()),
      edges_(grid.AllEdges().data()),
      inputs_(grid.Inputs().data()) {
  const size_t n = static_cast<size_t>(grid.Tiles()), edges = static_cast<size_t>(grid.EdgeCount());
  if (grid.Options().threads > 1 && grid.RtlTiles() == 0) pool_ = std::make_unique<StepPool>(grid.Options().threads);
  tile_out_.assign(n, {});
  tile_out_next_ = tile_out_;
  edge_out_.assign(edges, {});
  edge_out_next_ = edge_out_;
  active_.resize(n);
  for (size_t t = 0; t < n; ++t) active_[t] = static_cast<int>(t);
  edge_listed_.assign(edges, 0);
  edge_idle_runs_.assign(edges, 0);
  for (size_t e = 0; e < edges; ++e) ListEdge(static_cast<int>(e));
  grid.ClearReachedEdges();
  tile_status_.assign(n, 0);
  listed_.assign(n, 0);
  skipped_runs_.assign(n, 0);
  asleep_since_.assign(n, kAwake);
}

PlainScheduler::~PlainScheduler() = default;

RunStatus PlainScheduler::Run() {
  RunStatus status;
  do {
    status = Step();
  } while (status == RunStatus::Running);
  return status;
}

RunStatus PlainScheduler::Step() {
  // Links whose owner reached for them may have wavelets to send.
  if (!grid_.ReachedEdges().empty()) {
    for (const int e : grid_.ReachedEdges()) ListEdge(e);
    grid_.ClearReachedEdges();
  }
  // Below this many tiles a cycle's work does not pay for waking the other threads.
  constexpr size_t kTilesPerThread = 512;
  const int workers = pool_ && active_.size() >= kTilesPerThread * 2 ? pool_->Threads() : 1;
  auto range = [&](int w) {
    const size_t n = active_.size();
    return std::pair{n * w / workers, n * (w + 1) / workers};
  };
  // Tiles see each other only through the links, which hold last cycle's outputs until the
  // swap below: so each tile can take its clock edge (Update) right after its own Evaluate,
  // while its state is still in the cache, and no tile sees another's new registers. Only a
  // trace, which shows every tile between the two, needs them apart.
  const bool fused = !grid_.Tracing() && !grid_.Options().split_phases;
  auto evaluate = [&](int w) {
    std::array<const LinkBundle*, 4> in;
    const auto [begin, end] = range(w);
    for (size_t i = begin; i < end; ++i) {
      const int t = active_[i];
      for (int d = 0; d < 4; ++d) {
        const TileGrid::Source s = inputs_[static_cast<size_t>(t) * 4 + d];
        in[d] = s.from_edge ? &edge_out_[s.index] : &TileOut(s.index);
      }
      FabricTile& tile = *tiles_[t];
      tile.Evaluate(in, tile_out_next_[static_cast<size_t>(t)]);
      tile_status_[t] = TileStatus(tile);
      if (fused) tile.Update();
    }
  };
  auto update = [&](int w) {
    const auto [begin, end] = range(w);
    for (size_t i = begin; i < end; ++i) tiles_[active_[i]]->Update();
  };
  if (workers > 1) {
    pool_->Run(evaluate);
  } else {
    evaluate(0);
  }
  // An edge's failure is kept in its Problem(), which EndCycle reports.
  const uint64_t cycle = grid_.Cycle();
  for (const int e : active_edges_) edges_[e]->Evaluate(TileOut(grid_.EdgeInput(e)), edge_out_next_[e], cycle);
  if (!fused) {
    grid_.DumpTrace(false);
    if (workers > 1) {
      pool_->Run(update);
    } else {
      update(0);
    }
    grid_.DumpTrace(true);
  }
  tile_out_.swap(tile_out_next_);
  edge_out_.swap(edge_out_next_);
  const RunStatus status = grid_.EndCycle({active_, tile_status_.data(), active_edges_, sleeping_waiters_,
                                           asleep_with_errors_, !wake_times_.empty()});
  ScheduleNextCycle();
  // A stopped run's statistics count the cycles sleeping tiles sat out.
  if (status != RunStatus::Running) WakeAll();
  return status;
}

void PlainScheduler::ScheduleNextCycle() {
  const uint64_t cycle = grid_.Cycle();
  const bool tracing = grid_.Tracing();
  next_active_.clear();
  auto list = [&](int t) {
    if (listed_[t]) return;
    listed_[t] = 1;
    if (asleep_since_[t] != kAwake) Wake(t, cycle);
    next_active_.push_back(t);
  };
  // Sleepers due to run this cycle.
  while (!wake_times_.empty() && wake_times_.top().cycle <= cycle) {
    const WakeTime w = wake_times_.top();
    wake_times_.pop();
    if (asleep_since_[w.tile] == w.asleep_since) list(w.tile);
  }
  // Edge links: an idle one leaves the list after two idle cycles (both its bundles are then
  // quiet); one its tile drives comes back (below). Only listed links can have driven a tile.
  edges_now_.swap(active_edges_);
  active_edges_.clear();
  for (const int e : edges_now_) edge_listed_[e] = 0;
  for (const int e : edges_now_) {
    edge_idle_runs_[e] = edges_[e]->Idle() ? static_cast<uint8_t>(std::min(edge_idle_runs_[e] + 1, 2)) : 0;
    if (edge_idle_runs_[e] < 2) ListEdge(e);
    if (!edge_out_[e].Quiet()) list(grid_.EdgeInput(e) / 4);
  }
  for (const int t : active_) {
    const bool dormant = tile_status_[t] & kTileDormant;
    skipped_runs_[t] = dormant ? static_cast<uint8_t>(std::min(skipped_runs_[t] + 1, 2)) : 0;
    if (skipped_runs_[t] < 2 || tracing || tiles_[t]->DormantCycles() == 0) list(t);
    const auto& out = tile_out_[static_cast<size_t>(t)];
    for (int d = 0; d < 4; ++d) {
      if (out[d].Quiet()) continue;
      // The link's far end: the tile or edge link whose input it is.
      const TileGrid::Source s = inputs_[static_cast<size_t>(t) * 4 + d];
      if (s.from_edge) {
        ListEdge(s.index);
      } else {
        list(s.index / 4);
      }
    }
  }
  // What was not listed goes to sleep now. A sleeping tile changes no more, so its errors are
  // looked at once here rather than at every check (a wafer has ~900,000 tiles, most asleep).
  for (const int t : active_) {
    if (listed_[t]) continue;
    asleep_since_[t] = cycle;
    const uint64_t may_skip = tiles_[t]->DormantCycles();
    if (may_skip != FabricTile::kDormantForever) wake_times_.push({cycle + may_skip, t, cycle});
    sleeping_waiters_ += !(tile_status_[t] & kTileHalted);
    if (tiles_[t]->Error() != 0 || tiles_[t]->RouterErrorBits() != 0) asleep_with_errors_.push_back(t);
  }
  // The visiting order changes no result (every tile reads last cycle's links only).
  for (const int t : next_active_) listed_[t] = 0;
  active_.swap(next_active_);
}

void PlainScheduler::Wake(int t, uint64_t cycle) {
  FabricTile& tile = *tiles_[t];
  tile.SkipCycles(cycle - asleep_since_[t]);
  sleeping_waiters_ -= tile.LastActivity() != Activity::Halted;
  asleep_since_[t] = kAwake;
  skipped_runs_[t] = 0;
}

void PlainScheduler::WakeAll() {
  for (size_t t = 0; t < asleep_since_.size(); ++t) {
    if (asleep_since_[t] != kAwake) {
      Wake(static_cast<int>(t), grid_.Cycle());
      active_.push_back(static_cast<int>(t));
    }
  }
}

}  // namespace wafersim::fabric
