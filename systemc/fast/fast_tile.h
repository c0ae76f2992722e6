// One wafer tile as a C++ model, cycle-exact against the Verilated RTL tile (RtlTile,
// rtl/tile/pe_tile.sv): the core (FastCore, with its tensor datapath FastTensor) and the
// router (FastRouter) joined at the router's Local port as pe_tile joins them, with the same
// SRAM banks. Same stepping (Evaluate, then Update), the same outputs, cycle
// classification, counters and skipping of quiet halted tiles. A closed tensor operation is
// run ahead and replayed (TensorReplay), and slept through while the router is quiet.
//
// Within a cycle: the router settles first (its outputs depend on its registers only), the
// core evaluates with the router's Local output and the banks' grants and read data, then
// the core's Local-port outputs (wavelet, credits, route write) drive the router. Update is
// the clock edge: router, core, then the banks serve the cycle's requests.
//
// Bytes per tile, excluding the SRAM's storage and the shared decoded program (Bytes(),
// printed by fast_tile_bench; 2026-11-22): 5,488 at 8 colors, buffer depth 4 and 8 banks
// (core 1,776 of which the tensor datapath 1,056, router 680 plus its buffers, bank model
// 384 plus its per-bank state, bank requests 192), 8,864 at 24 colors.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "fabric_tile.h"
#include "fast_core.h"
#include "fast_router.h"

namespace wafersim::fabric {

class FastTile final : public FabricTile {
 public:
  /// `buffer_depth` is the router's BufDepth (its buffers and the core's receive queues);
  /// 0 takes spec.credit_limit. The RTL tile is built with 4. Throws std::invalid_argument
  /// naming a parameter out of the model's range.
  FastTile(int x, int y, const TileSpec& spec, int buffer_depth = 0);
  FastTile(const FastTile&) = delete;
  FastTile& operator=(const FastTile&) = delete;

  TileModel Model() const override { return TileModel::Fast; }
  /// Resets the tile and loads a program: its instructions (decoded once and shared with
  /// every tile loaded with the same instructions) and its data into the banks.
  void Load(const isa::Program& program) override;
  /// Load leaves the model in its reset state; it runs from the next Evaluate.
  void Release() override {}
  void Evaluate(const std::array<const LinkBundle*, 4>& in, std::array<LinkBundle, 4>& out) override;
  void Update() override;

  int X() const override { return x_; }
  int Y() const override { return y_; }
  bool Halted() const override { return core_.Halted(); }
  int Error() const override { return core_.Error(); }
  uint16_t Pc() const override { return core_.Pc(); }
  int Task() const override { return core_.Task(); }
  Activity LastActivity() const override { return activity_; }
  int WaitColor() const override { return wait_color_; }
  bool Moved() const override { return moved_; }
  bool Skipped() const override { return skipped_; }
  bool Dormant() const override { return skipped_ || still_skipped_ || replay_skipped_; }
  uint64_t DormantCycles() const override { return replay_skipped_ ? core_.ReplaySkippable() : kDormantForever; }
  void SkipCycles(uint64_t cycles) override;
  bool Buffered() const override { return router_.AnyBuffered(); }
  bool OutputPending() const override { return router_.OutputPending(); }
  uint32_t FullColors(int port) const override { return router_.Full(port); }
  uint32_t RouterErrorBits() const override { return router_.Errors(); }
  const TileCounters& Counters() const override { return counters_; }
  SramBanks& Sram() override { return sram_; }
  const SramBanks& Sram() const override { return sram_; }
  /// The router's nonempty and full input buffers, one bit per port x color (port * colors
  /// + color), as RtlTile gives them; only up to 12 colors fit.
  uint64_t BufferedMask() const;
  uint64_t FullMask() const;

  // For lockstep harnesses: what the RTL tile's trace outputs show in the cycle last
  // evaluated (between Evaluate and Update), and its registers.
  bool Idle() const { return core_.Idle(); }
  bool Retired() const { return core_.Retired(); }
  uint16_t RetirePc() const { return core_.RetirePc(); }
  bool Dispatched() const { return core_.Dispatched(); }
  bool Stalled() const { return core_.Stalled(); }
  int Wait() const { return core_.Wait(); }
  uint32_t Reg(int i) const { return core_.Reg(i); }
  /// The wavelet the router hands the core this cycle (core_rx_valid_o, core_rx_flit_o).
  bool CoreRxValid() const { return (rout_.valid >> 4) & 1; }
  uint64_t CoreRxFlit() const { return rout_.flit[4]; }
  /// This cycle's SRAM bank requests (mem_req_o and the port fields of each requested bank).
  uint32_t RequestMask() const { return core_.RequestMask(); }
  const BankRequest& Request(int bank) const { return requests_[bank]; }
  const FastCore& Core() const { return core_; }
  /// Closed tensor operations run ahead and replayed (TensorReplay), the default; off for
  /// lockstep runs that compare every cycle's bank requests.
  void SetRunAhead(bool on) { core_.SetRunAhead(on); }
  /// Replayed cycles show their bank requests (Request, RequestMask) for lockstep harnesses.
  void SetShowReplayRequests(bool on) { core_.SetShowReplayRequests(on); }
  /// Replaying a closed tensor operation run ahead: this cycle's bank requests were served
  /// when it ran (RequestMask() shows none unless SetShowReplayRequests).
  bool Replaying() const { return core_.Replaying(); }
  const FastRouter& Router() const { return router_; }
  /// Memory this tile holds, excluding its SRAM bytes and the shared decoded program.
  size_t Bytes() const;

 private:
  // What every evaluated cycle touches comes first, together: a wafer steps ~900,000 tiles,
  // and each cache line a tile's cycle reaches costs a miss.
  int x_, y_;
  Activity activity_ = Activity::Busy;
  int wait_color_ = 0;
  bool moved_ = false;
  bool skipped_ = false;
  bool router_idle_ = false;  // the router is empty and nothing reaches it this cycle
  bool links_quiet_ = false;
  // Waiting at a fixed point: the core's state (StillHash) was the same after two cycles
  // waiting for fabric input with quiet links, an empty router and settled banks, so further
  // such cycles only count; still_skipped_: the last cycle was one of them, not evaluated.
  bool still_ = false, still_skipped_ = false;
  // The last cycle was one of a replayed tensor operation's, sat out: the router was quiet
  // and nothing arrived, so only the replay moved on.
  bool replay_skipped_ = false;
  bool quiet_ = false;  // halted with nothing in its router: a cycle without input changes nothing
  bool sram_settled_ = false;  // sram_.Settled() after its last edge
  uint32_t last_req_mask_ = 0;
  uint64_t still_hash_ = 0;
  FastRouter::Outputs rout_;
  FastRouter::Inputs rin_;
  TileCounters counters_;
  std::array<BankRequest, kFastMaxBanks> requests_{};  // SramBanks::Edge's argument, one per bank
  FastCore core_;  // before the router: it checks the parameters first, naming the tile
  FastRouter router_;
  SramBanks sram_;
  std::shared_ptr<const DecodedProgram> program_;
  TileSpec spec_;
};

}  // namespace wafersim::fabric
