// A directed program for `send`'s wavelet bits (docs/isa.md, Fabric): from the tile at (3,2),
// the tile benches' place, it sends dynamic packets on color 3 out of all four links, framed
// by head and tail bits (a head-and-tail wavelet, a head with a one-wavelet body, and a head
// with a tensor-stream body closed by a tail), and one static wavelet with the control, head
// and tail bits all set. The RTL tile's test checks what leaves each link; the fast tile's
// test runs it in lockstep with the RTL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "isa/fp.h"
#include "wavelet.h"

namespace wafersim::tb {

/// The program's instructions and data, without a `main` label (a bench may put its own
/// preamble first); color 2 is made a static route from the core to East here.
inline std::string PacketProgramBody() {
  return R"(
        li      r1, 3
        li      r2, 1
        rcfg    r1, 4, r2                       # color 3: dynamic, X then Y by the head
        li      r1, 2
        rcfg    r1, 4, r0
        li      r2, 80                          # color 2: static, core -> East
        rcfg    r1, 0, r2
        li      r5, (7 << 22) | (2 << 11) | 5   # head to (5,2), tag 7: East
        send    r5, 3, head
        li      r6, 0x1234
        send    r6, 3, tail
        li      r5, (1 << 22) | (0 << 11) | 3   # to (3,0): North, head and tail in one wavelet
        send    r5, 3, head, tail
        li      r5, (2 << 22) | (6 << 11) | 3   # to (3,6): South, with a tensor body
        send    r5, 3, head
        li      r1, body
        li      r2, 3
        li      r3, 1
        dmem    d1, r1, r2, r3, f32
        dfab    d2, 3, r2, out, f32
        tfmov   d2, d1
        li      r6, 99
        send    r6, 3, tail
        li      r5, (3 << 22) | (2 << 11) | 0   # to (0,2): West
        send    r5, 3, tail, head
        li      r6, 0x5a5a
        send    r6, 2, ctrl, head, tail         # a static color passes the bits unchanged
        halt
        .data
body:   .float  1.5, -2.0, 3.25
)";
}

struct ExpectedWavelet {
  noc::Dir link;
  noc::Wavelet w;
};

inline noc::Wavelet PacketWavelet(int color, uint32_t data, bool head, bool tail, bool ctrl = false) {
  noc::Wavelet w;
  w.color = static_cast<uint8_t>(color);
  w.data = data;
  w.ctrl = ctrl;
  w.head = head;
  w.tail = tail;
  return w;
}

/// What leaves each link, in order.
inline std::vector<ExpectedWavelet> PacketProgramSends() {
  using noc::Dir;
  return {
      {Dir::East, PacketWavelet(3, (7u << 22) | (2u << 11) | 5u, true, false)},
      {Dir::East, PacketWavelet(3, 0x1234, false, true)},
      {Dir::North, PacketWavelet(3, (1u << 22) | 3u, true, true)},
      {Dir::South, PacketWavelet(3, (2u << 22) | (6u << 11) | 3u, true, false)},
      {Dir::South, PacketWavelet(3, isa::AsBits(1.5f), false, false)},
      {Dir::South, PacketWavelet(3, isa::AsBits(-2.0f), false, false)},
      {Dir::South, PacketWavelet(3, isa::AsBits(3.25f), false, false)},
      {Dir::South, PacketWavelet(3, 99, false, true)},
      {Dir::West, PacketWavelet(3, (3u << 22) | (2u << 11), true, true)},
      {Dir::East, PacketWavelet(2, 0x5a5a, true, true, true)},
  };
}

}  // namespace wafersim::tb
