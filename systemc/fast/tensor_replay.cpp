#include "tensor_replay.h"

#include <algorithm>
#include <array>

namespace wafersim::fabric {

void TensorReplay::Record(FastTensor& tensor, SramBanks& sram) {
  std::array<BankRequest, kFastMaxBanks> req{};
  const uint32_t rx_head[kFastMaxColors] = {};
  stalls_.clear();
  masks_.clear();
  first_.clear();
  requests_.clear();
  length_ = pos_ = 0;
  for (bool done = false; !done; ++length_) {
    // No fabric operand: the receive queues and send credits are never looked at.
    const TensorOutputs& o = tensor.Evaluate(sram, 0, rx_head, 0, req.data());
    if (length_ % 64 == 0) stalls_.push_back(0);
    stalls_.back() |= uint64_t{o.stall} << (length_ % 64);
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
}

uint32_t TensorReplay::Advance(uint32_t cycles) {
  uint32_t stalls = 0;
  const uint32_t end = pos_ + cycles;
  while (pos_ < end) {
    const uint32_t bit = pos_ % 64, take = std::min<uint32_t>(64 - bit, end - pos_);
    const uint64_t word = stalls_[pos_ / 64] >> bit;
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
