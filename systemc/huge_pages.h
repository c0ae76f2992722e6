// Transparent huge pages for the tiles' state. A wafer's fast tiles hold gigabytes in small
// objects, so a cycle that visits the active tiles misses the TLB on nearly every one; with
// 2 MB pages the same run on 128x128 tiles went from 20.3 s to 14.6 s (docs/architecture.md).
// glibc's malloc asks for huge pages only when told at start-up (GLIBC_TUNABLES), so the
// program starts itself once more with the tunable set.
#pragma once

namespace wafersim::fabric {

/// Call first thing in main: unless GLIBC_TUNABLES already names glibc.malloc.hugetlb or
/// WAFERSIM_SMALL_PAGES is set, re-executes this program with glibc.malloc.hugetlb=1 added.
/// Returns (doing nothing) where that cannot be done.
void UseHugePages(char** argv);

}  // namespace wafersim::fabric
