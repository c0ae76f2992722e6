#include "sram_banks.h"

#include <algorithm>
#include <cstring>

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

std::vector<uint8_t>& SramBanks::Flat() const {
  if (flat_.empty()) {
    flat_.assign(static_cast<size_t>(cfg_.bytes), 0);
    for (size_t p = 0; p < pages_.size(); ++p) {
      if (pages_[p]) std::copy_n(pages_[p].get(), std::min<size_t>(kPageBytes, flat_.size() - p * kPageBytes), &flat_[p * kPageBytes]);
    }
    pages_.clear();
  }
  return flat_;
}

uint8_t* SramBanks::Writable(uint32_t addr) {
  if (!flat_.empty()) return &flat_[addr];
  if (pages_.empty()) pages_.resize((static_cast<size_t>(cfg_.bytes) + kPageBytes - 1) / kPageBytes);
  auto& page = pages_[addr / kPageBytes];
  if (!page) page = std::make_unique<uint8_t[]>(kPageBytes);  // value-initialised: zeros
  return page.get() + addr % kPageBytes;
}

void SramBanks::Store(uint32_t addr, const uint8_t* data, size_t n) {
  if (!flat_.empty()) {
    std::memcpy(&flat_[addr], data, n);
    return;
  }
  for (size_t i = 0; i < n;) {
    const size_t chunk = std::min<size_t>(n - i, kPageBytes - (addr + i) % kPageBytes);
    std::memcpy(Writable(static_cast<uint32_t>(addr + i)), data + i, chunk);
    i += chunk;
  }
}

void SramBanks::Clear() {
  pages_.clear();
  std::vector<uint8_t>().swap(flat_);
  std::fill(port_free_at_.begin(), port_free_at_.end(), 0);
  std::fill(pipe_due_.begin(), pipe_due_.end(), 0);
  std::fill(rdata_.begin(), rdata_.end(), 0);
  std::fill(grant_.begin(), grant_.end(), 1);
  if (rng_) rng_->seed(cfg_.seed);
  settled_ = false;
  cycle_ = 0;
  slot_ = 0;
  last_due_ = 0;
  reads_ = writes_ = 0;
  peak_ = 0;
}

void SramBanks::Edge(const std::vector<BankRequest>& requests) {
  uint32_t mask = 0;
  for (size_t b = 0; b < requests.size(); ++b) mask |= uint32_t{requests[b].valid} << b;
  Edge(requests.data(), mask);
}

void SramBanks::Edge(const BankRequest* req, uint32_t mask) {
  // Settled banks (every port free, no read in flight, no refusals) with nothing asked of
  // them stay as they are: only the cycle moves. Most tiles of a large run are like that.
  const size_t slots = static_cast<size_t>(cfg_.read_latency) + 1;
  if (settled_ && mask == 0) {
    ++cycle_;
    slot_ = slot_ + 1 == slots ? 0 : slot_ + 1;
    return;
  }
  const size_t banks = static_cast<size_t>(cfg_.banks), nports = static_cast<size_t>(cfg_.ports);
  // (cycle_ + ReadLatency) % slots, without a division: the slot before this cycle's.
  const size_t due_slot = slot_ == 0 ? slots - 1 : slot_ - 1;
  uint8_t* grant = grant_.data();
  uint64_t* free_at = port_free_at_.data();
  for (uint32_t m = mask; m != 0; m &= m - 1) {
    const size_t b = static_cast<size_t>(__builtin_ctz(m));
    const BankRequest& r = req[b];
    if (!grant[b]) continue;
    uint64_t* port = free_at + b * nports;
    while (*port > cycle_) ++port;  // the first free port (a granted bank has one)
    const size_t base = static_cast<size_t>(r.word) * 4;
    peak_ = std::max<uint32_t>(peak_, static_cast<uint32_t>(base + 4));
    if (r.write) {
      ++writes_;
      *port = cycle_ + static_cast<uint64_t>(cfg_.write_latency);
      uint8_t* bytes = Writable(static_cast<uint32_t>(base));
      for (int i = 0; i < 4; ++i) {
        if ((r.be >> i) & 1) bytes[i] = static_cast<uint8_t>(r.wdata >> (8 * i));
      }
    } else {
      ++reads_;
      *port = cycle_ + 1;
      last_due_ = cycle_ + static_cast<uint64_t>(cfg_.read_latency);
      pipe_data_[b * slots + due_slot] = ReadWord(static_cast<uint32_t>(base));
      pipe_due_[b * slots + due_slot] = last_due_;
    }
  }
  ++cycle_;
  slot_ = slot_ + 1 == slots ? 0 : slot_ + 1;
  const size_t now_slot = slot_;
  const uint64_t* due = pipe_due_.data() + now_slot;
  const uint32_t* data = pipe_data_.data() + now_slot;
  uint32_t* rdata = rdata_.data();
  for (size_t b = 0; b < banks; ++b) {
    if (due[b * slots] == cycle_) rdata[b] = data[b * slots];
  }
  // The common case, one port per bank and no refusals, without the general loop.
  if (nports == 1 && !rng_) {
    bool granted = true;
    for (size_t b = 0; b < banks; ++b) granted &= (grant[b] = free_at[b] <= cycle_);
    settled_ = granted && last_due_ <= cycle_;
    return;
  }
  settled_ = false;
  for (size_t b = 0; b < banks; ++b) {
    const uint64_t* ports = free_at + b * nports;
    const bool refused = rng_ && std::bernoulli_distribution(cfg_.refuse_probability)(*rng_);
    grant[b] = !refused && std::any_of(ports, ports + nports, [&](uint64_t t) { return t <= cycle_; });
  }
}

}  // namespace wafersim::fabric
