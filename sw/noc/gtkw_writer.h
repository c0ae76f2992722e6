// GTKWave save files for router-mesh traces: one group per router R(x,y) with its inputs,
// outputs and credits, so the waves open already organised.
#pragma once

#include <string>

namespace wafersim::noc {

/// Writes the save file for routers [x0..x1] x [y0..y1] traced into `trace_path`. The dump
/// file is named relative to the save file, so both can be moved together.
void WriteGtkwSaveFile(const std::string& trace_path, int x0, int y0, int x1, int y1);

}  // namespace wafersim::noc
