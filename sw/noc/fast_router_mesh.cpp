#include "noc/fast_router_mesh.h"

#include <stdexcept>

#include <fmt/format.h>

#include "fast_router.h"
#include "router_errors.h"

namespace wafersim::noc {

namespace {
using fabric::FastRouter;

struct RouteWrite {
  uint8_t color;
  uint8_t sel;
  uint16_t data;
};

// Ports of a router at (x, y) whose links leave a w x h mesh, one bit per Dir.
uint8_t EdgePorts(int x, int y, int w, int h) {
  uint8_t m = 0;
  if (y == 0) m |= PortBit(Dir::North);
  if (x == w - 1) m |= PortBit(Dir::East);
  if (y == h - 1) m |= PortBit(Dir::South);
  if (x == 0) m |= PortBit(Dir::West);
  return m;
}
}  // namespace

struct FastRouterMesh::Node {
  Node(int colors, int depth, int x, int y) : router(colors, depth, x, y, depth) {}
  // First what every cycle reads of an idle node, then what a busy one needs.
  Terminal local;
  std::array<int, 4> neighbor{};  // node index by Dir; -1 off the mesh
  std::vector<RouteWrite> writes;  // queued route writes, applied from `next_write`
  size_t next_write = 0;
  uint8_t edges = 0;              // ports whose link leaves the mesh
  int x = 0, y = 0;
  FastRouter::Outputs out;  // this cycle's outputs (settled after the last edge)
  FastRouter::Inputs in;    // this cycle's inputs, built by DriveInputs
  FastRouter router;
  std::array<uint64_t, kNumPorts> out_count{};
};

FastRouterMesh::FastRouterMesh(const RouterMeshConfig& config, int colors)
    : config_(config), colors_(colors) {
  CheckMeshCoordinates(config);
  if (config.open_edges) {
    throw std::invalid_argument("FastRouterMesh: open edges are not modelled (RouterMesh has them)");
  }
  // FastRouter's constructor checks the colors and the depth, naming the one out of range.
  const int w = config.width, h = config.height;
  nodes_.reserve(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      auto n = std::make_unique<Node>(colors, config.buffer_depth, config.origin_x + x, config.origin_y + y);
      n->x = x;
      n->y = y;
      n->neighbor = {y > 0 ? Index(x, y - 1) : -1, x < w - 1 ? Index(x + 1, y) : -1,
                     y < h - 1 ? Index(x, y + 1) : -1, x > 0 ? Index(x - 1, y) : -1};
      n->edges = EdgePorts(x, y, w, h);
      nodes_.push_back(std::move(n));
    }
  }
  for (auto& n : nodes_) locals_.push_back(&n->local);
  busy_.assign(nodes_.size(), 0);
  active_.reserve(nodes_.size());
  Reset();
}

FastRouterMesh::~FastRouterMesh() = default;

size_t FastRouterMesh::BytesPerRouter(int colors, int buffer_depth) {
  const FastRouter probe(colors, buffer_depth, 0, 0, buffer_depth);
  constexpr size_t kHeapOverhead = 16;  // per allocation: the node and the router's four arrays
  return probe.Bytes() - sizeof(FastRouter) + sizeof(Node) + sizeof(std::unique_ptr<Node>) +
         sizeof(Terminal*) + sizeof(uint8_t) + sizeof(int) + 5 * kHeapOverhead;
}

void FastRouterMesh::WriteRoute(int x, int y, int color, int sel, uint32_t data) {
  nodes_[Index(x, y)]->writes.push_back(
      RouteWrite{static_cast<uint8_t>(color), static_cast<uint8_t>(sel), static_cast<uint16_t>(data)});
  ++pending_writes_;
}

void FastRouterMesh::SetColorMode(int x, int y, int color, bool dynamic, int last_position) {
  WriteRoute(x, y, color, kCfgMode, ModeWord(dynamic, last_position));
}

bool FastRouterMesh::ConfigPending() const { return pending_writes_ != 0; }

void FastRouterMesh::FlushConfig() {
  while (ConfigPending()) Step();
}

void FastRouterMesh::Reset(int cycles) {
  for (auto& n : nodes_) {
    n->router.Reset();
    n->router.Settle(n->out);
    n->in = {};
    n->writes.clear();
    n->next_write = 0;
    n->local.Reset(config_.buffer_depth);
  }
  busy_.assign(nodes_.size(), 0);
  busy_count_ = 0;
  pending_writes_ = 0;
  cycle_ += static_cast<uint64_t>(cycles);
}

bool FastRouterMesh::DriveInputs(int i) {
  Node& n = *nodes_[i];
  // The terminal's wavelet and credits are taken every cycle, as RouterMesh takes them.
  const std::optional<Wavelet> sent = n.local.TakeOutgoing();
  const auto local_credits = static_cast<uint32_t>(n.local.TakeCreditReturns(colors_));
  const bool write = n.next_write < n.writes.size();
  const auto busy = [&](int j) { return j >= 0 && busy_[j] != 0; };
  // A router whose neighbours are all idle gets nothing from them: skip building its inputs.
  if (!busy_[i] && !sent && local_credits == 0 && !write && !busy(n.neighbor[0]) && !busy(n.neighbor[1]) &&
      !busy(n.neighbor[2]) && !busy(n.neighbor[3])) {
    return false;
  }
  FastRouter::Inputs& in = n.in;
  in.valid = 0;
  for (int p = 0; p < 4; ++p) {
    const int j = n.neighbor[p];
    if (j < 0) {
      in.credit[p] = 0;
      continue;
    }
    const FastRouter::Outputs& o = nodes_[j]->out;
    const int q = static_cast<int>(Opposite(static_cast<Dir>(p)));
    if ((o.valid >> q) & 1) {
      in.valid |= static_cast<uint8_t>(1u << p);
      in.flit[p] = o.flit[q];
    }
    in.credit[p] = o.credit[q];
  }
  if (sent) {
    in.valid |= PortBit(Dir::Local);
    in.flit[4] = sent->Pack();
  }
  in.credit[4] = local_credits;
  in.cfg_valid = write;
  if (write) {
    const RouteWrite& w = n.writes[n.next_write++];
    in.cfg_color = w.color;
    in.cfg_sel = w.sel;
    in.cfg_data = w.data;
    --pending_writes_;
    if (n.next_write == n.writes.size()) {
      n.writes.clear();
      n.next_write = 0;
    }
  }
  // As RouterMesh: an idle router with nothing arriving would not change state.
  return busy_[i] || !in.Quiet();
}

void FastRouterMesh::Step() {
  moved_ = 0;
  active_.clear();
  const int count = static_cast<int>(nodes_.size());
  for (int i = 0; i < count; ++i) {
    if (DriveInputs(i)) {
      active_.push_back(i);
    } else {
      ++skipped_;
    }
  }
  // A skipped router was idle: its outputs stay invalid, and its terminal has nothing to
  // receive (a wavelet to its Local port last cycle would have made it busy).
  for (const int i : active_) {
    Node& n = *nodes_[i];
    n.router.Update(n.in);
    n.router.Settle(n.out);
    const bool busy = n.out.valid != 0 || n.router.AnyBuffered();
    busy_count_ += static_cast<size_t>(busy) - busy_[i];
    busy_[i] = busy;
    std::optional<Wavelet> got;
    if (n.out.valid != 0) {
      for (int p = 0; p < kNumPorts; ++p) {
        if ((n.out.valid >> p) & 1) {
          ++n.out_count[p];
          ++moved_;
        }
      }
      if (const uint8_t off = n.out.valid & n.edges; off != 0) {
        const int p = __builtin_ctz(off);
        throw std::runtime_error(fmt::format("wavelet {} left the mesh at {} through {} (cycle {})",
                                             Wavelet::Unpack(n.out.flit[p]).ToString(), RouterName(n.x, n.y),
                                             DirName(static_cast<Dir>(p)), cycle_));
      }
      if (n.out.valid & PortBit(Dir::Local)) got = Wavelet::Unpack(n.out.flit[4]);
    }
    n.local.Arrive(got, n.out.credit[4], colors_);
  }
  ++cycle_;
}

// The same buffers as RouterMesh reports, in the same order; `full` differs: these buffers are
// `--buf` deep, while the RTL's are 16 deep with the credit limit lowered, so never full.
std::vector<BufferState> FastRouterMesh::BufferedWavelets() const {
  std::vector<BufferState> out;
  for (const auto& n : nodes_) {
    for (int p = 0; p < kNumPorts; ++p) {
      for (int c = 0; c < colors_; ++c) {
        if ((n->router.Nonempty(p) >> c) & 1) {
          out.push_back({n->x, n->y, static_cast<Dir>(p), c, ((n->router.Full(p) >> c) & 1) != 0});
        }
      }
    }
  }
  return out;
}

uint32_t FastRouterMesh::Errors(int x, int y) const { return nodes_[Index(x, y)]->router.Errors(); }

std::string FastRouterMesh::ErrorReport() const {
  std::string out;
  for (const auto& n : nodes_) {
    if (n->router.Errors() != 0) {
      out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", RouterName(n->x, n->y),
                         RouterErrorText(n->router.Errors()));
    }
  }
  return out;
}

uint64_t FastRouterMesh::OutputCount(int x, int y, Dir dir) const {
  return nodes_[Index(x, y)]->out_count[static_cast<int>(dir)];
}

void FastRouterMesh::OpenTrace(const std::string&, int, int, int, int, uint64_t, uint64_t) {
  throw std::invalid_argument("--trace: waves come from the RTL routers; add --routers rtl");
}

}  // namespace wafersim::noc
