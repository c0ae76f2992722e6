// GTKWave save files for fabric traces: one group per tile T(x,y) with its core (pc, task,
// state, why it waits), its four links (in and out) and its SRAM bank ports.
#pragma once

#include <string>

namespace wafersim::fabric {

/// Writes the save file (waves::SaveFilePathFor(trace_path)) for tiles [x0..x1] x [y0..y1] traced into `trace_path`.
void WriteFabricGtkw(const std::string& trace_path, int x0, int y0, int x1, int y1);

}  // namespace wafersim::fabric
