#include "edge_link.h"

#include <fmt/format.h>

namespace wafersim::fabric {

EdgeLink::EdgeLink(int x, int y, noc::Dir dir, int colors, int depth, double rate)
    : x_(x), y_(y), dir_(dir), colors_(colors), depth_(depth), rate_(rate),
      outbound_(static_cast<size_t>(colors)), inbound_(static_cast<size_t>(colors)),
      credits_(static_cast<size_t>(colors), depth) {}

void EdgeLink::Inject(int color, const std::vector<uint32_t>& payloads) {
  outbound_.at(static_cast<size_t>(color)).insert(outbound_[color].end(), payloads.begin(), payloads.end());
  queued_ += payloads.size();
}

size_t EdgeLink::PendingInjections() const {
  size_t n = 0;
  for (const auto& q : outbound_) n += q.size();
  return n;
}

size_t EdgeLink::Undrained() const {
  size_t n = 0;
  for (const auto& q : inbound_) n += q.size();
  return n;
}

bool EdgeLink::Evaluate(const LinkBundle& from_tile, LinkBundle& to_tile, uint64_t cycle) {
  moved_ = false;
  idle_ = false;
  to_tile = LinkBundle{};
  if (queued_ == 0 && from_tile.Quiet()) {
    // Nothing to move either way: only the token buckets fill (most edges, most cycles).
    in_tokens_ = std::min(1.0, in_tokens_ + rate_);
    out_tokens_ = std::min(1.0, out_tokens_ + rate_);
    idle_ = in_tokens_ == 1.0 && out_tokens_ == 1.0;
    return true;
  }
  for (uint32_t m = from_tile.credits; m != 0; m &= m - 1) ++credits_[__builtin_ctz(m)];
  if (from_tile.valid) {
    const noc::Wavelet w = noc::Wavelet::Unpack(from_tile.flit);
    if (!collecting_) {
      problem_ = fmt::format("a wavelet on color {} left the mesh at tile ({},{}) {} at cycle {}, where nothing "
                             "collects (a route points off the mesh)",
                             w.color, x_, y_, noc::DirName(dir_), cycle);
      return false;
    }
    auto& q = inbound_[w.color];
    if (static_cast<int>(q.size()) >= depth_) {
      problem_ = fmt::format("edge ({},{}) {}: color {} overran its {}-deep buffer at cycle {}", x_, y_,
                             noc::DirName(dir_), w.color, depth_, cycle);
      return false;
    }
    q.push_back(w.data);
    ++queued_;
    moved_ = true;
  }
  // Drain one received wavelet to the host, returning its credit.
  in_tokens_ = std::min(1.0, in_tokens_ + rate_);
  if (in_tokens_ >= 1.0 - 1e-9) {
    for (int i = 0; i < colors_; ++i) {
      const int c = (next_in_color_ + i) % colors_;
      if (inbound_[c].empty()) continue;
      arrivals_.push_back({cycle, static_cast<uint8_t>(c), inbound_[c].front()});
      inbound_[c].pop_front();
      --queued_;
      to_tile.credits |= 1u << c;
      next_in_color_ = (c + 1) % colors_;
      in_tokens_ -= 1.0;
      moved_ = true;
      break;
    }
  }
  // Send one queued wavelet, colors taking turns.
  out_tokens_ = std::min(1.0, out_tokens_ + rate_);
  if (out_tokens_ >= 1.0 - 1e-9) {
    for (int i = 0; i < colors_; ++i) {
      const int c = (next_out_color_ + i) % colors_;
      if (outbound_[c].empty() || credits_[c] == 0) continue;
      noc::Wavelet w;
      w.color = static_cast<uint8_t>(c);
      w.data = outbound_[c].front();
      outbound_[c].pop_front();
      --queued_;
      --credits_[c];
      to_tile.flit = w.Pack();
      to_tile.valid = true;
      next_out_color_ = (c + 1) % colors_;
      out_tokens_ -= 1.0;
      ++injected_;
      moved_ = true;
      break;
    }
  }
  return true;
}

std::string EdgeLink::Describe() const {
  std::string s;
  for (int c = 0; c < colors_; ++c) {
    if (!outbound_[c].empty()) {
      s += fmt::format("{}edge ({},{}) {}: {} wavelets waiting on color {}{}", s.empty() ? "" : "; ", x_, y_,
                       noc::DirName(dir_), outbound_[c].size(), c, credits_[c] == 0 ? " (no credit)" : "");
    }
  }
  return s;
}

}  // namespace wafersim::fabric
