#include "noc/gtkw_writer.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "noc/router_mesh.h"
#include "noc/wavelet.h"

namespace wafersim::noc {

namespace {

// GTKWave flag words: a group is a blank "comment" trace opened (0x22200) and closed (0x1401200).
constexpr const char* kGroupOpen = "@800200";
constexpr const char* kGroupClose = "@1000200";
constexpr const char* kHex = "@22";
constexpr const char* kBin = "@28";

void Signal(std::ofstream& out, const char* format, const std::string& name) {
  out << format << "\n" << name << "\n";
}

}  // namespace

std::string GtkwPathFor(const std::string& trace_path) {
  std::filesystem::path p(trace_path);
  p.replace_extension(".gtkw");
  return p.string();
}

void WriteGtkwSaveFile(const std::string& trace_path, int x0, int y0, int x1, int y1) {
  static const char* const kPort[] = {"North", "East", "South", "West", "Local"};
  const std::string path = GtkwPathFor(trace_path);
  std::ofstream out(path);
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path));
  out << "[*] wafersim router mesh waves: one group per router R(x,y)\n";
  out << "[dumpfile] \"" << std::filesystem::path(trace_path).filename().string() << "\"\n";
  out << "[savefile] \"" << std::filesystem::path(path).filename().string() << "\"\n";
  out << "[timestart] 0\n";
  out << "*-14.000000 0 -1\n";  // about 40 cycles (1 ns each) across the window
  auto group = [&](const std::string& name, auto&& body) {
    out << kGroupOpen << "\n-" << name << "\n";
    body();
    out << kGroupClose << "\n-" << name << "\n";
  };
  // One trace per port, named for the port: "+{alias} signal".
  auto per_port = [&](const std::string& s, const char* sig, int width, const char* what) {
    for (int p = 0; p < 5; ++p) {
      out << kHex << "\n+{" << kPort[p] << " " << what << "} " << s << sig << "[" << p << "]["
          << width - 1 << ":0]\n";
    }
  };
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const std::string s = fmt::format("R_{}_{}.", x, y);
      group(fmt::format("R({},{})", x, y), [&] {
        Signal(out, kBin, s + "clk_i");
        group("inputs", [&] {
          Signal(out, kBin, s + "valid_i[4:0]");
          per_port(s, "flit_i", kFlitBits, "in");
        });
        group("outputs", [&] {
          Signal(out, kBin, s + "valid_o[4:0]");
          per_port(s, "flit_o", kFlitBits, "out");
        });
        group("credits", [&] {
          per_port(s, "credit_i", CompiledColors(), "credit in");
          per_port(s, "credit_o", CompiledColors(), "credit out");
          per_port(s, "nonempty_o", CompiledColors(), "buffered");
          Signal(out, kBin, s + "err_o[2:0]");
        });
      });
    }
  }
  if (!out) throw std::runtime_error(fmt::format("write failed: {}", path));
}

}  // namespace wafersim::noc
