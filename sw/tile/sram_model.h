// The tile's data SRAM as the simulator models it: word-interleaved banks, one word access
// per bank per cycle, reads returning ReadLatency cycles after they are served, byte enables
// on writes, and optional random refusals (grant low) to exercise the core's stalls.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace wafersim::tile {

struct SramConfig {
  int bytes = 48 * 1024;
  int banks = 8;
  int read_latency = 1;
  double refuse_probability = 0.0;  ///< chance a bank refuses (grant low) in a cycle
  uint64_t seed = 1;
};

class SramModel {
 public:
  explicit SramModel(const SramConfig& config)
      : cfg_(config), bytes_(static_cast<size_t>(config.bytes), 0),
        pipes_(static_cast<size_t>(config.banks)), rdata_(static_cast<size_t>(config.banks), 0),
        grant_(static_cast<size_t>(config.banks), true), rng_(config.seed) {}

  std::vector<uint8_t>& Bytes() { return bytes_; }
  const std::vector<uint8_t>& Bytes() const { return bytes_; }
  /// What mem_rdata_i[bank] and mem_gnt_i[bank] show this cycle.
  uint32_t ReadData(int bank) const { return rdata_[bank]; }
  bool Grant(int bank) const { return grant_[bank]; }

  /// The clock edge: serve this cycle's granted requests, then move to the next cycle.
  /// `word` is the word address (byte address / 4).
  struct Request {
    bool valid = false;
    bool write = false;
    uint32_t word = 0;
    uint32_t wdata = 0;
    uint8_t be = 0;
  };
  void Edge(const std::vector<Request>& req) {
    for (int b = 0; b < cfg_.banks; ++b) {
      const Request& r = req[b];
      if (!r.valid || !grant_[b]) continue;
      ++accesses_;
      const size_t base = static_cast<size_t>(r.word) * 4;
      if (r.write) {
        for (int i = 0; i < 4; ++i) {
          if ((r.be >> i) & 1) bytes_[base + i] = static_cast<uint8_t>(r.wdata >> (8 * i));
        }
      } else {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(bytes_[base + i]) << (8 * i);
        pipes_[b].push_back({cycle_ + static_cast<uint64_t>(cfg_.read_latency), v});
      }
    }
    ++cycle_;
    for (int b = 0; b < cfg_.banks; ++b) {
      auto& p = pipes_[b];
      if (!p.empty() && p.front().due == cycle_) {
        rdata_[b] = p.front().data;
        p.pop_front();
      }
      grant_[b] = cfg_.refuse_probability <= 0 || !std::bernoulli_distribution(cfg_.refuse_probability)(rng_);
    }
  }

  uint64_t Accesses() const { return accesses_; }

 private:
  struct Pending {
    uint64_t due;
    uint32_t data;
  };
  SramConfig cfg_;
  std::vector<uint8_t> bytes_;
  std::vector<std::deque<Pending>> pipes_;
  std::vector<uint32_t> rdata_;
  std::vector<bool> grant_;
  std::mt19937_64 rng_;
  uint64_t cycle_ = 0;
  uint64_t accesses_ = 0;
};

}  // namespace wafersim::tile
