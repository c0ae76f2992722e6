#include "tensor_timing_memo.h"

namespace wafersim::fabric {

TensorTimingMemo& TensorTimingMemo::Shared() {
  static TensorTimingMemo memo;
  return memo;
}

std::shared_ptr<const TensorTiming> TensorTimingMemo::Find(const TensorTimingKey& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  return it->second;
}

void TensorTimingMemo::Insert(const TensorTimingKey& key, std::shared_ptr<const TensorTiming> timing) {
  std::lock_guard<std::mutex> lock(mutex_);
  const size_t bytes = sizeof(TensorTiming) + timing->stalls.size() * sizeof(uint64_t);
  if (entries_.size() >= kMaxEntries || bytes_ + bytes > kMaxBytes) {
    entries_.clear();
    bytes_ = 0;
  }
  if (entries_.emplace(key, std::move(timing)).second) bytes_ += bytes;
}

void TensorTimingMemo::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
  bytes_ = 0;
}

}  // namespace wafersim::fabric
