#include "fabric_waves.h"

#include <filesystem>

#include <fmt/format.h>

#include "gtkw.h"
#include "rtl_tile.h"

namespace wafersim::fabric {

void WriteFabricGtkw(const std::string& trace_path, int x0, int y0, int x1, int y1) {
  using waves::Fmt;
  static const char* const kDir[] = {"North", "East", "South", "West"};
  const CompiledTile tile = CompiledTileParameters();
  waves::GtkwFile g(waves::SaveFilePathFor(trace_path), trace_path, "wafersim fabric waves: one group per tile T(x,y)");
  g.Zoom(-14);
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const std::string t = fmt::format("T_{}_{}.", x, y), core = t + "pe_tile.u_core.";
      g.Group(fmt::format("T({},{})", x, y), [&] {
        g.Signal(Fmt::Bin, t + "clk_i");
        g.Group("core", [&] {
          g.Signal(Fmt::Dec, t + "pc_o[15:0]", "pc");
          g.Signal(Fmt::Dec, t + "task_o[4:0]", "task");
          g.Signal(Fmt::Dec, core + "state_q[2:0]", "state (0 exec 1 load 2 tensor 3 dispatch 4 halted)");
          g.Signal(Fmt::Dec, t + "wait_o[1:0]", "wait (1 fabric in 2 fabric out 3 SRAM)");
          g.Signal(Fmt::Dec, t + "wait_color_o[4:0]", "wait color");
          g.Signal(Fmt::Bin, t + "retire_o", "retire");
          g.Signal(Fmt::Bin, t + "halted_o", "halted");
          g.Signal(Fmt::Dec, t + "err_o[2:0]", "err");
        });
        g.Group("links", [&] {
          g.Signal(Fmt::Bin, t + "valid_i[3:0]", "in valid (W S E N)");
          g.Signal(Fmt::Bin, t + "valid_o[3:0]", "out valid (W S E N)");
          for (int d = 0; d < 4; ++d) {
            g.Signal(Fmt::Hex, fmt::format("{}flit_i[{}][39:0]", t, d), fmt::format("{} in", kDir[d]));
            g.Signal(Fmt::Hex, fmt::format("{}flit_o[{}][39:0]", t, d), fmt::format("{} out", kDir[d]));
          }
          for (int d = 0; d < 4; ++d) {
            g.Signal(Fmt::Bin, fmt::format("{}credit_i[{}][{}:0]", t, d, tile.colors - 1),
                     fmt::format("{} credits in", kDir[d]));
          }
          g.Signal(Fmt::Bin, t + "core_rx_valid_o", "router -> core valid");
          g.Signal(Fmt::Hex, t + "core_rx_flit_o[39:0]", "router -> core");
        });
        g.Group("SRAM banks", [&] {
          g.Signal(Fmt::Bin, fmt::format("{}mem_req_o[{}:0]", t, tile.banks - 1), "req");
          g.Signal(Fmt::Bin, fmt::format("{}mem_we_o[{}:0]", t, tile.banks - 1), "write");
          g.Signal(Fmt::Bin, fmt::format("{}mem_gnt_i[{}:0]", t, tile.banks - 1), "grant");
        });
      });
    }
  }
  g.Close();
}

}  // namespace wafersim::fabric
