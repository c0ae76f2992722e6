// Files the command line reads and writes: one reader that names the file and says why it
// cannot be read, one writer that replaces a file whole or leaves it as it was, and one way
// to show user text (file names, flag values) in a message.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace wafersim::io {

/// A file that cannot be read or written; the message names it.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// `text` with its control bytes (and DEL) written as \xNN, so a message stays one line and
/// prints nothing raw to the terminal. Other bytes, UTF-8 included, are kept.
std::string Printable(std::string_view text);

/// The whole file at `path`. Throws FileError "PATH: why" when the name is empty, the file
/// does not exist or cannot be opened, is a directory or not a regular file, or a read fails.
std::string ReadFile(const std::string& path);

/// Writes `bytes` to a temporary file in `path`'s folder and renames it over `path`, so
/// `path` holds either its old content or all of the new; the temporary file is removed on
/// any failure. The file gets the usual permissions (0666 less the umask). Throws FileError
/// "LABEL PATH: why" (LABEL is the flag that named the file; it may be empty).
void WriteFileAtomic(const std::string& path, std::string_view bytes, const std::string& label = "");

}  // namespace wafersim::io
