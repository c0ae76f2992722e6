// A link off the mesh edge, where the host meets the fabric: it injects the wavelets the host
// queued (per color, in order, as credits allow) and collects the wavelets the boundary tile
// sends out, each direction at most `rate` wavelets per cycle. It stands where a neighbour
// router would: a buffer of the mesh's depth per color, credits returned as it drains.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "link_bundle.h"
#include "wavelet.h"

namespace wafersim::fabric {

struct Arrival {
  uint64_t cycle;
  uint8_t color;
  uint32_t data;
};

class EdgeLink {
 public:
  EdgeLink(int x, int y, noc::Dir dir, int colors, int depth, double rate);

  /// Queues payloads to send into the tile on `color`, after what is already queued.
  void Inject(int color, const std::vector<uint32_t>& payloads);
  /// Accept wavelets leaving the mesh here (otherwise one arriving is an error).
  void Collect() { collecting_ = true; }
  const std::vector<Arrival>& Arrivals() const { return arrivals_; }

  /// One cycle: `from_tile` is what the boundary tile drove last cycle, `to_tile` what this
  /// link drives now. Returns false (with Problem() set) when a wavelet left where nothing
  /// listens or overran the buffer.
  bool Evaluate(const LinkBundle& from_tile, LinkBundle& to_tile, uint64_t cycle);

  int X() const { return x_; }
  int Y() const { return y_; }
  noc::Dir Direction() const { return dir_; }
  bool Moved() const { return moved_; }
  /// The last Evaluate had nothing to move either way and left both token buckets full: more
  /// such cycles change nothing, so the plain loop may stop evaluating the link.
  bool Idle() const { return idle_; }
  /// Wavelets still queued to inject, and wavelets received but not yet drained.
  size_t PendingInjections() const;
  size_t Undrained() const;
  bool Used() const { return collecting_ || injected_ > 0 || PendingInjections() > 0; }
  uint64_t Injected() const { return injected_; }
  const std::string& Problem() const { return problem_; }
  /// "edge (x,y) North: 12 wavelets waiting on color 1 (no credit)" for deadlock reports.
  std::string Describe() const;

 private:
  int x_, y_;
  noc::Dir dir_;
  int colors_, depth_;
  double rate_;
  double in_tokens_ = 0, out_tokens_ = 0;
  std::vector<std::deque<uint32_t>> outbound_;  // per color, host -> tile
  std::vector<std::deque<uint32_t>> inbound_;   // per color, tile -> host (at most depth)
  std::vector<int> credits_;                    // per color, for sending into the tile
  size_t queued_ = 0;                           // wavelets in outbound_ and inbound_
  int next_out_color_ = 0, next_in_color_ = 0;
  bool collecting_ = false;
  bool moved_ = false;
  bool idle_ = false;
  uint64_t injected_ = 0;
  std::vector<Arrival> arrivals_;
  std::string problem_;
};

}  // namespace wafersim::fabric
