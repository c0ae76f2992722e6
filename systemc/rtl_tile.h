// One wafer tile as the Verilated RTL (pe_tile: core and router) with its SRAM banks: the
// fabric's reference tile model (fabric_tile.h). Evaluate drives this cycle's link inputs
// and settles the falling edge; Update is the rising edge.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fabric_tile.h"
#include "isa/program.h"

class VerilatedContext;
class VerilatedFstC;
class Vpe_tile;

namespace wafersim::fabric {

/// The Verilated tile's parameters (rtl/CMakeLists.txt).
struct CompiledTile {
  int colors, buffer_depth, banks, sram_bytes, imem_words, read_latency, simd_width;
};
CompiledTile CompiledTileParameters();

class RtlTile final : public FabricTile {
 public:
  /// `scope` names the model in traces (signals appear as scope.pe_tile...).
  RtlTile(VerilatedContext* context, const std::string& scope, int x, int y, const TileSpec& spec);
  ~RtlTile();
  RtlTile(const RtlTile&) = delete;
  RtlTile& operator=(const RtlTile&) = delete;

  TileModel Model() const override { return TileModel::Rtl; }
  /// Instructions go in through the instruction memory port, data into the banks.
  void Load(const isa::Program& program) override;
  void Release() override;
  void Evaluate(const std::array<const LinkBundle*, 4>& in, std::array<LinkBundle, 4>& out) override;
  void Update() override;

  int X() const override { return x_; }
  int Y() const override { return y_; }
  bool Halted() const override;
  int Error() const override;
  uint16_t Pc() const override;
  int Task() const override;
  Activity LastActivity() const override { return activity_; }
  int WaitColor() const override { return wait_color_; }
  bool Moved() const override { return moved_; }
  bool Skipped() const override { return skipped_; }
  bool Dormant() const override { return skipped_; }
  void SkipCycles(uint64_t cycles) override { counters_.cycles[static_cast<int>(Activity::Halted)] += cycles; }
  bool Buffered() const override { return BufferedMask() != 0; }
  bool OutputPending() const override;
  uint32_t FullColors(int port) const override;
  /// The router's nonempty and full input buffers: one bit per port x color.
  uint64_t BufferedMask() const;
  uint64_t FullMask() const;
  uint32_t RouterErrorBits() const override;
  const TileCounters& Counters() const override { return counters_; }
  SramBanks& Sram() override { return sram_; }
  const SramBanks& Sram() const override { return sram_; }
  /// The Verilated model, for harnesses that watch its trace outputs (retire, dispatch...).
  Vpe_tile& Rtl() { return *rtl_; }
  const Vpe_tile& Rtl() const { return *rtl_; }
  /// Adds the tile's signals to a trace (before the trace is opened); traced tiles are
  /// never skipped.
  void Trace(VerilatedFstC* trace);

 private:
  void Tick();

  int x_, y_;
  TileSpec spec_;
  std::unique_ptr<Vpe_tile> rtl_;
  SramBanks sram_;
  std::vector<BankRequest> requests_;
  TileCounters counters_;
  Activity activity_ = Activity::Busy;
  int wait_color_ = 0;
  bool moved_ = false;
  bool traced_ = false;
  bool skipped_ = false;  // this cycle was not evaluated
  bool quiet_ = false;    // halted with nothing in its router: a cycle without input changes nothing
  size_t imem_written_ = 0;  // instruction words a load wrote: a later load clears what it leaves
};

}  // namespace wafersim::fabric
