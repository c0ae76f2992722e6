#include "noc/router_mesh.h"

#include <deque>
#include <stdexcept>

#include <fmt/format.h>

#include "Vmesh_router.h"
#include "Vmesh_router__Syms.h"
#include "port_bits.h"
#include "router_errors.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace wafersim::noc {

namespace {
constexpr int kColors = WAFERSIM_ROUTER_COLORS;
constexpr int kMaxBuf = WAFERSIM_ROUTER_MAX_BUF;
constexpr uint64_t kTimePerCycle = 1000;  // trace time units (ps): one cycle shows as 1 ns

struct RouteWrite {
  uint8_t color;
  uint8_t sel;
  uint16_t data;
};

bool OffMesh(int x, int y, Dir d, int w, int h) {
  switch (d) {
    case Dir::North: return y == 0;
    case Dir::South: return y == h - 1;
    case Dir::West: return x == 0;
    case Dir::East: return x == w - 1;
    default: return false;
  }
}
}  // namespace

int CompiledColors() { return kColors; }
int CompiledMaxBufferDepth() { return kMaxBuf; }

std::string RouterName(int x, int y) { return fmt::format("R({},{})", x, y); }

// ------------------------------------------------------------------ Terminal

void Terminal::Send(const Wavelet& w) {
  if (w.color >= kColors) {
    throw std::invalid_argument(fmt::format("wavelet color {} is not implemented (colors 0..{})",
                                            w.color, kColors - 1));
  }
  if (!CanSend(w.color)) {
    throw std::logic_error(fmt::format("terminal sent {} without a credit or while one was queued",
                                       w.ToString()));
  }
  --credits_[w.color];
  pending_ = w;
}

void Terminal::SetAccepting(bool accepting) {
  accepting_ = accepting;
  if (accepting) {
    for (int c = 0; c < kColors; ++c) {
      owed_[c] += withheld_[c];
      withheld_[c] = 0;
    }
  }
}

void Terminal::Reset(int depth) {
  accepting_ = true;
  pending_.reset();
  received_.reset();
  credits_.fill(depth);
  owed_.fill(0);
  withheld_.fill(0);
}

void Terminal::Arrive(const std::optional<Wavelet>& w, uint64_t credits, int colors) {
  received_ = w;
  if (w) (accepting_ ? owed_ : withheld_)[w->color]++;
  if (credits != 0) {
    for (int c = 0; c < colors; ++c) credits_[c] += static_cast<int>((credits >> c) & 1);
  }
}

// ------------------------------------------------------------------ RouterMesh

struct RouterMesh::Node {
  int x = 0, y = 0;
  std::unique_ptr<Vmesh_router> rtl;
  std::array<Node*, 4> neighbor{};  // by Dir; null off the mesh
  std::array<Terminal, kNumPorts> terminal;  // used for Local and for off-mesh links
  std::array<uint64_t, kNumPorts> out_count{};
  std::deque<RouteWrite> writes;
  bool traced = false;
  bool busy = false;    // after the last evaluation: wavelets buffered or an output valid
  bool active = false;  // this cycle: must be evaluated
};

void CheckMeshCoordinates(const RouterMeshConfig& config) {
  if (config.width < 1 || config.height < 1 || config.origin_x < 0 || config.origin_y < 0 ||
      config.origin_x + config.width > kMaxCoord + 1 ||
      config.origin_y + config.height > kMaxCoord + 1) {
    throw std::invalid_argument(
        fmt::format("mesh {}x{} at ({},{}) is impossible: coordinates must stay within 0..{}",
                    config.width, config.height, config.origin_x, config.origin_y, kMaxCoord));
  }
}

RouterMesh::RouterMesh(const RouterMeshConfig& config) : config_(config) {
  CheckMeshCoordinates(config);
  if (config.buffer_depth < 1 || config.buffer_depth > kMaxBuf) {
    throw std::invalid_argument(fmt::format("buffer depth {} is out of range 1..{}",
                                            config.buffer_depth, kMaxBuf));
  }
  context_ = std::make_unique<VerilatedContext>();
  context_->fatalOnError(false);  // RTL assertion failures become exceptions (CheckRtlErrors)
  context_->traceEverOn(true);
  nodes_.reserve(static_cast<size_t>(config.width) * config.height);
  for (int y = 0; y < config.height; ++y) {
    for (int x = 0; x < config.width; ++x) {
      auto n = std::make_unique<Node>();
      n->x = x;
      n->y = y;
      const std::string scope = fmt::format("R_{}_{}", x, y);
      n->rtl = std::make_unique<Vmesh_router>(context_.get(), scope.c_str());
      n->rtl->x_i = static_cast<uint16_t>(config.origin_x + x);
      n->rtl->y_i = static_cast<uint16_t>(config.origin_y + y);
      n->rtl->credit_limit_i = static_cast<uint8_t>(config.buffer_depth);
      nodes_.push_back(std::move(n));
    }
  }
  for (auto& n : nodes_) {
    const int x = n->x, y = n->y;
    if (y > 0) n->neighbor[0] = &At(x, y - 1);
    if (x < config.width - 1) n->neighbor[1] = &At(x + 1, y);
    if (y < config.height - 1) n->neighbor[2] = &At(x, y + 1);
    if (x > 0) n->neighbor[3] = &At(x - 1, y);
  }
  Reset();
}

size_t RouterMesh::BytesPerRouter() {
  constexpr size_t kHeapOverhead = 16;  // per allocation
  constexpr size_t kQueueBlock = 512 + 64;  // std::deque allocates a block and its map up front
  // What Verilator allocates per model beyond its symbol table (scopes and their names):
  // measured as the peak memory of a 128x128 mesh (`wafersim noc --routers rtl --mesh 128x128
  // --rate 0 --cycles 2 --warmup 1`, 430 MB) less this function's other terms.
  constexpr size_t kVerilatorExtra = 6400;
  // The node, the model and its symbol table, and the route-write queue's two allocations.
  return sizeof(Node) + sizeof(std::unique_ptr<Node>) + sizeof(Vmesh_router) + sizeof(Vmesh_router__Syms) +
         kVerilatorExtra + kQueueBlock + 5 * kHeapOverhead;
}

RouterMesh::~RouterMesh() {
  // Verilated scopes unregister from the thread's current context: make it this mesh's.
  Verilated::threadContextp(context_.get());
  CloseTrace();
  for (auto& n : nodes_) n->rtl->final();
  nodes_.clear();
}

Terminal& RouterMesh::Local(int x, int y) { return At(x, y).terminal[4]; }

Terminal& RouterMesh::Edge(int x, int y, Dir dir) {
  if (!OffMesh(x, y, dir, config_.width, config_.height)) {
    throw std::invalid_argument(
        fmt::format("{} {} is a link inside the mesh, not an edge", RouterName(x, y), DirName(dir)));
  }
  return At(x, y).terminal[static_cast<int>(dir)];
}

void RouterMesh::WriteRoute(int x, int y, int color, int sel, uint32_t data) {
  At(x, y).writes.push_back(RouteWrite{static_cast<uint8_t>(color), static_cast<uint8_t>(sel),
                                       static_cast<uint16_t>(data)});
}

void RouterMesh::SetColorMode(int x, int y, int color, bool dynamic, int last_position) {
  WriteRoute(x, y, color, kCfgMode, ModeWord(dynamic, last_position));
}

void RouterMesh::SetStaticRoute(int x, int y, int color, int position, uint8_t rx, uint8_t tx) {
  WriteRoute(x, y, color, position, PositionWord(rx, tx));
}

bool RouterMesh::ConfigPending() const {
  for (const auto& n : nodes_) {
    if (!n->writes.empty()) return true;
  }
  return false;
}

void RouterMesh::FlushConfig() {
  while (ConfigPending()) Step();
}

void RouterMesh::Reset(int cycles) {
  for (auto& n : nodes_) {
    Vmesh_router& m = *n->rtl;
    m.rst_ni = 0;
    m.valid_i = 0;
    m.credit_i = 0;
    m.cfg_valid_i = 0;
    for (int i = 0; i < cycles; ++i) {
      m.clk_i = 1;
      m.eval();
      m.clk_i = 0;
      m.eval();
    }
    m.rst_ni = 1;
    n->writes.clear();
    for (auto& t : n->terminal) t.Reset(config_.buffer_depth);
    n->busy = false;
  }
  cycle_ += static_cast<uint64_t>(cycles);
  CheckRtlErrors();
}

void RouterMesh::DriveInputs(Node& n) {
  Vmesh_router& m = *n.rtl;
  uint8_t valid = 0;
  bool credits = false;
  for (int p = 0; p < kNumPorts; ++p) {
    const unsigned flit_lsb = static_cast<unsigned>(p * kFlitBits);
    const unsigned credit_lsb = static_cast<unsigned>(p * kColors);
    Node* nb = p < 4 ? n.neighbor[p] : nullptr;
    if (nb != nullptr) {
      const Vmesh_router& o = *nb->rtl;
      const int q = static_cast<int>(Opposite(static_cast<Dir>(p)));
      if ((o.valid_o >> q) & 1) {
        valid |= static_cast<uint8_t>(1u << p);
        SetBits(m.flit_i, flit_lsb, kFlitBits, GetBits(o.flit_o, q * kFlitBits, kFlitBits));
      }
      const uint64_t cr = GetBits(o.credit_o, static_cast<unsigned>(q * kColors), kColors);
      SetBits(m.credit_i, credit_lsb, kColors, cr);
      credits |= cr != 0;
      continue;
    }
    Terminal& t = n.terminal[p];
    if (const auto w = t.TakeOutgoing()) {
      valid |= static_cast<uint8_t>(1u << p);
      SetBits(m.flit_i, flit_lsb, kFlitBits, w->Pack());
    }
    const uint64_t cr = t.TakeCreditReturns(kColors);
    SetBits(m.credit_i, credit_lsb, kColors, cr);
    credits |= cr != 0;
  }
  m.valid_i = valid;
  if (!n.writes.empty()) {
    const RouteWrite& w = n.writes.front();
    m.cfg_valid_i = 1;
    m.cfg_color_i = w.color;
    m.cfg_sel_i = w.sel;
    m.cfg_data_i = w.data;
    n.writes.pop_front();
  } else {
    m.cfg_valid_i = 0;
  }
  // An idle router with nothing arriving would not change state: skip its evaluation.
  n.active = n.busy || n.traced || valid != 0 || credits || m.cfg_valid_i;
}

void RouterMesh::Eval(Node& n) {
  Vmesh_router& m = *n.rtl;
  m.clk_i = 1;
  m.eval();
  m.clk_i = 0;
  m.eval();
}

void RouterMesh::CollectTerminals(Node& n) {
  const Vmesh_router& m = *n.rtl;
  if (m.valid_o != 0) {
    for (int p = 0; p < kNumPorts; ++p) {
      if ((m.valid_o >> p) & 1) {
        ++n.out_count[p];
        ++moved_;
      }
    }
  }
  for (int p = 0; p < kNumPorts; ++p) {
    if (p < 4 && n.neighbor[p] != nullptr) continue;
    std::optional<Wavelet> got;
    if ((m.valid_o >> p) & 1) {
      got = Wavelet::Unpack(GetBits(m.flit_o, static_cast<unsigned>(p * kFlitBits), kFlitBits));
      if (p < 4 && !config_.open_edges) {
        throw std::runtime_error(fmt::format("wavelet {} left the mesh at {} through {} (cycle {})",
                                             got->ToString(), RouterName(n.x, n.y),
                                             DirName(static_cast<Dir>(p)), cycle_));
      }
    }
    n.terminal[p].Arrive(got, GetBits(m.credit_o, static_cast<unsigned>(p * kColors), kColors),
                         kColors);
  }
}

void RouterMesh::Step() {
  moved_ = 0;
  for (auto& n : nodes_) DriveInputs(*n);
  const bool dumping = trace_ && cycle_ >= trace_c0_ && cycle_ < trace_c1_;
  if (dumping) {
    for (auto& n : nodes_) {
      if (n->active) {
        n->rtl->clk_i = 1;
        n->rtl->eval();
      }
    }
    DumpTrace(cycle_ * kTimePerCycle);
    for (auto& n : nodes_) {
      if (n->active) {
        n->rtl->clk_i = 0;
        n->rtl->eval();
      }
    }
    DumpTrace(cycle_ * kTimePerCycle + kTimePerCycle / 2);
  } else {
    for (auto& n : nodes_) {
      if (n->active) {
        Eval(*n);
      } else {
        ++skipped_;
      }
    }
  }
  for (auto& n : nodes_) {
    const Vmesh_router& m = *n->rtl;
    n->busy = m.nonempty_o != 0 || m.valid_o != 0;
    CollectTerminals(*n);
  }
  ++cycle_;
  CheckRtlErrors();
}

void RouterMesh::CheckRtlErrors() {
  if (context_->gotError()) {
    throw std::runtime_error(fmt::format(
        "RTL assertion failed in the router mesh at cycle {} (the %Error line above names it)",
        cycle_));
  }
}

bool RouterMesh::AnyBuffered() const {
  for (const auto& n : nodes_) {
    if (n->busy) return true;
  }
  return false;
}

std::vector<BufferState> RouterMesh::BufferedWavelets() const {
  std::vector<BufferState> out;
  for (const auto& n : nodes_) {
    const Vmesh_router& m = *n->rtl;
    for (int p = 0; p < kNumPorts; ++p) {
      for (int c = 0; c < kColors; ++c) {
        const unsigned bit = static_cast<unsigned>(p * kColors + c);
        if (GetBits(m.nonempty_o, bit, 1)) {
          out.push_back({n->x, n->y, static_cast<Dir>(p), c, GetBits(m.full_o, bit, 1) != 0});
        }
      }
    }
  }
  return out;
}

uint32_t RouterMesh::Errors(int x, int y) const { return At(x, y).rtl->err_o; }

std::string RouterMesh::ErrorReport() const {
  std::string out;
  for (const auto& n : nodes_) {
    if (n->rtl->err_o != 0) {
      out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", RouterName(n->x, n->y),
                         RouterErrorText(n->rtl->err_o));
    }
  }
  return out;
}

uint64_t RouterMesh::OutputCount(int x, int y, Dir dir) const {
  return At(x, y).out_count[static_cast<int>(dir)];
}

void RouterMesh::OpenTrace(const std::string& path, int x0, int y0, int x1, int y1, uint64_t c0,
                           uint64_t c1) {
  if (trace_) throw std::logic_error("trace already open");
  trace_ = std::make_unique<VerilatedFstC>();
  for (auto& n : nodes_) {
    if (n->x >= x0 && n->x <= x1 && n->y >= y0 && n->y <= y1) {
      n->traced = true;
      n->rtl->trace(trace_.get(), 99);
    }
  }
  trace_->open(path.c_str());
  if (!trace_->isOpen()) {
    trace_.reset();
    throw std::runtime_error(fmt::format("cannot open trace file {}", path));
  }
  trace_c0_ = c0;
  trace_c1_ = c1;
}

void RouterMesh::CloseTrace() {
  if (trace_) {
    trace_->close();
    trace_.reset();
  }
}

void RouterMesh::DumpTrace(uint64_t time) { trace_->dump(time); }

}  // namespace wafersim::noc
