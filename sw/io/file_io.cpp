#include "io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace wafersim::io {

namespace {

std::string Why(int err) { return std::strerror(err); }

/// The mode a new file gets from open(2) with 0666: mkstemp makes 0600.
mode_t NewFileMode() {
  static const mode_t mode = [] {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return static_cast<mode_t>(0666 & ~mask);
  }();
  return mode;
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      out += fmt::format("\\x{:02x}", b);
    } else {
      out += c;
    }
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  if (path.empty()) throw FileError("the file name is empty");
  const std::string name = Printable(path);
  // O_NONBLOCK: a FIFO is refused below rather than waited on.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw FileError(fmt::format("{}: cannot open the file: {}", name, Why(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool dir = S_ISDIR(st.st_mode);
    ::close(fd);
    throw FileError(fmt::format("{}: {}", name, dir ? "is a directory, not a file" : "not a regular file"));
  }
  std::string text;
  std::vector<char> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw FileError(fmt::format("{}: cannot read the file: {}", name, Why(err)));
    }
    if (n == 0) break;
    text.append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

void WriteFileAtomic(const std::string& path, std::string_view bytes, const std::string& label) {
  namespace fs = std::filesystem;
  const std::string who = label.empty() ? Printable(path) : fmt::format("{} {}", label, Printable(path));
  if (path.empty()) throw FileError(fmt::format("{}: the file name is empty", label.empty() ? "output" : label));
  const fs::path p(path);
  std::error_code ec;
  if (p.filename().empty() || fs::is_directory(p, ec)) throw FileError(fmt::format("{}: is a directory", who));
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string hidden = fmt::format(".{}.XXXXXX", p.filename().string());  // mkstemp fills in the Xs
  std::string tmp = (dir / hidden).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    throw FileError(fmt::format("{}: cannot create a file in {}: {}", who, Printable(dir.string()), Why(errno)));
  }
  const auto fail = [&](const std::string& what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw FileError(fmt::format("{}: {}: {}", who, what, Why(err)));
  };
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write failed", errno);
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd, NewFileMode()) != 0) fail("cannot set permissions", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw FileError(fmt::format("{}: write failed: {}", who, Why(err)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw FileError(fmt::format("{}: cannot replace the file: {}", who, Why(err)));
  }
}

}  // namespace wafersim::io
