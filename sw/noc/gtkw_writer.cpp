#include "noc/gtkw_writer.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

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
  const std::string path = GtkwPathFor(trace_path);
  std::ofstream out(path);
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path));
  out << "[*] wafersim router mesh waves: one group per router R(x,y)\n";
  out << "[dumpfile] \"" << std::filesystem::path(trace_path).filename().string() << "\"\n";
  out << "[savefile] \"" << std::filesystem::path(path).filename().string() << "\"\n";
  out << "[timestart] 0\n";
  out << "*-9.000000 0 -1\n";  // zoom so cycles (1 ns each) are readable
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const std::string s = fmt::format("R_{}_{}.", x, y);
      out << kGroupOpen << "\n-R(" << x << "," << y << ")\n";
      Signal(out, kBin, s + "clk_i");
      out << kGroupOpen << "\n-inputs\n";
      Signal(out, kBin, s + "valid_i[4:0]");
      Signal(out, kHex, s + "flit_i[199:0]");
      out << kGroupClose << "\n-inputs\n";
      out << kGroupOpen << "\n-outputs\n";
      Signal(out, kBin, s + "valid_o[4:0]");
      Signal(out, kHex, s + "flit_o[199:0]");
      out << kGroupClose << "\n-outputs\n";
      out << kGroupOpen << "\n-credits\n";
      Signal(out, kHex, s + "credit_i[39:0]");
      Signal(out, kHex, s + "credit_o[39:0]");
      Signal(out, kHex, s + "nonempty_o[39:0]");
      Signal(out, kBin, s + "err_o[2:0]");
      out << kGroupClose << "\n-credits\n";
      out << kGroupClose << "\n-R(" << x << "," << y << ")\n";
    }
  }
  if (!out) throw std::runtime_error(fmt::format("write failed: {}", path));
}

}  // namespace wafersim::noc
