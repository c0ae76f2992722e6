// Constrained-random traffic on any RouterMesh: static flows (a color from its sources to
// every one of its destinations, multicast included) and dynamic packets, with random sink
// backpressure, checked wavelet by wavelet by a Scoreboard, with a deadlock watchdog.
#pragma once

#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/scoreboard.h"
#include "noc/router_mesh.h"

namespace wafersim::tb {

struct StaticFlow {
  int color = 0;
  std::vector<int> sources;  // endpoints that send on the color
  std::vector<int> dests;    // endpoints that receive every wavelet of the color
};

struct DynamicTraffic {
  std::vector<int> colors;
  /// The (x, y) a head names to reach endpoint `dest`.
  std::function<std::pair<int, int>(int dest)> coord;
  /// Whether `src` may send a packet to `dest`.
  std::function<bool(int src, int dest)> allowed = [](int, int) { return true; };
  int max_flits = 4;
};

struct TrafficStats {
  uint64_t delivered = 0;
  uint64_t cycles = 0;
};

class RandomTraffic {
 public:
  RandomTraffic(noc::RouterMesh& mesh, std::vector<noc::Terminal*> endpoints, uint64_t seed)
      : mesh_(mesh), ends_(std::move(endpoints)), rng_(seed), seed_(seed),
        state_(ends_.size()), open_(ends_.size(), std::vector<int>(32, -1)) {}

  void AddStaticFlow(const StaticFlow& f) {
    static_color_[f.color] = true;
    flows_.push_back(f);
  }
  void SetDynamic(const DynamicTraffic& d) {
    dynamic_ = d;
    for (int c : d.colors) dynamic_color_[c] = true;
  }

  /// Injects for `cycles` cycles at `rate` messages per endpoint per cycle while sinks stall
  /// with probability `stall`, then drains. Throws std::runtime_error (with the seed) on any
  /// scoreboard mismatch, on leftovers, or on a deadlock.
  TrafficStats Run(int cycles, double rate, double stall, uint64_t watchdog = 500) {
    std::bernoulli_distribution start(rate), toggle(stall);
    uint64_t idle = 0, cycle = 0;
    for (;; ++cycle) {
      const bool injecting = cycle < static_cast<uint64_t>(cycles);
      for (size_t e = 0; e < ends_.size(); ++e) {
        if (injecting) {
          if (stall > 0 && toggle(rng_)) ends_[e]->SetAccepting(!accepting_[e]), accepting_[e] = !accepting_[e];
          if (!state_[e].busy && start(rng_)) Begin(static_cast<int>(e));
        } else if (!accepting_[e]) {
          ends_[e]->SetAccepting(true);
          accepting_[e] = true;
        }
        Continue(static_cast<int>(e));
      }
      mesh_.Step();
      for (size_t e = 0; e < ends_.size(); ++e) Check(static_cast<int>(e));
      bool sending = false;
      for (const auto& s : state_) sending |= s.busy;
      if (!injecting && !sending && board_.Outstanding() == 0 && !mesh_.AnyBuffered()) break;
      idle = (mesh_.MovedLastStep() == 0 && board_.Outstanding() > 0 && !injecting) ? idle + 1 : 0;
      if (idle > watchdog) Fail("deadlock: nothing moved for " + std::to_string(watchdog) +
                                " cycles; " + Blocked() + "; outstanding: " + board_.DescribeOutstanding());
      if (cycle > static_cast<uint64_t>(cycles) + 200000) Fail("did not drain: " + board_.DescribeOutstanding());
    }
    if (const std::string errs = mesh_.ErrorReport(); !errs.empty()) Fail("router errors: " + errs);
    return TrafficStats{board_.Delivered(), cycle};
  }

 private:
  struct SourceState {
    bool busy = false;
    int color = 0;
    int dest = -1;  // dynamic packet destination
    int left = 0;   // wavelets still to send
    bool first = true;
    uint32_t seq = 0;
  };

  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error(fmt::format("{} (seed {}, cycle {})", what, seed_, mesh_.Cycle()));
  }

  std::string Blocked() const {
    std::string s;
    for (const auto& b : mesh_.BufferedWavelets()) {
      s += fmt::format("{}{} {} color {}{}", s.empty() ? "blocked: " : ", ", noc::RouterName(b.x, b.y),
                       noc::DirName(b.port), b.color, b.full ? " (full)" : "");
    }
    return s.empty() ? "no buffer holds a wavelet" : s;
  }

  void Begin(int e) {
    std::vector<int> my_flows;
    for (size_t i = 0; i < flows_.size(); ++i) {
      for (int s : flows_[i].sources) {
        if (s == e) my_flows.push_back(static_cast<int>(i));
      }
    }
    std::vector<int> dests;
    if (!dynamic_.colors.empty()) {
      for (int d = 0; d < static_cast<int>(ends_.size()); ++d) {
        if (dynamic_.allowed(e, d)) dests.push_back(d);
      }
    }
    const size_t choices = my_flows.size() + (dests.empty() ? 0 : 1);
    if (choices == 0) return;
    SourceState& s = state_[e];
    const size_t pick = std::uniform_int_distribution<size_t>(0, choices - 1)(rng_);
    s.busy = true;
    s.first = true;
    if (pick < my_flows.size()) {
      s.color = flows_[my_flows[pick]].color;
      s.dest = -1;
      s.left = std::uniform_int_distribution<int>(1, 3)(rng_);
    } else {
      s.color = dynamic_.colors[std::uniform_int_distribution<size_t>(0, dynamic_.colors.size() - 1)(rng_)];
      s.dest = dests[std::uniform_int_distribution<size_t>(0, dests.size() - 1)(rng_)];
      s.left = std::uniform_int_distribution<int>(1, dynamic_.max_flits)(rng_);
    }
  }

  void Continue(int e) {
    SourceState& s = state_[e];
    if (!s.busy || !ends_[e]->CanSend(s.color)) return;
    noc::Wavelet w;
    w.color = static_cast<uint8_t>(s.color);
    const uint32_t body = (static_cast<uint32_t>(e) << 20) | (s.seq++ & 0xFFFFF);
    if (s.dest < 0) {
      w.data = body;
      for (const auto& f : flows_) {
        if (f.color != s.color) continue;
        for (int d : f.dests) board_.Expect(d, s.color, e, w.data);
      }
    } else {
      w.head = s.first;
      w.tail = s.left == 1;
      if (w.head) {
        const auto [x, y] = dynamic_.coord(s.dest);
        w.data = noc::DynamicHeadPayload(x, y, static_cast<uint32_t>(e));
      } else {
        w.data = body;
      }
      board_.Expect(s.dest, s.color, e, w.data);
    }
    ends_[e]->Send(w);
    s.first = false;
    if (--s.left == 0) s.busy = false;
  }

  void Check(int e) {
    const auto& got = ends_[e]->Received();
    if (!got) return;
    const noc::Wavelet& w = *got;
    int src = static_cast<int>(w.data >> 20);
    if (dynamic_color_[w.color]) {
      int& open = open_[e][w.color];
      if (w.head) {
        src = static_cast<int>(noc::HeadTag(w.data));
        if (open >= 0) Fail(fmt::format("head from {} inside a packet from {} at endpoint {}", src, open, e));
        open = src;
      } else if (open != src) {
        Fail(fmt::format("wavelet from {} interleaved into a packet from {} at endpoint {}", src, open, e));
      }
      if (w.tail) open = -1;
    } else if (!static_color_[w.color]) {
      Fail(fmt::format("wavelet on unused color {} at endpoint {}", w.color, e));
    }
    if (const std::string err = board_.Observe(e, w.color, src, w.data); !err.empty()) Fail(err);
  }

  noc::RouterMesh& mesh_;
  std::vector<noc::Terminal*> ends_;
  std::mt19937_64 rng_;
  uint64_t seed_;
  std::vector<SourceState> state_;
  std::vector<std::vector<int>> open_;
  std::vector<bool> accepting_ = std::vector<bool>(ends_.size(), true);
  std::vector<StaticFlow> flows_;
  DynamicTraffic dynamic_;
  bool static_color_[32] = {};
  bool dynamic_color_[32] = {};
  Scoreboard board_;
};

}  // namespace wafersim::tb
