// The mesh router (rtl/router/mesh_router.sv with flit_fifo.sv and rr_arbiter.sv) as a C++
// model that is cycle-exact against the RTL: for the same inputs every cycle it drives the
// same outputs (wavelets, valids, credits, buffer flags, error bits).
//
// Stepped the way the fabric steps the RTL tile: Evaluate (drive this cycle's inputs, take
// this cycle's outputs) then Update (the rising clock edge). Every output of the RTL depends
// on registers only (flit_o/valid_o are the output registers; credit_o is the pop, decided
// by the buffered heads, route state, credit counters and arbiter pointers; nonempty_o,
// full_o and err_o are registers too), so the inputs of a cycle act only at its edge.
//
// Bytes per router (Bytes(): the object and its four arrays, printed by
// build/fast_router_bench): 2,240 at 8 colors and depth 4, 5,360 at 24 colors and depth 4,
// of which the wavelet storage (one uint64_t per buffer slot) is 1,280 and 3,840; that storage
// is allocated at the first wavelet in, so a router that never buffers one costs the rest.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace wafersim::fabric {

class FastRouter {
 public:
  static constexpr int kPorts = 5;       ///< mesh_pkg::NumPorts, indexed by mesh_pkg::dir_e
  static constexpr int kMaxColors = 24;  ///< 5 x 24 (input, color) requesters fit one 128-bit mask
  static constexpr int kMaxDepth = 16;
  static constexpr int kMaxCoord = 2047;  ///< mesh_pkg::coord_t is 11 bits
  /// Sticky error bits (mesh_pkg::Err*).
  static constexpr uint8_t kErrBadConfig = 1u << 0;
  static constexpr uint8_t kErrBadColor = 1u << 1;
  static constexpr uint8_t kErrBadFraming = 1u << 2;

  /// The RTL's input ports for one cycle (per-port arrays in mesh_pkg::dir_e order).
  struct Inputs {
    std::array<uint64_t, kPorts> flit{};    ///< flit_i: mesh_pkg::flit_t in bits 39:0
    uint8_t valid = 0;                      ///< valid_i: bit per port
    std::array<uint32_t, kPorts> credit{};  ///< credit_i: per output, bit per color
    bool cfg_valid = false;                 ///< route register write
    uint8_t cfg_color = 0;                  ///< 5 bits
    uint8_t cfg_sel = 0;                    ///< 3 bits, mesh_pkg::cfg_sel_e
    uint16_t cfg_data = 0;                  ///< 10 bits

    /// Nothing arrives: with a Quiet() router, the cycle would change nothing.
    bool Quiet() const {
      return valid == 0 && !cfg_valid &&
             (credit[0] | credit[1] | credit[2] | credit[3] | credit[4]) == 0;
    }
  };

  /// The RTL's output ports for one cycle.
  struct Outputs {
    std::array<uint64_t, kPorts> flit{};      ///< flit_o (holds the last wavelet when idle)
    uint8_t valid = 0;                        ///< valid_o: bit per port
    std::array<uint32_t, kPorts> credit{};    ///< credit_o: per input, bit per color
    std::array<uint32_t, kPorts> nonempty{};  ///< nonempty_o: per input, bit per color
    std::array<uint32_t, kPorts> full{};      ///< full_o: per input, bit per color
    uint8_t err = 0;                          ///< err_o: kErr* bits
  };

  /// The RTL's parameters (colors: NumColors, depth: BufDepth) and straps (x_i, y_i,
  /// credit_limit_i). Throws std::invalid_argument naming a value out of range.
  FastRouter(int colors, int depth, int x, int y, int credit_limit);
  FastRouter(const FastRouter&) = delete;
  FastRouter& operator=(const FastRouter&) = delete;

  /// The state the RTL is in after a reset with this router's straps.
  void Reset();

  /// The first half of a cycle: `out` gets this cycle's outputs; `in` acts at Update().
  void Evaluate(const Inputs& in, Outputs& out) {
    Settle(out);
    Drive(in);
  }
  /// This cycle's outputs. They depend on registers only, so a tile may settle its router
  /// before its core has driven the Local port, then Drive() it.
  void Settle(Outputs& out);
  /// This cycle's inputs, taken at the next Update() (without a Drive(), quiet inputs).
  void Drive(const Inputs& in) { in_ = in; }
  /// The rising clock edge: every register takes its next value. Needs this cycle's Settle().
  void Update() {
    Update(in_);
    in_.valid = 0;  // inputs last one cycle
    in_.credit = {};
    in_.cfg_valid = false;
  }
  /// The same with this cycle's inputs given here rather than by Drive() (a tile passes its
  /// own, which saves copying them into the router's object, another cache line).
  void Update(const Inputs& in);

  /// A wavelet sits in some input buffer.
  bool AnyBuffered() const {
    return (nonempty_[0] | nonempty_[1] | nonempty_[2] | nonempty_[3] | nonempty_[4]) != 0;
  }
  /// A wavelet sits in an output register (it is on its link this cycle).
  bool OutputPending() const { return valid_q_ != 0; }
  /// A cycle with Inputs::Quiet() inputs would change nothing: the fabric may skip it.
  bool Quiet() const { return !AnyBuffered() && !OutputPending(); }
  uint32_t Nonempty(int port) const { return nonempty_[port]; }
  uint32_t Full(int port) const { return full_[port]; }
  uint8_t Errors() const { return err_q_; }

  int Colors() const { return colors_; }
  int Depth() const { return depth_; }
  int X() const { return x_; }
  int Y() const { return y_; }
  int CreditLimit() const { return limit_; }
  /// Memory this router holds: the object and its arrays.
  size_t Bytes() const;

 private:
  // One (input, color) buffer.
  struct Lane {
    uint8_t rd, wr, count;  // flit_fifo pointers and occupancy
    uint8_t route;          // output of the dynamic packet in progress (route_q)
  };
  // One color's switch: rx/tx masks per position, the position and the last one.
  struct Switch {
    std::array<uint8_t, 4> rx, tx;
    uint8_t pos, last_pos;
  };
  using PortMasks = std::array<uint32_t, kPorts>;  // per port, one bit per color

  int LaneIndex(int port, int color) const { return port * colors_ + color; }
  uint64_t Head(int lane) const { return slots_[lane * depth_ + lanes_[lane].rd]; }
  uint8_t XyRoute(uint64_t head) const;
  void RefreshLane(int port, int color);
  void RefreshSwitch(int color);
  void RefreshCredit(int out, int color);
  void WriteRoute(const Inputs& in);

  // Parameters and straps.
  uint8_t colors_, depth_, limit_;
  uint8_t cnt_mask_;  // the RTL's counter width, clog2(depth + 1) bits
  uint16_t x_, y_;
  uint32_t color_mask_;
  // Registers, as the RTL holds them.
  std::unique_ptr<uint64_t[]> slots_;  // [input][color][depth] wavelets; null until the first
  std::unique_ptr<Lane[]> lanes_;      // [input][color]
  std::unique_ptr<uint8_t[]> used_;    // [output][color] credits in use (used_q)
  std::unique_ptr<Switch[]> switches_;  // [color]
  PortMasks open_{};  // per input: a dynamic packet is in progress (open_q)
  PortMasks lock_{};  // per output: held by a dynamic packet (lock_q)
  std::array<PortMasks, kPorts> sent_{};   // [input][output]: the head went there (sent_q)
  std::array<PortMasks, kPorts> owned_{};  // [output][input]: owner_q[output][color] == input
  uint32_t dyn_ = 0;                       // per color: dynamic routing (dyn_q)
  std::array<uint8_t, kPorts> rr_next_{};  // per output: arbiter priority starts here (above_q)
  std::array<uint64_t, kPorts> flit_q_{};
  uint8_t valid_q_ = 0;
  uint8_t err_q_ = 0;
  // Functions of the registers, kept up to date as they change, so that a cycle's requests
  // are a few mask operations per (input, output) pair.
  PortMasks nonempty_{}, full_{};  // per input: count != 0, count == depth
  PortMasks head_flag_{};          // per input: the head wavelet's head bit
  std::array<PortMasks, kPorts> dyn_dir_{};  // [input][output]: where a dynamic head goes
  PortMasks rx_ok_{};   // per input: colors whose current position accepts from it
  PortMasks tx_has_{};  // per output: colors whose current position sends to it
  PortMasks credit_ok_{};  // per output: colors with used < limit
  // This cycle, between Settle/Drive and Update.
  std::array<int8_t, kPorts> win_port_{}, win_color_{};  // per output: the granted lane, or -1
  PortMasks pop_{};  // per input: colors leaving their buffer (credit_o)
  bool bad_frame_ = false;
  bool settled_ = false;  // Update() needs this cycle's Settle()
  Inputs in_;
};

}  // namespace wafersim::fabric
