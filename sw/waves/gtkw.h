// Writing GTKWave save files (.gtkw): the dump file named relative to the save file, groups
// of traces, aliases, display formats and translate filters.
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>

namespace wafersim::waves {

/// Display formats (GTKWave trace flags).
enum class Fmt : uint32_t {
  Hex = 0x22,      // right-justified hexadecimal
  Bin = 0x28,      // right-justified binary
  Dec = 0x24,      // right-justified decimal
};

/// The save file beside a trace: "waves.fst" -> "waves.gtkw".
std::string SaveFilePathFor(const std::string& trace_path);

class GtkwFile {
 public:
  /// A save file for a dump at `dump_path` (only its file name is recorded); it is written
  /// whole by Close(), or not at all.
  GtkwFile(const std::string& save_path, const std::string& dump_path, const std::string& title);
  /// Sets the initial zoom (GTKWave's log scale; -14 shows about 40 ns).
  void Zoom(double level);
  /// A trace; `alias` (if any) is the name shown.
  void Signal(Fmt fmt, const std::string& name, const std::string& alias = "");
  /// A trace shown through a translate filter file (value text -> text), e.g. disassembly.
  void Translated(Fmt fmt, const std::string& name, const std::string& filter_file,
                  const std::string& alias = "");
  /// A group of traces, open, around what `body` writes.
  void Group(const std::string& name, const std::function<void()>& body);
  /// Writes the file (replacing it whole); throws naming the path if it cannot.
  void Close();

 private:
  std::string path_;
  std::ostringstream out_;
  int filters_ = 0;
};

}  // namespace wafersim::waves
