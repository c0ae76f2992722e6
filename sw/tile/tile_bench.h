// One RTL tile (the fabric's RtlTile: pe_tile with its SRAM banks) with its four mesh links
// as terminals, stepped a cycle at a time; what happened in the cycle is in Last().
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "isa/program.h"
#include "noc/router_mesh.h"
#include "rtl_tile.h"

class VerilatedContext;
class VerilatedFstC;

namespace wafersim::tile {

struct TileBenchConfig {
  int x = 3, y = 2;
  int credit_limit = WAFERSIM_TILE_BUF_DEPTH;  ///< the router's buffer depth in use (<= its BufDepth)
  fabric::SramBankConfig sram;
};

class TileBench {
 public:
  explicit TileBench(const TileBenchConfig& config);
  ~TileBench();

  /// Resets the tile and loads a program: instruction memory through its load port, data
  /// segments into the SRAM banks.
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
  bool Halted() const { return tile_->Halted(); }
  int Error() const { return tile_->Error(); }
  bool Idle() const;
  uint32_t Reg(int i) const;
  uint16_t Pc() const { return tile_->Pc(); }
  int Task() const { return tile_->Task(); }
  std::string RouterErrors() const;
  fabric::SramBanks& Sram() { return tile_->Sram(); }

  /// Records FST waves of the cycles [c0, c1) counted from reset.
  void OpenTrace(const std::string& path, uint64_t c0 = 0, uint64_t c1 = UINT64_MAX);

 private:
  void Check();

  TileBenchConfig cfg_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<fabric::RtlTile> tile_;
  std::unique_ptr<VerilatedFstC> trace_;
  std::array<noc::Terminal, 4> links_;
  Events last_;
  uint64_t cycle_ = 0;
  uint64_t time_ = 0;
  uint64_t trace_c0_ = 0, trace_c1_ = 0;
  bool Dumping() const { return trace_ && cycle_ >= trace_c0_ && cycle_ < trace_c1_; }
};

}  // namespace wafersim::tile
