#include "fabric_tile.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::fabric {

const char* ActivityName(Activity a) {
  switch (a) {
    case Activity::Busy: return "busy";
    case Activity::Idle: return "idle";
    case Activity::Halted: return "halted";
    case Activity::WaitFabricIn: return "waiting for fabric input";
    case Activity::WaitFabricOut: return "output backpressure";
    case Activity::WaitSram: return "SRAM bank conflict";
  }
  return "?";
}

void LoadProgramData(const isa::Program& program, int x, int y, SramBanks& sram) {
  sram.Clear();
  const size_t size = static_cast<size_t>(sram.Config().bytes);
  for (const auto& seg : program.data) {
    if (seg.addr + seg.bytes.size() > size) {
      throw std::invalid_argument(fmt::format("tile ({},{}): data at 0x{:x} ({} bytes) is beyond its {} bytes of SRAM",
                                              x, y, seg.addr, seg.bytes.size(), size));
    }
    sram.Store(seg.addr, seg.bytes.data(), seg.bytes.size());
    sram.NoteLoaded(static_cast<uint32_t>(seg.addr + seg.bytes.size()));
  }
}

}  // namespace wafersim::fabric
