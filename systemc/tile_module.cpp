#include "tile_module.h"

namespace wafersim::fabric {

TileModule::TileModule(sc_core::sc_module_name name, FabricTile& tile) : sc_module(name), tile_(tile) {
  SC_HAS_PROCESS(TileModule);
  SC_METHOD(Evaluate);
  sensitive << clk.pos();
  dont_initialize();
  SC_METHOD(Update);
  sensitive << clk.neg();
  dont_initialize();
}

void TileModule::Evaluate() {
  const std::array<const LinkBundle*, 4> inputs = {&in[0].read(), &in[1].read(), &in[2].read(), &in[3].read()};
  tile_.Evaluate(inputs, next_);
  for (int d = 0; d < 4; ++d) out[d].write(next_[d]);
}

void TileModule::Update() { tile_.Update(); }

}  // namespace wafersim::fabric
