// A W x H mesh of FastRouters (systemc/fast/fast_router.h, the C++ model of mesh_router that is
// cycle-exact against the RTL), with the interface of RouterMesh that the synthetic-traffic
// experiment uses: Local terminals, route writes, Step, and the deadlock and error reports.
// Stepped as RouterMesh steps the Verilated routers, so a run gives the same wavelets in the
// same cycles, and it skips exactly the routers RouterMesh skips as idle.
//
// No waves (OpenTrace throws) and no edge terminals: a wavelet sent off the mesh is an error,
// as in a RouterMesh with closed edges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "noc/router_mesh.h"
#include "wavelet.h"

namespace wafersim::fabric {
class FastRouter;
}

namespace wafersim::noc {

class FastRouterMesh {
 public:
  /// `colors`: colors each router implements, 1..24 (a run that uses colors 0..k-1 only may
  /// build routers with k colors: the arbiters order requesters as the RTL's do). The buffers
  /// are `config.buffer_depth` deep with that many credits, which behaves exactly as the
  /// RTL's deeper buffers with the credit limit lowered to it. `open_edges` must be false.
  FastRouterMesh(const RouterMeshConfig& config, int colors);
  ~FastRouterMesh();
  FastRouterMesh(const FastRouterMesh&) = delete;
  FastRouterMesh& operator=(const FastRouterMesh&) = delete;

  /// Bytes one node of such a mesh holds: the router with its arrays, its outputs, inputs
  /// and Local terminal (for the memory guard of big meshes).
  static size_t BytesPerRouter(int colors, int buffer_depth);

  int Width() const { return config_.width; }
  int Height() const { return config_.height; }
  int BufferDepth() const { return config_.buffer_depth; }
  uint64_t Cycle() const { return cycle_; }

  Terminal& Local(int x, int y) { return *locals_[Index(x, y)]; }

  void WriteRoute(int x, int y, int color, int sel, uint32_t data);
  void SetColorMode(int x, int y, int color, bool dynamic, int last_position = 0);
  void FlushConfig();
  bool ConfigPending() const;

  /// Every router back to its reset state and the terminals emptied; `cycles` counts as in
  /// RouterMesh (the RTL's reset takes that many clock cycles).
  void Reset(int cycles = 2);
  /// One clock cycle: every router takes its inputs (its neighbours' outputs of the last
  /// cycle), then all outputs update together.
  void Step();

  int MovedLastStep() const { return moved_; }
  bool AnyBuffered() const { return busy_count_ != 0; }
  std::vector<BufferState> BufferedWavelets() const;
  uint32_t Errors(int x, int y) const;
  std::string ErrorReport() const;
  uint64_t OutputCount(int x, int y, Dir dir) const;
  uint64_t SkippedEvals() const { return skipped_; }

  /// Waves come from the Verilated routers only: throws std::invalid_argument.
  void OpenTrace(const std::string& path, int x0, int y0, int x1, int y1, uint64_t c0, uint64_t c1);
  void CloseTrace() {}

 private:
  struct Node;
  int Index(int x, int y) const { return y * config_.width + x; }
  /// This cycle's inputs of node i; false when the router may skip the cycle.
  bool DriveInputs(int i);

  RouterMeshConfig config_;
  int colors_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Terminal*> locals_;  // each node's Local terminal
  std::vector<uint8_t> busy_;  // per node, after the last cycle: wavelets buffered or an output valid
  std::vector<int> active_;    // nodes evaluated this cycle
  size_t busy_count_ = 0;
  size_t pending_writes_ = 0;
  uint64_t cycle_ = 0;
  uint64_t skipped_ = 0;
  int moved_ = 0;
};

}  // namespace wafersim::noc
