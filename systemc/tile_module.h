// A tile as a SystemC module: its four link inputs and outputs are signals, its RTL tile
// evaluates at the rising clock edge and takes its own clock edge at the falling one.
#pragma once

#include <array>

#include <systemc>

#include "link_bundle.h"
#include "fabric_tile.h"

namespace wafersim::fabric {

class TileModule : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk;
  std::array<sc_core::sc_in<LinkBundle>, 4> in;    ///< North, East, South, West
  std::array<sc_core::sc_out<LinkBundle>, 4> out;

  TileModule(sc_core::sc_module_name name, FabricTile& tile);

 private:
  void Evaluate();
  void Update();

  FabricTile& tile_;
  std::array<LinkBundle, 4> next_{};
};

}  // namespace wafersim::fabric
