// The files one subcommand reads and writes, checked before any work is done, and the files
// it wrote removed again when it fails with an error afterwards.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace wafersim::cli {

/// A CLI11 check for options and arguments that name a file: the name must not be empty.
CLI::Validator FileName();

class CommandFiles {
 public:
  CommandFiles();
  /// Removes the files marked with Writing() when an exception leaves the scope this object
  /// lives in (the command failed after it started writing).
  ~CommandFiles();
  CommandFiles(const CommandFiles&) = delete;
  CommandFiles& operator=(const CommandFiles&) = delete;

  /// A file the command reads: `label` is the flag that named it, or empty for the argument.
  void Input(const std::string& label, const std::string& path);
  /// A file the command writes because of `flag` given `value`: the value itself, or a
  /// file derived from it (the .gtkw beside a trace, a PNG named from a prefix).
  void Output(const std::string& flag, const std::string& value, const std::string& path);
  void Output(const std::string& flag, const std::string& path) { Output(flag, path, path); }
  /// Throws std::runtime_error naming the flag when an output is an input or another output
  /// (paths compared resolved: links followed, `..` removed), or its folder does not exist or
  /// is not writable, or it is a directory or an existing file that is not a plain writable
  /// file.
  void Check() const;
  /// Marks an output as being written now.
  void Writing(const std::string& path);

 private:
  struct File {
    std::string flag, value, path, resolved;
  };
  static std::string Describe(const File& f);
  std::vector<File> inputs_, outputs_;
  std::vector<std::string> written_;
  int exceptions_;
};

}  // namespace wafersim::cli
