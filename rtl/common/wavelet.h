// A wavelet as the RTL packs it (mesh_pkg::flit_t) and the router's port numbering: the C++ side of
// mesh_pkg.sv, shared by the router mesh (sw/noc), the fabric (systemc/) and the testbenches.
#pragma once

#include <cstdint>
#include <string>

namespace wafersim::noc {

/// Router ports, numbered as mesh_pkg::dir_e.
enum class Dir : uint8_t { North = 0, East = 1, South = 2, West = 3, Local = 4 };
inline constexpr int kNumPorts = 5;
inline constexpr int kFlitBits = 40;  // mesh_pkg::FlitW
inline constexpr int kCoordBits = 11;  // mesh_pkg::CoordW
inline constexpr int kMaxCoord = (1 << kCoordBits) - 1;
inline constexpr int kTagBits = 32 - 2 * kCoordBits;

const char* DirName(Dir d);
inline Dir Opposite(Dir d) {
  switch (d) {
    case Dir::North: return Dir::South;
    case Dir::South: return Dir::North;
    case Dir::East: return Dir::West;
    case Dir::West: return Dir::East;
    default: return Dir::Local;
  }
}
inline uint8_t PortBit(Dir d) { return static_cast<uint8_t>(1u << static_cast<int>(d)); }

/// One 32-bit payload with its color and marking bits.
struct Wavelet {
  uint32_t data = 0;
  uint8_t color = 0;
  bool ctrl = false;
  bool head = false;
  bool tail = false;

  /// Bit layout of mesh_pkg::flit_t: data[39:8] color[7:3] ctrl[2] head[1] tail[0].
  uint64_t Pack() const {
    return (uint64_t{data} << 8) | (uint64_t{color} << 3) | (uint64_t{ctrl} << 2) |
           (uint64_t{head} << 1) | uint64_t{tail};
  }
  static Wavelet Unpack(uint64_t bits) {
    Wavelet w;
    w.data = static_cast<uint32_t>(bits >> 8);
    w.color = static_cast<uint8_t>((bits >> 3) & 0x1f);
    w.ctrl = (bits >> 2) & 1;
    w.head = (bits >> 1) & 1;
    w.tail = bits & 1;
    return w;
  }
  bool operator==(const Wavelet& o) const { return Pack() == o.Pack(); }
  std::string ToString() const;
};

/// Payload of a dynamic packet's head wavelet (mesh_pkg::dyn_head_t).
inline uint32_t DynamicHeadPayload(int dst_x, int dst_y, uint32_t tag) {
  return (tag << (2 * kCoordBits)) | (static_cast<uint32_t>(dst_y) << kCoordBits) |
         static_cast<uint32_t>(dst_x);
}
inline int HeadDstX(uint32_t data) { return data & kMaxCoord; }
inline int HeadDstY(uint32_t data) { return (data >> kCoordBits) & kMaxCoord; }
inline uint32_t HeadTag(uint32_t data) { return data >> (2 * kCoordBits); }

/// Route register selectors on the configuration port (mesh_pkg::cfg_sel_e).
inline constexpr int kCfgMode = 4;
inline uint32_t PositionWord(uint8_t rx_ports, uint8_t tx_ports) {
  return (rx_ports & 0x1fu) | ((tx_ports & 0x1fu) << 5);
}
inline uint32_t ModeWord(bool dynamic, int last_position) {
  return (dynamic ? 1u : 0u) | (static_cast<uint32_t>(last_position & 3) << 1);
}

}  // namespace wafersim::noc
