// An edge link as a SystemC module: it reads the boundary tile's output signal and drives the
// tile's input signal at the rising clock edge.
#pragma once

#include <systemc>

#include "edge_link.h"

namespace wafersim::fabric {

class TileGrid;

class EdgeModule : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk;
  sc_core::sc_in<LinkBundle> from_tile;
  sc_core::sc_out<LinkBundle> to_tile;

  EdgeModule(sc_core::sc_module_name name, EdgeLink& link, const TileGrid& grid);

 private:
  void Evaluate();

  EdgeLink& link_;
  const TileGrid& grid_;
};

}  // namespace wafersim::fabric
