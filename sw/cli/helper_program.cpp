#include "cli/helper_program.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

extern char** environ;

namespace wafersim::cli {

namespace fs = std::filesystem;

std::string FindHelperScript(const std::string& flag, const std::string& name) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("{}: cannot find the wafersim binary to find {}: {}", flag, name, ec.message()));
  }
  const fs::path dir = exe.parent_path();
  const fs::path places[] = {dir / "scripts" / name, dir.parent_path() / "share" / "wafersim" / name};
  for (const auto& p : places) {
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  throw std::runtime_error(fmt::format("{}: {} is not beside the wafersim binary (looked for {} and {})", flag, name,
                                       places[0].string(), places[1].string()));
}

void RunHelper(const std::string& flag, const std::vector<std::string>& argv, const std::string& hint) {
  const std::string name = fs::path(argv.size() > 1 ? argv[1] : argv.at(0)).filename().string();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("{}: cannot start {}: {}", flag, name, std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(stdout);  // the helper's output follows ours
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (err != 0) {
    ::close(fds[0]);
    throw std::runtime_error(fmt::format("{}: cannot start {}: {}; {}", flag, argv[0], std::strerror(err), hint));
  }
  std::string errors;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    errors.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok) {
    std::fputs(errors.c_str(), stderr);
    return;
  }
  std::string last;  // the last line that says something, usually the reason
  for (size_t end = errors.size(); end > 0 && last.empty();) {
    const size_t start = errors.rfind('\n', end - 1);
    const size_t from = start == std::string::npos ? 0 : start + 1;
    last = errors.substr(from, end - from);
    while (!last.empty() && std::isspace(static_cast<unsigned char>(last.back()))) last.pop_back();
    end = start == std::string::npos ? 0 : start;
  }
  const std::string how = WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status))
                                            : fmt::format("killed by signal {}", WTERMSIG(status));
  throw std::runtime_error(
      fmt::format("{}: {} failed ({}){}; {}", flag, name, how, last.empty() ? "" : ": " + last, hint));
}

}  // namespace wafersim::cli
