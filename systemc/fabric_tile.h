// What the fabric needs of a tile, whichever model runs it: the Verilated RTL (RtlTile) or
// the C++ model that is cycle-exact against it (FastTile). Both step in two phases so that
// tile order never matters: Evaluate (take this cycle's link inputs, drive the outputs) and
// Update (the clock edge), and both classify every cycle for the statistics.
#pragma once

#include <array>
#include <cstdint>

#include "isa/program.h"
#include "link_bundle.h"
#include "sram_banks.h"

class VerilatedFstC;

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
  int colors = 8;
  int credit_limit = 4;  ///< the router buffer depth in use
  int imem_words = 4096;
  int simd_width = 4;
  SramBankConfig sram;
};

/// Clears the banks and stores the program's data segments (the backdoor, no cycles); throws
/// naming the tile when a segment lies beyond the SRAM.
void LoadProgramData(const isa::Program& program, int x, int y, SramBanks& sram);

/// The tile models a fabric can hold.
enum class TileModel : uint8_t { Rtl, Fast };

class FabricTile {
 public:
  virtual ~FabricTile() = default;

  virtual TileModel Model() const = 0;
  /// Holds the tile in reset and loads a program (instructions and data); it runs from
  /// Release().
  virtual void Load(const isa::Program& program) = 0;
  virtual void Release() = 0;
  /// The first half of a cycle: `in` are the four links' bundles (North, East, South, West)
  /// as the neighbours drove them last cycle; `out` gets what this tile drives now.
  virtual void Evaluate(const std::array<const LinkBundle*, 4>& in, std::array<LinkBundle, 4>& out) = 0;
  /// The clock edge.
  virtual void Update() = 0;

  virtual int X() const = 0;
  virtual int Y() const = 0;
  virtual bool Halted() const = 0;
  virtual int Error() const = 0;
  virtual uint16_t Pc() const = 0;
  virtual int Task() const = 0;
  virtual Activity LastActivity() const = 0;
  virtual int WaitColor() const = 0;
  /// Something moved in the last cycle: the core made progress or the router sent a wavelet.
  virtual bool Moved() const = 0;
  /// The last cycle was skipped (halted, router empty, nothing arriving).
  virtual bool Skipped() const = 0;
  /// A cycle with quiet inputs would change nothing but cycle counts: skipped halted, or
  /// (fast tiles) waiting at a fixed point. The grid may then stop visiting the tile and
  /// account the cycles it sat out with SkipCycles.
  virtual bool Dormant() const = 0;
  /// How many more cycles a dormant tile may sit out with quiet inputs before it must run
  /// again (kDormantForever: until an input comes); a fast tile replaying a tensor
  /// operation must run its last cycle.
  static constexpr uint64_t kDormantForever = ~uint64_t{0};
  virtual uint64_t DormantCycles() const { return kDormantForever; }
  /// Counts `cycles` more cycles like the last one, as if run with quiet inputs (a replaying
  /// fast tile: the replay's next cycles).
  virtual void SkipCycles(uint64_t cycles) = 0;
  /// A wavelet sits in one of the router's input buffers.
  virtual bool Buffered() const = 0;
  /// A wavelet sits in a router output register, to leave next cycle.
  virtual bool OutputPending() const = 0;
  /// The router's full input buffers at `port` (N, E, S, W, Local): one bit per color.
  virtual uint32_t FullColors(int port) const = 0;
  virtual uint32_t RouterErrorBits() const = 0;
  virtual const TileCounters& Counters() const = 0;
  virtual SramBanks& Sram() = 0;
  virtual const SramBanks& Sram() const = 0;
};

}  // namespace wafersim::fabric
