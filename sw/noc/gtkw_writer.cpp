#include "noc/gtkw_writer.h"

#include <filesystem>

#include <fmt/format.h>

#include "gtkw.h"
#include "noc/router_mesh.h"
#include "wavelet.h"

namespace wafersim::noc {

void WriteGtkwSaveFile(const std::string& trace_path, int x0, int y0, int x1, int y1) {
  using waves::Fmt;
  static const char* const kPort[] = {"North", "East", "South", "West", "Local"};
  waves::GtkwFile f(waves::SaveFilePathFor(trace_path), trace_path,
                    "wafersim router mesh waves: one group per router R(x,y)");
  f.Zoom(-14);  // about 40 cycles (1 ns each) across the window
  // One trace per port, named for the port.
  auto per_port = [&](const std::string& s, const char* sig, int width, const char* what) {
    for (int p = 0; p < kNumPorts; ++p) {
      f.Signal(Fmt::Hex, fmt::format("{}{}[{}][{}:0]", s, sig, p, width - 1),
               fmt::format("{} {}", kPort[p], what));
    }
  };
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const std::string s = fmt::format("R_{}_{}.", x, y);
      f.Group(fmt::format("R({},{})", x, y), [&] {
        f.Signal(Fmt::Bin, s + "clk_i");
        f.Group("inputs", [&] {
          f.Signal(Fmt::Bin, s + "valid_i[4:0]");
          per_port(s, "flit_i", kFlitBits, "in");
        });
        f.Group("outputs", [&] {
          f.Signal(Fmt::Bin, s + "valid_o[4:0]");
          per_port(s, "flit_o", kFlitBits, "out");
        });
        f.Group("credits", [&] {
          per_port(s, "credit_i", CompiledColors(), "credit in");
          per_port(s, "credit_o", CompiledColors(), "credit out");
          per_port(s, "nonempty_o", CompiledColors(), "buffered");
          f.Signal(Fmt::Bin, s + "err_o[2:0]");
        });
      });
    }
  }
  f.Close();
}

}  // namespace wafersim::noc
