#include "waves/gtkw.h"

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "io/file_io.h"

namespace wafersim::waves {

std::string SaveFilePathFor(const std::string& trace_path) {
  std::filesystem::path p(trace_path);
  p.replace_extension(".gtkw");
  return p.string();
}

namespace {
// A group is a blank trace opened (0x800200) and closed (0x1000200); a file-translated
// trace carries 0x2000.
constexpr uint32_t kGroupOpen = 0x800200, kGroupClose = 0x1000200, kFileTranslated = 0x2000;
}  // namespace

GtkwFile::GtkwFile(const std::string& save_path, const std::string& dump_path,
                   const std::string& title)
    : path_(save_path) {
  out_ << "[*] " << title << "\n";
  out_ << "[dumpfile] \"" << std::filesystem::path(dump_path).filename().string() << "\"\n";
  out_ << "[savefile] \"" << std::filesystem::path(save_path).filename().string() << "\"\n";
  out_ << "[timestart] 0\n";
}

void GtkwFile::Zoom(double level) { out_ << fmt::format("*{:.6f} 0 -1\n", level); }

void GtkwFile::Signal(Fmt f, const std::string& name, const std::string& alias) {
  out_ << fmt::format("@{:x}\n", static_cast<uint32_t>(f));
  out_ << (alias.empty() ? name : fmt::format("+{{{}}} {}", alias, name)) << "\n";
}

void GtkwFile::Translated(Fmt f, const std::string& name, const std::string& filter_file,
                          const std::string& alias) {
  out_ << fmt::format("@{:x}\n", static_cast<uint32_t>(f) | kFileTranslated);
  out_ << fmt::format("^{} {}\n", ++filters_, filter_file);
  out_ << (alias.empty() ? name : fmt::format("+{{{}}} {}", alias, name)) << "\n";
}

void GtkwFile::Group(const std::string& name, const std::function<void()>& body) {
  out_ << fmt::format("@{:x}\n-{}\n", kGroupOpen, name);
  body();
  out_ << fmt::format("@{:x}\n-{}\n", kGroupClose, name);
}

void GtkwFile::Close() { io::WriteFileAtomic(path_, out_.str()); }

}  // namespace wafersim::waves
