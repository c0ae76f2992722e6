#include "edge_module.h"

#include "tile_grid.h"

namespace wafersim::fabric {

EdgeModule::EdgeModule(sc_core::sc_module_name name, EdgeLink& link, const TileGrid& grid)
    : sc_module(name), link_(link), grid_(grid) {
  SC_HAS_PROCESS(EdgeModule);
  SC_METHOD(Evaluate);
  sensitive << clk.pos();
  dont_initialize();
}

void EdgeModule::Evaluate() {
  LinkBundle next;
  link_.Evaluate(from_tile.read(), next, grid_.Cycle());
  to_tile.write(next);
}

}  // namespace wafersim::fabric
