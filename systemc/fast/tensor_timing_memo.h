// Timings of closed tensor operations, shared by every fast tile of the process. A closed
// operation's cycles (which stall, how long, what it leaves of the banks' ports) depend only
// on its shape (TensorTimingKey), never on the values, and a mapping runs the same shapes on
// many tiles (a GEMV: the same row dot product on every tile). The first tile steps the
// operation (TensorReplay) and keeps its timing here; the others take it and compute only
// the values (FastTensor::ComputeClosed).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "fast_tensor.h"
#include "sram_banks.h"

namespace wafersim::fabric {

/// One closed operation's cycles from settled banks.
struct TensorTiming {
  uint32_t length = 0;           ///< cycles, the last being the one it is done in
  std::vector<uint64_t> stalls;  ///< bit per cycle
  SramBanks::Control banks;      ///< what it leaves of the banks, and the accesses it made
};

class TensorTimingMemo {
 public:
  /// The process's memo (tiles on several threads share it).
  static TensorTimingMemo& Shared();
  std::shared_ptr<const TensorTiming> Find(const TensorTimingKey& key);
  void Insert(const TensorTimingKey& key, std::shared_ptr<const TensorTiming> timing);
  /// Forgets every timing (a benchmark's repeats each start cold).
  void Clear();
  uint64_t Hits() const { return hits_; }
  uint64_t Misses() const { return misses_; }

 private:
  struct KeyHash {
    size_t operator()(const TensorTimingKey& k) const { return k.Hash(); }
  };
  // Past this many shapes, or this many bytes of stall bits, the memo starts again (a long
  // run of ever-new shapes gains nothing from it, and must not grow without bound).
  static constexpr size_t kMaxEntries = 1 << 16;
  static constexpr size_t kMaxBytes = size_t{64} << 20;
  std::mutex mutex_;
  std::unordered_map<TensorTimingKey, std::shared_ptr<const TensorTiming>, KeyHash> entries_;
  size_t bytes_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace wafersim::fabric
