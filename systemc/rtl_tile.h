// One wafer tile as the fabric simulates it: the Verilated RTL tile (pe_tile: core and router)
// with its SRAM banks, stepped in two phases so that tile order never matters: Evaluate
// (drive this cycle's link inputs, settle, take the outputs) and Update (the clock edge).
// It also classifies every cycle (busy, idle, halted, or waiting and why) for the statistics.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "isa/program.h"
#include "link_bundle.h"
#include "sram_banks.h"

class VerilatedContext;
class VerilatedFstC;
class Vpe_tile;

namespace wafersim::fabric {

/// What a tile did in a cycle.
enum class Activity : uint8_t { Busy, Idle, Halted, WaitFabricIn, WaitFabricOut, WaitSram };
inline constexpr int kActivities = 6;
const char* ActivityName(Activity a);

struct TileCounters {
  std::array<uint64_t, kActivities> cycles{};  ///< by Activity
  uint64_t retired = 0;
  uint64_t dispatched = 0;
  std::array<uint64_t, 5> sent{};  ///< wavelets out of each router port (N, E, S, W, Local = to the core)
};

struct TileSpec {
  int credit_limit = 4;  ///< the router buffer depth in use
  int imem_words = 4096;
  SramBankConfig sram;
};

/// The Verilated tile's parameters (rtl/CMakeLists.txt).
struct CompiledTile {
  int colors, buffer_depth, banks, sram_bytes, imem_words, read_latency, simd_width;
};
CompiledTile CompiledTileParameters();

class RtlTile {
 public:
  /// `scope` names the model in traces (signals appear as scope.pe_tile...).
  RtlTile(VerilatedContext* context, const std::string& scope, int x, int y, const TileSpec& spec);
  ~RtlTile();
  RtlTile(const RtlTile&) = delete;
  RtlTile& operator=(const RtlTile&) = delete;

  /// Holds the tile in reset and loads a program: its instructions through the instruction
  /// memory port, its data into the banks. The tile runs from Release().
  void Load(const isa::Program& program);
  void Release();

  /// The first half of a cycle: `in` are the four links' bundles (North, East, South, West)
  /// as the neighbours drove them last cycle; `out` gets what this tile drives now.
  void Evaluate(const std::array<const LinkBundle*, 4>& in, std::array<LinkBundle, 4>& out);
  /// The clock edge.
  void Update();

  int X() const { return x_; }
  int Y() const { return y_; }
  bool Halted() const;
  int Error() const;
  uint16_t Pc() const;
  int Task() const;
  Activity LastActivity() const { return activity_; }
  int WaitColor() const { return wait_color_; }
  /// Something moved in the last cycle: the core made progress or the router sent a wavelet.
  bool Moved() const { return moved_; }
  /// The last cycle was skipped (halted, router empty, nothing arriving).
  bool Skipped() const { return skipped_; }
  /// Wavelets buffered in the router, and its full buffers: one bit per port x color.
  uint64_t BufferedMask() const;
  /// A wavelet sits in a router output register, to leave next cycle.
  bool OutputPending() const;
  uint64_t FullMask() const;
  uint32_t RouterErrorBits() const;
  const TileCounters& Counters() const { return counters_; }
  SramBanks& Sram() { return sram_; }
  const SramBanks& Sram() const { return sram_; }
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
