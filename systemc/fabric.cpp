#include "fabric.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "edge_module.h"
#include "tile_module.h"

namespace wafersim::fabric {

namespace {
bool g_elaborated = false;

sc_core::sc_time ClockPeriod(double hz) {
  // Whole picoseconds: SystemC's default time resolution.
  return sc_core::sc_time(std::max(2.0, std::round(1e12 / hz)), sc_core::SC_PS);
}
}  // namespace

Fabric::Fabric(sc_core::sc_module_name name, TileGrid& grid)
    : sc_module(name), grid_(grid), clock_("clk", ClockPeriod(grid.Config().clock_hz), 0.5, sc_core::SC_ZERO_TIME, true) {
  if (g_elaborated) {
    throw std::logic_error("a process can hold one SystemC fabric (SystemC elaborates once)");
  }
  g_elaborated = true;
  const int n = grid.Tiles();
  for (int t = 0; t < n * 4; ++t) {
    tile_out_.push_back(std::make_unique<sc_core::sc_signal<LinkBundle>>(
        fmt::format("t{}_{}_{}", t / 4 % grid.Width(), t / 4 / grid.Width(), "NESW"[t % 4]).c_str()));
  }
  for (int e = 0; e < grid.EdgeCount(); ++e) {
    edge_out_.push_back(std::make_unique<sc_core::sc_signal<LinkBundle>>(fmt::format("edge{}", e).c_str()));
  }
  for (int t = 0; t < n; ++t) {
    FabricTile& tile = grid.TileAt(t);
    auto m = std::make_unique<TileModule>(fmt::format("tile_{}_{}", tile.X(), tile.Y()).c_str(), tile);
    m->clk(clock_);
    for (int d = 0; d < 4; ++d) {
      const TileGrid::Source s = grid.InputOf(t, d);
      m->in[d](s.from_edge ? *edge_out_[s.index] : *tile_out_[s.index]);
      m->out[d](*tile_out_[t * 4 + d]);
    }
    tiles_.push_back(std::move(m));
  }
  for (int e = 0; e < grid.EdgeCount(); ++e) {
    EdgeLink& link = grid.EdgeAt(e);
    auto m = std::make_unique<EdgeModule>(
        fmt::format("edge_{}_{}_{}", link.X(), link.Y(), noc::DirName(link.Direction())).c_str(), link, grid);
    m->clk(clock_);
    m->from_tile(*tile_out_[grid.EdgeInput(e)]);
    m->to_tile(*edge_out_[e]);
    edges_.push_back(std::move(m));
  }
  SC_HAS_PROCESS(Fabric);
  SC_METHOD(Monitor);
  sensitive << clock_.posedge_event() << clock_.negedge_event();
  dont_initialize();
}

Fabric::~Fabric() = default;

// Runs twice per clock edge: at the edge it asks to run again one delta later, when every
// tile and edge has run its process for that edge.
void Fabric::Monitor() {
  if (!settle_) {
    settle_ = true;
    next_trigger(sc_core::SC_ZERO_TIME);
    return;
  }
  settle_ = false;
  const bool after_edge = clock_.read() == false;  // the falling edge: tiles took their clock edge
  if (grid_.Tracing()) grid_.DumpTrace(after_edge);
  if (after_edge) {
    status_ = grid_.EndCycle();
    if (status_ != RunStatus::Running) sc_core::sc_pause();
  }
  next_trigger();  // back to the clock edges
}

RunStatus Fabric::Run() {
  status_ = RunStatus::Running;
  sc_core::sc_start();
  return status_;
}

}  // namespace wafersim::fabric
