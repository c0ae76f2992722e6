#include "sram_banks.h"

#include <algorithm>

namespace wafersim::fabric {

SramBanks::SramBanks(const SramBankConfig& config)
    : cfg_(config),
      port_free_at_(static_cast<size_t>(config.banks) * config.ports, 0),
      pipe_data_(static_cast<size_t>(config.banks) * (config.read_latency + 1), 0),
      pipe_due_(static_cast<size_t>(config.banks) * (config.read_latency + 1), 0),
      rdata_(static_cast<size_t>(config.banks), 0),
      grant_(static_cast<size_t>(config.banks), 1) {
  if (config.refuse_probability > 0) rng_ = std::make_unique<std::mt19937_64>(config.seed);
}

void SramBanks::Clear() {
  std::vector<uint8_t>().swap(bytes_);
  std::fill(port_free_at_.begin(), port_free_at_.end(), 0);
  std::fill(pipe_due_.begin(), pipe_due_.end(), 0);
  std::fill(rdata_.begin(), rdata_.end(), 0);
  std::fill(grant_.begin(), grant_.end(), 1);
  if (rng_) rng_->seed(cfg_.seed);
  cycle_ = 0;
  reads_ = writes_ = 0;
  peak_ = 0;
}

void SramBanks::Edge(const std::vector<BankRequest>& requests) {
  const int slots = cfg_.read_latency + 1;
  for (int b = 0; b < cfg_.banks; ++b) {
    const BankRequest& r = requests[b];
    if (!r.valid || !grant_[b]) continue;
    // The first free port of the bank takes the access.
    uint64_t* ports = &port_free_at_[static_cast<size_t>(b) * cfg_.ports];
    uint64_t* port = std::find_if(ports, ports + cfg_.ports, [&](uint64_t t) { return t <= cycle_; });
    const size_t base = static_cast<size_t>(r.word) * 4;
    peak_ = std::max<uint32_t>(peak_, static_cast<uint32_t>(base + 4));
    if (r.write) {
      ++writes_;
      *port = cycle_ + static_cast<uint64_t>(cfg_.write_latency);
      std::vector<uint8_t>& bytes = Allocated();
      for (int i = 0; i < 4; ++i) {
        if ((r.be >> i) & 1) bytes[base + i] = static_cast<uint8_t>(r.wdata >> (8 * i));
      }
    } else {
      ++reads_;
      *port = cycle_ + 1;
      uint32_t v = 0;
      if (!bytes_.empty()) {
        for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(bytes_[base + i]) << (8 * i);
      }
      const uint64_t due = cycle_ + static_cast<uint64_t>(cfg_.read_latency);
      const size_t slot = static_cast<size_t>(b) * slots + due % slots;
      pipe_data_[slot] = v;
      pipe_due_[slot] = due;
    }
  }
  ++cycle_;
  for (int b = 0; b < cfg_.banks; ++b) {
    const size_t slot = static_cast<size_t>(b) * slots + cycle_ % slots;
    if (pipe_due_[slot] == cycle_) rdata_[b] = pipe_data_[slot];
    const uint64_t* ports = &port_free_at_[static_cast<size_t>(b) * cfg_.ports];
    const bool refused = rng_ && std::bernoulli_distribution(cfg_.refuse_probability)(*rng_);
    grant_[b] = !refused && std::any_of(ports, ports + cfg_.ports, [&](uint64_t t) { return t <= cycle_; });
  }
}

}  // namespace wafersim::fabric
