#include "huge_pages.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace wafersim::fabric {

void UseHugePages(char** argv) {
  if (std::getenv("WAFERSIM_SMALL_PAGES") != nullptr) return;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.hugetlb") != nullptr) return;
  std::string value = tunables != nullptr ? tunables : "";
  if (!value.empty()) value += ':';
  value += "glibc.malloc.hugetlb=1";
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Only reached when the exec failed: go on with small pages.
}

}  // namespace wafersim::fabric
