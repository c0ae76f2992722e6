#include "sram_banks.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::fabric {

SramBanks::SramBanks(const SramBankConfig& config) : cfg_(config) {
  if (config.banks < 1 || config.banks > 64 || config.ports < 1 || config.read_latency < 1 ||
      config.read_latency + 1 > kMaxSlots) {
    throw std::invalid_argument(fmt::format("sram: {} banks, {} ports, read latency {}: need 1..64 banks, a port, "
                                            "latency 1..{}", config.banks, config.ports, config.read_latency,
                                            kMaxSlots - 1));
  }
  const size_t banks = static_cast<size_t>(config.banks);
  const size_t free_words = banks * static_cast<size_t>(config.ports);
  const size_t data_words = banks * static_cast<size_t>(config.read_latency + 1) + banks;  // pipe, then rdata
  block_ = std::make_unique<uint64_t[]>(free_words + (data_words + 1) / 2);  // zeroed
  port_free_at_ = block_.get();
  pipe_data_ = reinterpret_cast<uint32_t*>(block_.get() + free_words);
  rdata_ = pipe_data_ + banks * static_cast<size_t>(config.read_latency + 1);
  if (config.refuse_probability > 0) rng_ = std::make_unique<std::mt19937_64>(config.seed);
}

std::vector<uint8_t>& SramBanks::Flat() const {
  if (flat_.empty()) {
    flat_.assign(static_cast<size_t>(cfg_.bytes), 0);
    for (size_t p = 0; p < pages_.size(); ++p) {
      if (pages_[p]) std::copy_n(pages_[p].get(), std::min<size_t>(kPageBytes, flat_.size() - p * kPageBytes), &flat_[p * kPageBytes]);
    }
    pages_.clear();
    seen_page_.fill(kNoPage);  // their pages are gone
  }
  return flat_;
}

const uint8_t* SramBanks::LookUp(uint32_t addr) const {
  const uint32_t p = addr / kPageBytes;
  uint8_t* bytes = nullptr;
  if (!flat_.empty()) {
    bytes = &flat_[static_cast<size_t>(p) * kPageBytes];
  } else if (!pages_.empty() && pages_[p]) {
    bytes = pages_[p].get();
  }
  if (!bytes) return nullptr;
  seen_page_[seen_next_] = p;
  seen_bytes_[seen_next_] = bytes;
  seen_next_ = (seen_next_ + 1) % kSeen;
  return bytes + addr % kPageBytes;
}

uint8_t* SramBanks::Writable(uint32_t addr) {
  const uint32_t p = addr / kPageBytes;
  for (uint32_t i = 0; i < kSeen; ++i) {
    if (seen_page_[i] == p) return seen_bytes_[i] + addr % kPageBytes;
  }
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
  seen_page_.fill(kNoPage);
  std::vector<uint8_t>().swap(flat_);
  const size_t banks = static_cast<size_t>(cfg_.banks);
  std::fill_n(port_free_at_, banks * static_cast<size_t>(cfg_.ports), 0);
  std::fill_n(pipe_data_, banks * static_cast<size_t>(cfg_.read_latency + 2), 0);  // and rdata_
  pipe_banks_ = {};
  grant_ = ~uint64_t{0};
  if (rng_) rng_->seed(cfg_.seed);
  settled_ = false;
  cycle_ = 0;
  slot_ = 0;
  last_due_ = 0;
  reads_ = writes_ = 0;
  peak_ = 0;
}

bool SramBanks::SaveControl(uint64_t reads, uint64_t writes, Control& c) const {
  if (last_due_ > cycle_ || cfg_.ports != 1 || cfg_.banks > Control::kBanks) return false;
  for (uint64_t bits : pipe_banks_) {
    if (bits != 0) return false;
  }
  for (int b = 0; b < cfg_.banks; ++b) {
    c.port_busy[b] = port_free_at_[b] > cycle_ ? static_cast<uint32_t>(port_free_at_[b] - cycle_) : 0;
  }
  c.grant = grant_;
  c.settled = settled_;
  c.reads = reads;
  c.writes = writes;
  return true;
}

void SramBanks::Advance(uint64_t cycles, const Control& c) {
  cycle_ += cycles;
  slot_ = static_cast<size_t>(cycle_ % (static_cast<uint64_t>(cfg_.read_latency) + 1));
  for (int b = 0; b < cfg_.banks; ++b) port_free_at_[b] = cycle_ + c.port_busy[b];
  grant_ = c.grant;
  settled_ = c.settled;
  reads_ += c.reads;
  writes_ += c.writes;
}

void SramBanks::Edge(const std::vector<BankRequest>& requests) {
  uint64_t mask = 0;
  for (size_t b = 0; b < requests.size(); ++b) mask |= uint64_t{requests[b].valid} << b;
  Edge(requests.data(), mask);
}

void SramBanks::Edge(const BankRequest* req, uint64_t mask) {
  const size_t slots = static_cast<size_t>(cfg_.read_latency) + 1;
  // Settled banks (every port free, no read in flight, no refusals) with nothing asked of
  // them stay as they are: only the cycle moves. Most tiles of a large run are like that.
  if (settled_ && mask == 0) {
    ++cycle_;
    slot_ = slot_ + 1 == slots ? 0 : slot_ + 1;
    return;
  }
  const size_t banks = static_cast<size_t>(cfg_.banks), nports = static_cast<size_t>(cfg_.ports);
  // (cycle_ + ReadLatency) % slots, without a division: the slot before this cycle's.
  const size_t due_slot = slot_ == 0 ? slots - 1 : slot_ - 1;
  for (uint64_t m = mask & grant_; m != 0; m &= m - 1) {
    const size_t b = static_cast<size_t>(__builtin_ctzll(m));
    const BankRequest& r = req[b];
    uint64_t* port = port_free_at_ + b * nports;
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
      pipe_data_[due_slot * banks + b] = ReadWord(static_cast<uint32_t>(base));
      pipe_banks_[due_slot] |= uint64_t{1} << b;
    }
  }
  ++cycle_;
  slot_ = slot_ + 1 == slots ? 0 : slot_ + 1;
  // The reads due now show their data (with latency 1, those served just above).
  const uint32_t* data = pipe_data_ + slot_ * banks;
  for (uint64_t m = pipe_banks_[slot_]; m != 0; m &= m - 1) {
    const int b = __builtin_ctzll(m);
    rdata_[b] = data[b];
  }
  pipe_banks_[slot_] = 0;
  // The common case, one port per bank and no refusals, without the general loop.
  if (nports == 1 && !rng_) {
    uint64_t granted = 0;
    for (size_t b = 0; b < banks; ++b) granted |= uint64_t{port_free_at_[b] <= cycle_} << b;
    grant_ = granted | (banks == 64 ? 0 : ~uint64_t{0} << banks);
    settled_ = grant_ == ~uint64_t{0} && last_due_ <= cycle_;
    return;
  }
  settled_ = false;
  uint64_t granted = banks == 64 ? 0 : ~uint64_t{0} << banks;
  for (size_t b = 0; b < banks; ++b) {
    const uint64_t* ports = port_free_at_ + b * nports;
    const bool refused = rng_ && std::bernoulli_distribution(cfg_.refuse_probability)(*rng_);
    if (!refused && std::any_of(ports, ports + nports, [&](uint64_t t) { return t <= cycle_; })) granted |= uint64_t{1} << b;
  }
  grant_ = granted;
}

}  // namespace wafersim::fabric
