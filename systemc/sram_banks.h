// A tile's data SRAM as the fabric models it: word-interleaved banks, each with a number of
// ports; a read holds a port for one cycle and returns its data ReadLatency cycles after it
// is served, a write holds its port for WriteLatency cycles. A bank with no free port shows
// its grant low, so the requester stalls (the tile counts those cycles as bank conflicts).
// The runtime loads and dumps it through a backdoor that takes no cycles. The bytes live in
// pages allocated on first write: a wafer has ~900,000 tiles and most hold a few hundred bytes.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

namespace wafersim::fabric {

struct SramBankConfig {
  int bytes = 48 * 1024;
  int banks = 8;
  int read_latency = 1;   ///< cycles from a served read to its data
  int write_latency = 1;  ///< cycles a write holds its bank port
  int ports = 1;          ///< ports per bank
  /// Testbenches only: the chance a bank refuses (grant low) in a cycle, from `seed`, to
  /// exercise the requester's stalls.
  double refuse_probability = 0.0;
  uint64_t seed = 1;
};

/// One cycle's access to a bank, as the tile's bank port drives it.
struct BankRequest {
  bool valid = false;
  bool write = false;
  uint32_t word = 0;  ///< word address (byte address / 4)
  uint32_t wdata = 0;
  uint8_t be = 0;
};

class SramBanks {
 public:
  explicit SramBanks(const SramBankConfig& config);

  /// What mem_rdata_i[bank] and mem_gnt_i[bank] show this cycle.
  uint32_t ReadData(int bank) const { return rdata_[bank]; }
  bool Grant(int bank) const { return (grant_ >> bank) & 1; }
  /// Serves this cycle's requests (one per bank; the RTL asks only when granted), then moves
  /// to the next cycle.
  void Edge(const std::vector<BankRequest>& requests);
  /// The same, where only the banks in `mask` hold valid requests (the others are not read).
  void Edge(const BankRequest* requests, uint64_t mask);
  /// Every port free, no read in flight, no refusals: a cycle without requests changes
  /// nothing but the cycle count.
  bool Settled() const { return settled_; }
  /// `cycles` cycles without requests on settled banks.
  void SkipSettled(uint64_t cycles) {
    cycle_ += cycles;
    slot_ = static_cast<size_t>(cycle_ % (static_cast<uint64_t>(cfg_.read_latency) + 1));
  }

  /// What a run of cycles leaves of the banks' control (ports, grants), relative to its last
  /// cycle, when no read is left in flight: with it a run whose timing is known (a tensor
  /// operation memoised by TensorTimingMemo) moves the banks without stepping them.
  struct Control {
    static constexpr int kBanks = 16;
    std::array<uint32_t, kBanks> port_busy{};  ///< per bank: cycles until its port is free
    uint64_t grant = ~uint64_t{0};
    bool settled = true;
    uint64_t reads = 0, writes = 0;  ///< accesses served during the run
  };
  /// One port per bank, no refusals, at most Control::kBanks banks, and settled: the state a
  /// memoised run may start from (every such state steps alike).
  bool PlainAndSettled() const {
    return cfg_.ports == 1 && !rng_ && cfg_.banks <= Control::kBanks && settled_;
  }
  /// The control now, after a run that served `reads` and `writes`; false when a read is
  /// still in flight (the state then holds data a Control does not keep).
  bool SaveControl(uint64_t reads, uint64_t writes, Control& c) const;
  /// Moves `cycles` cycles on to the state a run saved (PlainAndSettled before it); the
  /// accesses' data are the caller's, through the backdoor.
  void Advance(uint64_t cycles, const Control& c);

  // The backdoor.
  uint32_t ReadWord(uint32_t addr) const {
    const uint8_t* p = Readable(addr);
    uint32_t v = 0;
    if (p) std::memcpy(&v, p, 4);  // words never straddle a page
    return v;
  }
  void Store(uint32_t addr, const uint8_t* data, size_t n);
  /// The whole SRAM as one array, for small harnesses that poke and compare it: from the first
  /// call on, the banks keep their bytes there instead of in pages.
  std::vector<uint8_t>& Bytes() { return Flat(); }
  const std::vector<uint8_t>& Bytes() const { return Flat(); }
  /// Zeros everything and gives the bytes' memory back.
  void Clear();
  /// Marks [0, end) as in use (loaded data counts toward the peak).
  void NoteLoaded(uint32_t end) { if (end > peak_) peak_ = end; }

  uint64_t Reads() const { return reads_; }
  uint64_t Writes() const { return writes_; }
  /// Highest byte address + 1 that was loaded or accessed: the SRAM the run needed.
  uint32_t PeakBytes() const { return peak_; }
  const SramBankConfig& Config() const { return cfg_; }

 private:
  static constexpr uint32_t kPageBytes = 1024;
  std::vector<uint8_t>& Flat() const;
  /// The byte at `addr` for writing (allocating its page).
  uint8_t* Writable(uint32_t addr);
  /// The byte at `addr`, or nullptr where nothing was ever written (it reads as zero).
  const uint8_t* Readable(uint32_t addr) const {
    const uint32_t p = addr / kPageBytes;
    for (uint32_t i = 0; i < kSeen; ++i) {
      if (seen_page_[i] == p) return seen_bytes_[i] + addr % kPageBytes;
    }
    return LookUp(addr);
  }
  /// Readable through the page table, remembering the page found.
  const uint8_t* LookUp(uint32_t addr) const;

  SramBankConfig cfg_;
  // Pages (empty until the first write; a null page holds zeros), or, once Bytes() was
  // asked, one flat array.
  mutable std::vector<std::unique_ptr<uint8_t[]>> pages_;
  mutable std::vector<uint8_t> flat_;
  // The per-bank state in one block, so a cycle touches few cache lines (a wafer steps
  // ~900,000 of these): ports' first free cycles, read data in flight by slot, read data shown.
  std::unique_ptr<uint64_t[]> block_;
  uint64_t* port_free_at_ = nullptr;  // [bank * ports + port]
  uint32_t* pipe_data_ = nullptr;     // [slot * banks + bank]: read data due when the slot shows
  uint32_t* rdata_ = nullptr;         // [bank]
  uint64_t grant_ = ~uint64_t{0};     // bit per bank
  // The last pages accesses found, so that most accesses skip the page table, another cache
  // line (a tensor stream reads a page's 256 words in a row, and a step reads and writes up
  // to three streams): their indices (kNoPage: none) and bytes, replaced in turn.
  static constexpr uint32_t kNoPage = ~0u;
  static constexpr uint32_t kSeen = 4;
  mutable std::array<uint32_t, kSeen> seen_page_{kNoPage, kNoPage, kNoPage, kNoPage};
  mutable std::array<uint8_t*, kSeen> seen_bytes_{};
  mutable uint32_t seen_next_ = 0;
  static constexpr int kMaxSlots = 17;                // ReadLatency + 1, latency at most 16
  std::array<uint64_t, kMaxSlots> pipe_banks_{};      // per slot: the banks whose data it holds
  std::unique_ptr<std::mt19937_64> rng_;  // only with refusals: its state is 2.5 KB
  bool settled_ = false;  // see Edge
  uint64_t cycle_ = 0;
  size_t slot_ = 0;        // cycle_ % (ReadLatency + 1): the pipe slot of data showing now
  uint64_t last_due_ = 0;  // the cycle the latest read in flight shows its data
  uint64_t reads_ = 0, writes_ = 0;
  uint32_t peak_ = 0;
};

}  // namespace wafersim::fabric
