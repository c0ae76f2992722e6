// One Verilated RTL tile (pe_tile: core + router) with its SRAM model and the four mesh
// links as terminals, stepped a cycle at a time; what happened in the cycle is in Last().
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tile/sram_model.h"
#include "isa/program.h"
#include "noc/router_mesh.h"

class VerilatedContext;
class VerilatedFstC;
class Vpe_tile;

namespace wafersim::tile {

struct TileBenchConfig {
  int x = 3, y = 2;
  int credit_limit = 4;  ///< the router's buffer depth in use (<= its BufDepth, 4)
  SramConfig sram;
};

class TileBench {
 public:
  explicit TileBench(const TileBenchConfig& config);
  ~TileBench();

  /// Resets the tile and loads a program: instruction memory through its load port, data
  /// segments into the SRAM model.
  void Load(const isa::Program& program);
  /// One clock cycle.
  void Step();

  noc::Terminal& Link(noc::Dir d) { return links_[static_cast<int>(d)]; }

  struct Events {
    uint64_t cycle = 0;  ///< the cycle that just ran, counted from reset
    bool retired = false;
    uint16_t retire_pc = 0;
    bool dispatched = false;
    std::optional<noc::Wavelet> core_rx;  ///< handed to the core in this cycle
    bool stalled = false;
  };
  const Events& Last() const { return last_; }
  uint64_t Cycle() const { return cycle_; }
  bool Halted() const;
  int Error() const;
  bool Idle() const;
  uint32_t Reg(int i) const;
  uint16_t Pc() const;
  int Task() const;
  std::string RouterErrors() const;
  SramModel& Sram() { return sram_; }
  Vpe_tile& Rtl() { return *rtl_; }

  /// Records FST waves of the cycles [c0, c1) counted from reset.
  void OpenTrace(const std::string& path, uint64_t c0 = 0, uint64_t c1 = UINT64_MAX);

 private:
  void Tick();
  void Edge();
  void Check();

  TileBenchConfig cfg_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vpe_tile> rtl_;
  std::unique_ptr<VerilatedFstC> trace_;
  SramModel sram_;
  std::vector<SramModel::Request> requests_;  // this cycle's SRAM requests, one per bank
  std::array<noc::Terminal, 4> links_;
  Events last_;
  uint64_t cycle_ = 0;
  uint64_t time_ = 0;
  uint64_t trace_c0_ = 0, trace_c1_ = 0;
  bool Dumping() const { return trace_ && cycle_ >= trace_c0_ && cycle_ < trace_c1_; }
};

}  // namespace wafersim::tile
