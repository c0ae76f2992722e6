// A single Verilated router with all five ports driven by the testbench: a 1x1 mesh whose
// edge links are open, placed at (5, 5) so that dynamic routes can leave in every direction.
#pragma once

#include <array>
#include <vector>

#include "noc/router_mesh.h"

namespace wafersim::tb {

using noc::Dir;
using noc::Wavelet;

struct Arrival {
  Wavelet wavelet;
  uint64_t cycle;
};

class SingleRouter {
 public:
  static constexpr int kX = 5, kY = 5;
  explicit SingleRouter(int depth = 4)
      : mesh_(noc::RouterMeshConfig{1, 1, depth, kX, kY, true}) {}

  noc::RouterMesh& Mesh() { return mesh_; }
  noc::Terminal& Port(Dir d) { return d == Dir::Local ? mesh_.Local(0, 0) : mesh_.Edge(0, 0, d); }
  /// One cycle; whatever the router delivered is appended to Out(port).
  void Step() {
    mesh_.Step();
    for (int p = 0; p < noc::kNumPorts; ++p) {
      const auto& got = Port(static_cast<Dir>(p)).Received();
      if (got) out_[p].push_back(Arrival{*got, mesh_.Cycle()});
    }
  }
  void Run(int cycles) {
    for (int i = 0; i < cycles; ++i) Step();
  }
  std::vector<Arrival>& Out(Dir d) { return out_[static_cast<int>(d)]; }
  void ClearOutputs() {
    for (auto& o : out_) o.clear();
  }
  void Static(int color, uint8_t rx, uint8_t tx, int position = 0, int last_position = 0) {
    mesh_.SetColorMode(0, 0, color, false, last_position);
    mesh_.SetStaticRoute(0, 0, color, position, rx, tx);
    mesh_.FlushConfig();
  }
  void Dynamic(int color) {
    mesh_.SetColorMode(0, 0, color, true);
    mesh_.FlushConfig();
  }

 private:
  noc::RouterMesh mesh_;
  std::array<std::vector<Arrival>, noc::kNumPorts> out_;
};

inline uint8_t Ports(std::initializer_list<Dir> dirs) {
  uint8_t m = 0;
  for (Dir d : dirs) m |= noc::PortBit(d);
  return m;
}

inline Wavelet Data(int color, uint32_t data, bool ctrl = false) {
  Wavelet w;
  w.color = static_cast<uint8_t>(color);
  w.data = data;
  w.ctrl = ctrl;
  return w;
}

}  // namespace wafersim::tb
