// The SystemC wafer fabric: one clock, one module per tile (the Verilated RTL tile with its
// SRAM banks) and per edge link, and one signal per tile output carrying a link's wavelet and
// credits. Each cycle, at the rising clock edge every tile and edge evaluates from last
// cycle's signals and writes this cycle's; at the falling edge every tile takes its clock
// edge; a delta cycle later the monitor closes the cycle (done, deadlock, errors, tracing).
// SystemC elaborates once per process, so a process holds at most one Fabric.
#pragma once

#include <memory>
#include <vector>

#include <systemc>

#include "tile_grid.h"

namespace wafersim::fabric {

class TileModule;
class EdgeModule;

class Fabric : public sc_core::sc_module {
 public:
  /// Builds the modules and signals around `grid`, which must outlive the Fabric.
  Fabric(sc_core::sc_module_name name, TileGrid& grid);
  ~Fabric() override;

  /// Runs from the grid's current state until it stops (done, deadlock, failure or the cycle
  /// limit in the grid's options).
  RunStatus Run();

 private:
  void Monitor();

  TileGrid& grid_;
  sc_core::sc_clock clock_;
  std::vector<std::unique_ptr<sc_core::sc_signal<LinkBundle>>> tile_out_;  // tile * 4 + dir
  std::vector<std::unique_ptr<sc_core::sc_signal<LinkBundle>>> edge_out_;
  std::vector<std::unique_ptr<TileModule>> tiles_;
  std::vector<std::unique_ptr<EdgeModule>> edges_;
  bool settle_ = false;  // the monitor's next activation is the delta after a clock edge
  RunStatus status_ = RunStatus::Running;
};

}  // namespace wafersim::fabric
