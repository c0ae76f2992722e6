// What the harnesses share. The readers take file names, so each input is written to a file in
// a folder of this process's own, removed when the process exits: under $TMPDIR, else in
// memory (/dev/shm, 15x faster than a disk's /tmp), else /tmp.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace wafersim::fuzz {

inline const std::filesystem::path& ScratchDir() {
  // Never destroyed, so the exit handler may still use it.
  static const std::filesystem::path* const dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    if ((tmp == nullptr || *tmp == '\0') && ::access("/dev/shm", W_OK) == 0) base = "/dev/shm";
    std::string pattern = base + "/wafersim-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create " + pattern);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return new std::filesystem::path(pattern);
  }();
  return *dir;
}

/// Writes `size` bytes to ScratchDir()/name and returns its path.
inline std::string WriteInput(const std::string& name, const uint8_t* data, size_t size) {
  const std::filesystem::path path = ScratchDir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  return path.string();
}

}  // namespace wafersim::fuzz
