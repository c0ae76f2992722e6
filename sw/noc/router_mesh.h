// A W x H mesh of Verilated RTL routers (mesh_router), wired link to link, with the Local
// ports and the links off the mesh edge exposed as terminals for traffic and testbenches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wavelet.h"

class VerilatedContext;
class VerilatedFstC;
class Vmesh_router;

namespace wafersim::noc {

/// Colors and the deepest input buffer the simulated router was built with.
int CompiledColors();
int CompiledMaxBufferDepth();

struct RouterMeshConfig {
  int width = 4;         ///< routers along x (East)
  int height = 4;        ///< routers along y (South)
  int buffer_depth = 4;  ///< wavelets per input buffer per color, 1..CompiledMaxBufferDepth()
  /// Coordinates of the router at index (0, 0): a mesh can stand for a region of a larger one.
  int origin_x = 0;
  int origin_y = 0;
  /// Allow wavelets to leave through the mesh edge (single-router testbenches); when false,
  /// a wavelet sent off the mesh is an error naming the router, port and color.
  bool open_edges = false;
};

/// Throws std::invalid_argument when the mesh would leave the routers' coordinate range
/// (both router models check it the same way).
void CheckMeshCoordinates(const RouterMeshConfig& config);

/// One end of a link the mesh does not wire itself: a Local port, or a link off the edge.
/// What is Sent goes into the router on the next Step; what the router sent is Received.
/// The terminal keeps the credit count for sending, and returns a credit for each received
/// wavelet one cycle later while it is accepting (a sink with a buffer of the mesh's depth).
class Terminal {
 public:
  bool CanSend(int color) const { return !pending_ && credits_[color] > 0; }
  /// Queues a wavelet for the next cycle; throws if there is no credit or one is queued.
  void Send(const Wavelet& w);
  /// The wavelet the router delivered in the last cycle, if any.
  const std::optional<Wavelet>& Received() const { return received_; }
  /// When not accepting, received wavelets keep their slot: the router stalls on credits.
  void SetAccepting(bool accepting);
  int Credits(int color) const { return credits_[color]; }
  /// Fault injection for testbenches: returns a credit the router never gave, which the
  /// RTL's assertions must catch as an overflow.
  void InjectBogusCredit(int color) { ++owed_[color]; }

  // The link side, for whatever drives the router's port (a mesh, a tile bench).
  /// Empties the terminal (a reset): `depth` credits per color, accepting.
  void Reset(int depth);
  /// The wavelet to drive into the router this cycle (and forgets it).
  std::optional<Wavelet> TakeOutgoing() {
    std::optional<Wavelet> w = pending_;
    pending_.reset();
    return w;
  }
  /// Credits to return to the router this cycle, one bit per color (at most one each).
  uint64_t TakeCreditReturns(int colors) {
    uint64_t cr = 0;
    for (int c = 0; c < colors; ++c) {
      if (owed_[c] > 0) {
        cr |= uint64_t{1} << c;
        --owed_[c];
      }
    }
    return cr;
  }
  /// What the router sent this cycle, and the credits it returned (one bit per color).
  void Arrive(const std::optional<Wavelet>& w, uint64_t credits, int colors);

 private:
  std::optional<Wavelet> pending_;
  std::optional<Wavelet> received_;
  bool accepting_ = true;
  std::array<int, 32> credits_{};   // for sending into the router
  std::array<int, 32> owed_{};      // credits to return, one per color per cycle
  std::array<int, 32> withheld_{};  // credits held back while not accepting
};

/// A buffer that holds wavelets, for deadlock reports.
struct BufferState {
  int x, y;
  Dir port;
  int color;
  bool full;
};

class RouterMesh {
 public:
  explicit RouterMesh(const RouterMeshConfig& config);
  ~RouterMesh();
  RouterMesh(const RouterMesh&) = delete;
  RouterMesh& operator=(const RouterMesh&) = delete;

  /// Bytes one router of the mesh holds: the Verilated model (its symbol table holds the
  /// design's state) and the node around it with its terminals (for the memory guard of big
  /// meshes).
  static size_t BytesPerRouter();

  int Width() const { return config_.width; }
  int Height() const { return config_.height; }
  int BufferDepth() const { return config_.buffer_depth; }
  uint64_t Cycle() const { return cycle_; }

  Terminal& Local(int x, int y);
  /// The terminal on the link leaving (x, y) through `dir`, which must point off the mesh.
  Terminal& Edge(int x, int y, Dir dir);

  /// Queues a route register write; each router takes one write per cycle.
  void WriteRoute(int x, int y, int color, int sel, uint32_t data);
  void SetColorMode(int x, int y, int color, bool dynamic, int last_position = 0);
  void SetStaticRoute(int x, int y, int color, int position, uint8_t rx_ports, uint8_t tx_ports);
  /// Steps until every queued route write has been applied.
  void FlushConfig();
  bool ConfigPending() const;

  /// Holds every router in reset for `cycles` cycles and empties the terminals (which then
  /// accept again).
  void Reset(int cycles = 2);
  /// One clock cycle: every router samples its inputs, then all outputs update together.
  void Step();

  /// Wavelets that crossed a router output (any port) in the last Step.
  int MovedLastStep() const { return moved_; }
  bool AnyBuffered() const;
  std::vector<BufferState> BufferedWavelets() const;
  /// Sticky error bits of a router (mesh_pkg::Err*), and a text for all routers that have any.
  uint32_t Errors(int x, int y) const;
  std::string ErrorReport() const;
  /// Wavelets sent through (x, y)'s output `dir` since construction.
  uint64_t OutputCount(int x, int y, Dir dir) const;
  /// Router evaluations skipped because the router was idle (nothing buffered or arriving).
  uint64_t SkippedEvals() const { return skipped_; }

  /// Records FST waves of the routers in [x0..x1] x [y0..y1] for cycles [c0, c1).
  void OpenTrace(const std::string& path, int x0, int y0, int x1, int y1, uint64_t c0,
                 uint64_t c1);
  void CloseTrace();

 private:
  struct Node;
  Node& At(int x, int y) { return *nodes_[y * config_.width + x]; }
  const Node& At(int x, int y) const { return *nodes_[y * config_.width + x]; }
  void DriveInputs(Node& n);
  void CollectTerminals(Node& n);
  void Eval(Node& n);
  void DumpTrace(uint64_t time);
  void CheckRtlErrors();

  RouterMeshConfig config_;
  std::unique_ptr<VerilatedContext> context_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unique_ptr<VerilatedFstC> trace_;
  uint64_t trace_c0_ = 0, trace_c1_ = 0;
  uint64_t cycle_ = 0;
  uint64_t skipped_ = 0;
  int moved_ = 0;
};

std::string RouterName(int x, int y);

}  // namespace wafersim::noc
