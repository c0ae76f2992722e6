// n items over p parts as evenly as possible, the first parts one larger: how every plan
// shares rows, columns, tokens and elements among its tiles.
#pragma once

#include <algorithm>
#include <cstdint>

namespace wafersim::runtime {

/// Part i has Share(n, p, i) items from Start(n, p, i).
inline int64_t Share(int64_t n, int64_t p, int64_t i) { return n / p + (i < n % p ? 1 : 0); }
inline int64_t Start(int64_t n, int64_t p, int64_t i) { return i * (n / p) + std::min<int64_t>(i, n % p); }

}  // namespace wafersim::runtime
