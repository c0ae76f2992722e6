// Lockstep: the RTL tile and the reference model run the same program; after every retired
// instruction and every task dispatch their architectural state must be equal (pc, registers,
// the whole SRAM, the task running), and at the end the wavelets they sent. A divergence
// throws with the cycle, the instruction and what differs.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "tile/tile_bench.h"
#include "golden/core_model.h"
#include "isa/program.h"

namespace wafersim::tb {

using SramConfig = fabric::SramBankConfig;
using tile::TileBench;
using tile::TileBenchConfig;

struct LockstepStats {
  uint64_t cycles = 0;
  uint64_t retired = 0;
  uint64_t dispatches = 0;
  uint64_t stall_cycles = 0;
  bool halted = false;
  int error = 0;
};

class Lockstep {
 public:
  Lockstep(const isa::Program& program, const TileBenchConfig& tile);

  /// Wavelets the harness feeds into the tile through a link, in order, as credits allow.
  void Feed(noc::Dir link, const noc::Wavelet& w) { feed_[static_cast<int>(link)].push_back(w); }
  /// Runs until the core halts, or idles with nothing left to feed for `idle_limit` cycles.
  LockstepStats Run(uint64_t max_cycles, uint64_t idle_limit = 200);

  TileBench& Bench() { return bench_; }
  golden::CoreModel& Model() { return model_; }
  /// Wavelets the tile sent out of a link (the RTL's side), in arrival order.
  const std::vector<noc::Wavelet>& Sent(noc::Dir link) const { return out_[static_cast<int>(link)]; }

 private:
  [[noreturn]] void Diverge(const std::string& what) const;
  void Compare(const char* after);
  void Arrived(int link, const noc::Wavelet& w);

  const isa::Program program_;
  TileBench bench_;
  golden::CoreModel model_;
  std::deque<noc::Wavelet> feed_[4];
  std::vector<noc::Wavelet> out_[4];
  std::vector<noc::Wavelet> arrivals_;  // every link's, in the order they arrived (a color may use several)
  std::vector<noc::Wavelet> model_sent_;
  uint64_t last_pc_ = 0;
};

}  // namespace wafersim::tb
