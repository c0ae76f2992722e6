#include "tensor_replay.h"

#include <algorithm>
#include <array>

namespace wafersim::fabric {

std::shared_ptr<TensorTiming> TensorReplay::Step(FastTensor& tensor, SramBanks& sram) {
  auto timing = std::make_shared<TensorTiming>();
  std::array<BankRequest, kFastMaxBanks> req{};
  const uint32_t rx_head[kFastMaxColors] = {};
  masks_.clear();
  first_.clear();
  requests_.clear();
  uint32_t length = 0;
  for (bool done = false; !done; ++length) {
    // No fabric operand: the receive queues and send credits are never looked at.
    const TensorOutputs& o = tensor.Evaluate(sram, 0, rx_head, 0, req.data());
    if (length % 64 == 0) timing->stalls.push_back(0);
    timing->stalls.back() |= uint64_t{o.stall} << (length % 64);
    done = o.done;
    result_ = o.result;
    const uint32_t mask = o.req_mask;
    if (keep_requests_) {
      masks_.push_back(mask);
      first_.push_back(static_cast<uint32_t>(requests_.size()));
      for (uint32_t m = mask; m != 0; m &= m - 1) requests_.push_back(req[__builtin_ctz(m)]);
    }
    tensor.Update();
    sram.Edge(req.data(), mask);
    for (uint32_t m = mask; m != 0; m &= m - 1) req[__builtin_ctz(m)].valid = false;
  }
  timing->length = length;
  return timing;
}

void TensorReplay::Record(FastTensor& tensor, SramBanks& sram) {
  pos_ = 0;
  const bool memo = !keep_requests_ && sram.PlainAndSettled() && tensor.TimingIndependentOfValues();
  TensorTimingKey key;
  if (memo) {
    key = tensor.TimingKey(sram.Config());
    if (auto known = TensorTimingMemo::Shared().Find(key)) {
      result_ = tensor.ComputeClosed(sram);
      sram.Advance(known->length, known->banks);
      length_ = known->length;
      timing_ = std::move(known);
      ++memo_hits_;
      return;
    }
  }
  const uint64_t reads = sram.Reads(), writes = sram.Writes();
  std::shared_ptr<TensorTiming> stepped = Step(tensor, sram);
  length_ = stepped->length;
  if (memo && sram.SaveControl(sram.Reads() - reads, sram.Writes() - writes, stepped->banks)) {
    TensorTimingMemo::Shared().Insert(key, stepped);
  }
  timing_ = std::move(stepped);
}

uint32_t TensorReplay::Advance(uint32_t cycles) {
  uint32_t stalls = 0;
  const uint32_t end = pos_ + std::min(cycles, length_ - pos_);  // never past the operation
  while (pos_ < end) {
    const uint32_t bit = pos_ % 64, take = std::min<uint32_t>(64 - bit, end - pos_);
    const uint64_t word = timing_->stalls[pos_ / 64] >> bit;
    stalls += static_cast<uint32_t>(__builtin_popcountll(take == 64 ? word : word & ((uint64_t{1} << take) - 1)));
    pos_ += take;
  }
  return stalls;
}

uint32_t TensorReplay::RequestsNow(BankRequest* req) const {
  const uint32_t mask = masks_[pos_];
  uint32_t i = first_[pos_];
  for (uint32_t m = mask; m != 0; m &= m - 1) req[__builtin_ctz(m)] = requests_[i++];
  return mask;
}

}  // namespace wafersim::fabric
