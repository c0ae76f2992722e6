// A closed tensor operation (FastTensor::Closed: SRAM operands only) run ahead to its end
// in one go, then replayed cycle by cycle. While the core is in its Tensor state the
// datapath is the banks' only user and it reads nothing else the tile changes, so the whole
// operation can be computed the moment it starts, and the per-cycle facts the rest of the
// tile sees (a stall or not, done and its result) kept. The tile then replays them; a tile
// whose router is quiet sleeps through them (FastTile, PlainScheduler's wake-up times).
//
// Running ahead either steps the datapath and the banks together in a tight loop, with
// their state in the cache, or, for a shape some tile already stepped from settled banks
// (TensorTimingMemo), takes that timing and computes only the values.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "fast_tensor.h"
#include "sram_banks.h"
#include "tensor_timing_memo.h"

namespace wafersim::fabric {

class TensorReplay {
 public:
  /// Runs the operation `tensor` just started (Closed()) to its end on `sram`, from the
  /// next cycle on: both are left as they will be after the operation's last cycle (but for
  /// the read word each bank last showed, which nothing takes after its cycle).
  void Record(FastTensor& tensor, SramBanks& sram);

  bool Active() const { return pos_ < length_; }
  /// The operation's cycles, the last being the one it is done in.
  uint32_t Length() const { return length_; }
  /// Cycles of the operation replayed so far.
  uint32_t Position() const { return pos_; }
  bool StallNow() const { return Stall(pos_); }
  bool StalledBefore() const { return pos_ > 0 && Stall(pos_ - 1); }
  bool DoneNow() const { return pos_ + 1 == length_; }
  uint32_t Result() const { return result_; }
  /// Moves on `cycles` cycles (not past the last); returns the stalls among them.
  uint32_t Advance(uint32_t cycles);
  void Clear() {
    pos_ = length_ = 0;
    timing_.reset();
  }
  /// Keep every cycle's bank requests too, for lockstep harnesses that compare them (every
  /// operation is then stepped).
  void SetKeepRequests(bool on) { keep_requests_ = on; }
  bool KeepsRequests() const { return keep_requests_; }
  /// The current cycle's bank requests (kept ones), written into `req`; returns their mask.
  uint32_t RequestsNow(BankRequest* req) const;
  /// Operations whose timing came from the memo.
  uint64_t MemoHits() const { return memo_hits_; }

 private:
  bool Stall(uint32_t i) const { return (timing_->stalls[i / 64] >> (i % 64)) & 1; }
  /// Steps the operation; returns its timing.
  std::shared_ptr<TensorTiming> Step(FastTensor& tensor, SramBanks& sram);

  std::shared_ptr<const TensorTiming> timing_;
  uint32_t length_ = 0, pos_ = 0;
  uint32_t result_ = 0;
  uint64_t memo_hits_ = 0;
  bool keep_requests_ = false;
  std::vector<uint32_t> masks_;         // kept: per cycle, the banks requested
  std::vector<uint32_t> first_;         // kept: per cycle, its first entry in requests_
  std::vector<BankRequest> requests_;   // kept: in bank order within a cycle
};

}  // namespace wafersim::fabric
