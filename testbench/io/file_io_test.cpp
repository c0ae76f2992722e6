// The file reader and the atomic writer the command line uses (sw/io/file_io.h).
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "io/file_io.h"

namespace fs = std::filesystem;
using wafersim::io::FileError;
using wafersim::io::Printable;
using wafersim::io::ReadFile;
using wafersim::io::WriteFileAtomic;

namespace {

/// A fresh, empty folder for one test.
fs::path Folder(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("wafersim_file_io_test_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

size_t Entries(const fs::path& d) { return static_cast<size_t>(std::distance(fs::directory_iterator(d), {})); }

}  // namespace

TEST_CASE("Printable escapes control bytes and keeps the rest", "[io]") {
  CHECK(Printable("plain name.s") == "plain name.s");
  CHECK(Printable(std::string("a\x01\x1b[31m\n\x7f") + "\xc3\xa9") == "a\\x01\\x1b[31m\\x0a\\x7f\xc3\xa9");
}

TEST_CASE("ReadFile names the file and says why it cannot be read", "[io]") {
  const fs::path d = Folder("read");
  CHECK_THROWS_WITH(ReadFile(""), "the file name is empty");
  CHECK_THROWS_WITH(ReadFile((d / "nowhere.s").string()),
                    Catch::EndsWith("nowhere.s: cannot open the file: No such file or directory"));
  CHECK_THROWS_WITH(ReadFile(d.string()), Catch::EndsWith(": is a directory, not a file"));
  // Reading /proc/self/mem from its start fails with EIO, for root too.
  CHECK_THROWS_WITH(ReadFile("/proc/self/mem"), Catch::StartsWith("/proc/self/mem: cannot read the file: "));
  CHECK_THROWS_AS(ReadFile("/dev/null"), FileError);  // not a regular file
  std::ofstream(d / "a.s") << "halt\n";
  CHECK(ReadFile((d / "a.s").string()) == "halt\n");
}

TEST_CASE("WriteFileAtomic replaces a file whole and leaves nothing behind on failure", "[io]") {
  const fs::path d = Folder("write");
  const std::string path = (d / "out.json").string();
  WriteFileAtomic(path, "first\n");
  WriteFileAtomic(path, "second\n");
  CHECK(ReadFile(path) == "second\n");
  CHECK(Entries(d) == 1);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  CHECK((fs::status(path).permissions() & fs::perms::all) == static_cast<fs::perms>(0666 & ~mask));

  fs::create_directory(d / "dir");
  CHECK_THROWS_WITH(WriteFileAtomic((d / "dir").string(), "x", "--json"), Catch::EndsWith("dir: is a directory"));
  CHECK_THROWS_WITH(WriteFileAtomic((d / "nowhere" / "x.json").string(), "x", "--json"),
                    Catch::StartsWith("--json ") && Catch::Contains("cannot create a file in"));
  CHECK(Entries(d) == 2);  // out.json and dir: no temporary file left
  CHECK(fs::is_empty(d / "dir"));
}
