#include "cli/command_files.h"

#include <unistd.h>

#include <exception>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

namespace wafersim::cli {

namespace fs = std::filesystem;

namespace {

std::string Resolve(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  if (ec) p = fs::absolute(path, ec).lexically_normal();
  return p.string();
}

bool SameFile(const std::string& a_path, const std::string& a_resolved, const std::string& b_path,
              const std::string& b_resolved) {
  if (a_resolved == b_resolved) return true;
  std::error_code ec;
  return fs::equivalent(a_path, b_path, ec) && !ec;  // hard links to one file
}

}  // namespace

CLI::Validator FileName() {
  return CLI::Validator(
      [](std::string& s) { return s.empty() ? std::string("the file name is empty") : std::string(); }, "");
}

CommandFiles::CommandFiles() : exceptions_(std::uncaught_exceptions()) {}

CommandFiles::~CommandFiles() {
  if (std::uncaught_exceptions() <= exceptions_) return;
  for (const auto& path : written_) {
    std::error_code ec;
    fs::remove(path, ec);
  }
}

void CommandFiles::Input(const std::string& label, const std::string& path) {
  if (!path.empty()) inputs_.push_back({label, path, path, Resolve(path)});
}

void CommandFiles::Output(const std::string& flag, const std::string& value, const std::string& path) {
  if (!path.empty()) outputs_.push_back({flag, value, path, Resolve(path)});
}

std::string CommandFiles::Describe(const File& f) {
  return f.path == f.value ? fmt::format("{} {}", f.flag, f.value) : fmt::format("{} {} ({})", f.flag, f.value, f.path);
}

void CommandFiles::Check() const {
  const auto fail = [](const File& o, const std::string& why) {
    throw std::invalid_argument(fmt::format("{}: {}", Describe(o), why));
  };
  for (size_t i = 0; i < outputs_.size(); ++i) {
    const File& o = outputs_[i];
    for (const File& in : inputs_) {
      if (SameFile(o.path, o.resolved, in.path, in.resolved)) {
        fail(o, fmt::format("would overwrite the {} file {}", in.flag.empty() ? "input" : in.flag, in.path));
      }
    }
    for (size_t k = 0; k < i; ++k) {
      const File& other = outputs_[k];
      if (SameFile(o.path, o.resolved, other.path, other.resolved)) {
        fail(o, fmt::format("would overwrite the output of {}", Describe(other)));
      }
    }
  }
  for (const File& o : outputs_) {
    const fs::path p(o.path);
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (p.filename().empty() || fs::is_directory(st)) fail(o, "is a directory");
    const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    const fs::file_status dst = fs::status(dir, ec);
    if (!fs::exists(dst)) fail(o, fmt::format("the folder {} does not exist", dir.string()));
    if (!fs::is_directory(dst)) fail(o, fmt::format("{} is not a folder", dir.string()));
    if (::access(dir.c_str(), W_OK | X_OK) != 0) fail(o, fmt::format("the folder {} is not writable", dir.string()));
    if (fs::exists(st) && !fs::is_regular_file(st)) fail(o, "not a regular file");
    if (fs::exists(st) && ::access(p.c_str(), W_OK) != 0) fail(o, "the file is not writable");
  }
}

void CommandFiles::Writing(const std::string& path) {
  if (!path.empty()) written_.push_back(path);
}

}  // namespace wafersim::cli
