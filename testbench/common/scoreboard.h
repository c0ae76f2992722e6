// Expected-wavelet queues per (destination, color, source): every wavelet must arrive once,
// at the right destination, in order per source and color; nothing may arrive unexpected.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>

#include <fmt/format.h>

namespace wafersim::tb {

class Scoreboard {
 public:
  void Expect(int dest, int color, int source, uint32_t payload) {
    queues_[{dest, color, source}].push_back(payload);
    ++outstanding_;
  }

  /// Returns an empty string when the wavelet was the next one expected, else what is wrong.
  std::string Observe(int dest, int color, int source, uint32_t payload) {
    auto it = queues_.find({dest, color, source});
    if (it == queues_.end() || it->second.empty()) {
      return fmt::format("unexpected wavelet 0x{:08x} at destination {} color {} from source {}",
                         payload, dest, color, source);
    }
    if (it->second.front() != payload) {
      return fmt::format("out of order at destination {} color {} from source {}: got 0x{:08x}, "
                         "expected 0x{:08x}", dest, color, source, payload, it->second.front());
    }
    it->second.pop_front();
    --outstanding_;
    ++delivered_;
    return {};
  }

  uint64_t Outstanding() const { return outstanding_; }
  uint64_t Delivered() const { return delivered_; }
  std::string DescribeOutstanding() const {
    std::string s;
    for (const auto& [key, q] : queues_) {
      if (q.empty()) continue;
      const auto& [d, c, src] = key;
      s += fmt::format("{}{} missing at destination {} color {} from source {}", s.empty() ? "" : "; ",
                       q.size(), d, c, src);
    }
    return s;
  }

 private:
  std::map<std::tuple<int, int, int>, std::deque<uint32_t>> queues_;
  uint64_t outstanding_ = 0;
  uint64_t delivered_ = 0;
};

}  // namespace wafersim::tb
