// GTKWave save file for a single-tile trace: the core (pc shown as disassembled
// instructions through a translate filter, task, state, registers), the SRAM bank ports,
// the router's Local port and the mesh links.
#pragma once

#include <string>

#include "isa/program.h"

namespace wafersim::tile {

/// The translate filter beside a trace: "t.fst" -> "t.pc.txt".
std::string PcFilterPathFor(const std::string& trace_path);
/// Writes FILE.gtkw and FILE.pc.txt (pc -> "pc: instruction") beside `trace_path`.
void WriteTileWaves(const std::string& trace_path, const isa::Program& program);

}  // namespace wafersim::tile
