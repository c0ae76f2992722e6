// Random inputs for one router, driven the way real neighbours would: senders on all five
// inputs that respect their credits (static wavelets with control bits, dynamic packets with
// head and tail), sinks on all five outputs that return credits late or not at all, route
// writes (positions, modes, multicast), and, where asked, inputs that set the error bits.
// The load changes in phases, so buffers fill, drain and go idle within one run.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "fast_router.h"
#include "wavelet.h"

namespace wafersim::tb {

using fabric::FastRouter;

struct StimulusConfig {
  int colors = 8;
  int credit_limit = 4;      ///< the router's credit_limit_i
  int upstream_credits = 4;  ///< credits per (input, color) the senders start with: at most the RTL's depth
  int x = 5, y = 5;          ///< the router's straps (dynamic destinations are drawn around them)
  bool errors = false;       ///< also drive inputs that set the error bits
  bool mode_changes = false;  ///< rewrite color modes during traffic (misframes what is buffered)
};

/// What the stimulus saw leave the router, summed over a run (to show a run did something).
struct StimulusCoverage {
  uint64_t wavelets_out = 0;   ///< valid_o
  uint64_t same_cycle_copies = 0;  ///< one wavelet on two or more outputs in a cycle (multicast)
  uint64_t ctrl_out = 0;       ///< control wavelets that left
  uint64_t heads_out = 0;      ///< dynamic heads that left (on a dynamic color)
  uint64_t full_cycles = 0;    ///< cycles with some buffer full
  uint64_t credit_stalls = 0;  ///< cycles with some (output, color) holding all its credits
  uint64_t route_writes = 0;
  uint8_t err_seen = 0;        ///< error bits seen set
};

class RouterStimulus {
 public:
  RouterStimulus(const StimulusConfig& config, uint64_t seed) : cfg_(config), rng_(seed) {
    for (auto& port : send_credits_) port.fill(cfg_.upstream_credits);
    for (int c = 0; c < cfg_.colors; ++c) planned_dyn_[c] = Chance(0.4);
    // The whole route table first, one write a cycle while traffic starts; phases that ask
    // for them add random rewrites later.
    for (int c = 0; c < cfg_.colors; ++c) {
      writes_.push_back({c, noc::kCfgMode, noc::ModeWord(planned_dyn_[c], Uniform(0, 3))});
      for (int pos = 0; pos < 4; ++pos) writes_.push_back({c, pos, LegalPositionWord()});
    }
    NewPhase();
  }

  /// The inputs of the next cycle.
  const FastRouter::Inputs& Next() {
    if (--phase_left_ <= 0) NewPhase();
    in_ = {};
    for (int p = 0; p < FastRouter::kPorts; ++p) {
      if (Chance(rate_)) Send(p);
    }
    for (int o = 0; o < FastRouter::kPorts; ++o) {
      if (!Chance(return_rate_[o])) continue;
      for (int c = 0; c < cfg_.colors; ++c) {
        if (owed_[o][c] > 0 && Chance(0.8)) {
          in_.credit[o] |= 1u << c;
          --owed_[o][c];
        }
      }
    }
    if (writes_.empty() && Chance(write_rate_)) RandomWrite();
    if (!writes_.empty()) {
      const Write w = writes_.front();
      writes_.erase(writes_.begin());
      in_.cfg_valid = true;
      in_.cfg_color = static_cast<uint8_t>(w.color);
      in_.cfg_sel = static_cast<uint8_t>(w.sel);
      in_.cfg_data = static_cast<uint16_t>(w.data);
      ++coverage_.route_writes;
    }
    return in_;
  }

  /// What the router drove this cycle: credits back to the senders, wavelets to the sinks.
  void Observe(const FastRouter::Outputs& out) {
    for (int p = 0; p < FastRouter::kPorts; ++p) {
      for (int c = 0; c < cfg_.colors; ++c) send_credits_[p][c] += (out.credit[p] >> c) & 1;
      if (out.full[p] != 0) full_seen_ = true;
    }
    for (int o = 0; o < FastRouter::kPorts; ++o) {
      if (!((out.valid >> o) & 1)) continue;
      const noc::Wavelet w = noc::Wavelet::Unpack(out.flit[o]);
      ++owed_[o][w.color];
      ++coverage_.wavelets_out;
      coverage_.ctrl_out += w.ctrl;
      coverage_.heads_out += w.head && planned_dyn_[w.color];
      for (int q = o + 1; q < FastRouter::kPorts; ++q) {
        if (((out.valid >> q) & 1) && out.flit[q] == out.flit[o]) {
          ++coverage_.same_cycle_copies;
          break;
        }
      }
    }
    bool stalled = false;
    for (int o = 0; o < FastRouter::kPorts; ++o) {
      for (int c = 0; c < cfg_.colors; ++c) stalled |= owed_[o][c] >= cfg_.credit_limit;
    }
    coverage_.credit_stalls += stalled;
    coverage_.full_cycles += full_seen_;
    full_seen_ = false;
    coverage_.err_seen |= out.err;
  }

  const StimulusCoverage& Coverage() const { return coverage_; }

 private:
  struct Write {
    int color, sel;
    uint32_t data;
  };
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  uint32_t Word() { return static_cast<uint32_t>(rng_()); }

  // A phase: how hard the senders push, how often sinks return credits (0: a stall), how
  // often routes are rewritten.
  void NewPhase() {
    phase_left_ = Uniform(50, 400);
    static constexpr double kRates[] = {0.0, 0.05, 0.3, 0.7, 1.0};
    rate_ = kRates[Uniform(0, 4)];
    for (double& r : return_rate_) r = Chance(0.15) ? 0.0 : std::uniform_real_distribution<double>(0.1, 1.0)(rng_);
    write_rate_ = Chance(0.5) ? 0.0 : std::uniform_real_distribution<double>(0.0, 0.05)(rng_);
  }

  // rx: one to three inputs; tx: a non-empty set of the other ports (several: multicast);
  // sometimes a position that accepts nothing.
  uint32_t LegalPositionWord() {
    if (Chance(0.1)) return noc::PositionWord(0, static_cast<uint8_t>(Uniform(0, 31)));
    uint8_t rx = 0;
    const int inputs = Uniform(1, 3);
    for (int i = 0; i < inputs; ++i) rx |= static_cast<uint8_t>(1u << Uniform(0, 4));
    uint8_t tx = 0;
    while (tx == 0) tx = static_cast<uint8_t>(Uniform(1, 31) & ~rx);
    return noc::PositionWord(rx, tx);
  }

  void RandomWrite() {
    const int c = Uniform(0, cfg_.colors - 1);
    if (cfg_.errors && Chance(0.1)) {
      switch (Uniform(0, 3)) {
        case 0: writes_.push_back({Uniform(cfg_.colors, 31), Uniform(0, 4), Word() & 0x3ff}); break;
        case 1: writes_.push_back({c, Uniform(5, 7), Word() & 0x3ff}); break;
        case 2: {
          const auto both = static_cast<uint8_t>(1u << Uniform(0, 4));  // a U-turn
          writes_.push_back({c, Uniform(0, 3), noc::PositionWord(both | static_cast<uint8_t>(Uniform(0, 31)), both)});
          break;
        }
        default: writes_.push_back({c, Uniform(0, 3), noc::PositionWord(static_cast<uint8_t>(Uniform(1, 31)), 0)});
      }
      return;
    }
    if (cfg_.mode_changes && Chance(0.2)) {
      planned_dyn_[c] = Chance(0.5);
      writes_.push_back({c, noc::kCfgMode, noc::ModeWord(planned_dyn_[c], Uniform(0, 3))});
      return;
    }
    writes_.push_back({c, Uniform(0, 3), LegalPositionWord()});
  }

  // A dynamic head's destination: near this router (every output, Local included), sometimes
  // at the mesh's far corners.
  uint32_t HeadPayload() {
    auto near = [&](int v) {
      if (Chance(0.05)) return Chance(0.5) ? 0 : noc::kMaxCoord;
      return std::clamp(v + Uniform(-2, 2), 0, noc::kMaxCoord);
    };
    return noc::DynamicHeadPayload(near(cfg_.x), near(cfg_.y), Word() & ((1u << noc::kTagBits) - 1));
  }

  void Send(int p) {
    noc::Wavelet w;
    if (cfg_.errors && Chance(0.003)) {  // a color this router lacks: dropped, no credit used
      w.color = static_cast<uint8_t>(Uniform(cfg_.colors, 31));
      w.data = Word();
      Put(p, w);
      return;
    }
    std::vector<int> ready;
    for (int c = 0; c < cfg_.colors; ++c) {
      if (send_credits_[p][c] > 0) ready.push_back(c);
    }
    if (ready.empty()) return;
    const int c = ready[static_cast<size_t>(Uniform(0, static_cast<int>(ready.size()) - 1))];
    w.color = static_cast<uint8_t>(c);
    bool& open = open_[p][c];
    if (planned_dyn_[c]) {
      // Packets end at random (a head is also the tail one time in four); a misframed
      // wavelet now and then where errors are asked.
      const bool misframe = cfg_.errors && Chance(0.01);
      w.head = open == misframe;
      w.tail = w.head ? Chance(0.25) : Chance(0.35);
      w.data = w.head ? HeadPayload() : Word();
      if (!misframe) open = !w.tail;
    } else {
      // Static colors ignore head and tail: random bits show it.
      w.data = Word();
      w.ctrl = Chance(0.04);
      w.head = Chance(0.5);
      w.tail = Chance(0.5);
    }
    --send_credits_[p][c];
    Put(p, w);
  }

  void Put(int p, const noc::Wavelet& w) {
    in_.valid |= static_cast<uint8_t>(1u << p);
    in_.flit[p] = w.Pack();
  }

  StimulusConfig cfg_;
  std::mt19937_64 rng_;
  FastRouter::Inputs in_;
  std::array<std::array<int, 32>, FastRouter::kPorts> send_credits_{};
  std::array<std::array<int, 32>, FastRouter::kPorts> owed_{};
  std::array<std::array<bool, 32>, FastRouter::kPorts> open_{};  // a packet in progress per (input, color)
  std::array<bool, 32> planned_dyn_{};
  std::vector<Write> writes_;
  int phase_left_ = 0;
  double rate_ = 0.5, write_rate_ = 0.0;
  std::array<double, FastRouter::kPorts> return_rate_{};
  bool full_seen_ = false;
  StimulusCoverage coverage_;
};

}  // namespace wafersim::tb
