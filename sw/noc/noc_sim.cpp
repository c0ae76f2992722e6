#include "noc/noc_sim.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "noc/fast_router_mesh.h"
#include "noc/gtkw_writer.h"
#include "noc/router_mesh.h"
#include "noc/traffic_pattern.h"
#include "run_interrupt.h"

namespace wafersim::noc {

namespace {

constexpr uint32_t kNumTags = 1u << kTagBits;
constexpr int32_t kNoPacket = -1;

struct Packet {
  uint64_t serial = 0;
  Coord src, dst;
  uint64_t created = 0;
  uint64_t injected = 0;
  uint32_t tag = 0;
  uint8_t color = 0;
  bool measured = false;
};

struct Source {
  std::mt19937_64 rng;
  std::deque<int32_t> queue;   // packets waiting, oldest first
  int32_t current = kNoPacket;  // packet being injected
  int next_flit = 0;
  int next_color = 0;          // round-robin start for the next head
};

/// Payload of body wavelet `index` of a packet: checked at the sink, so a wavelet that is
/// lost, duplicated, reordered or delivered into the wrong packet is caught.
uint32_t BodyPayload(uint64_t serial, int index) {
  uint64_t z = serial * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(index) * 0xBF58476D1CE4E5B9ull;
  z ^= z >> 31;
  z *= 0x94D049BB133111EBull;
  return static_cast<uint32_t>(z ^ (z >> 29));
}

uint64_t NodeSeed(uint64_t seed, int node) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(node + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The mesh a run steps: Verilated routers with the simulator's 8 colors, or FastRouters with
// only the colors the packets use (requesters keep the RTL's order, so arbitration is the
// same; the test "fast and RTL routers give identical statistics" holds it to that).
template <class Mesh>
Mesh BuildMesh(const NocConfig& cfg);
template <>
RouterMesh BuildMesh<RouterMesh>(const NocConfig& cfg) {
  return RouterMesh(RouterMeshConfig{cfg.width, cfg.height, cfg.buffer_depth});
}
template <>
FastRouterMesh BuildMesh<FastRouterMesh>(const NocConfig& cfg) {
  return FastRouterMesh(RouterMeshConfig{cfg.width, cfg.height, cfg.buffer_depth}, cfg.vcs);
}

template <class Mesh>
class NocRun {
 public:
  NocRun(const NocConfig& cfg, const NocWatch& watch)
      : cfg_(cfg), watch_(watch), nodes_(cfg.width * cfg.height), mesh_(BuildMesh<Mesh>(cfg)) {
    TrafficContext ctx{cfg.width, cfg.height,
                       Coord{cfg.hotspot_x < 0 ? cfg.width / 2 : cfg.hotspot_x,
                             cfg.hotspot_y < 0 ? cfg.height / 2 : cfg.hotspot_y},
                       cfg.hotspot_fraction};
    pattern_ = TrafficRegistry::Get().Create(cfg.traffic, ctx);
    sources_.resize(nodes_);
    for (int i = 0; i < nodes_; ++i) sources_[i].rng.seed(NodeSeed(cfg.seed, i));
    tags_.assign(static_cast<size_t>(nodes_) * kNumTags, kNoPacket);
    next_tag_.assign(nodes_, 0);
    open_.assign(static_cast<size_t>(nodes_) * CompiledColors(), kNoPacket);
    next_body_.assign(static_cast<size_t>(nodes_) * CompiledColors(), 0);
  }

  NocResult Run() {
    const auto t0 = std::chrono::steady_clock::now();
    for (int y = 0; y < cfg_.height; ++y) {
      for (int x = 0; x < cfg_.width; ++x) {
        for (int c = 0; c < cfg_.vcs; ++c) mesh_.SetColorMode(x, y, c, true);
      }
    }
    mesh_.FlushConfig();
    if (const std::string errs = mesh_.ErrorReport(); !errs.empty()) {
      throw std::runtime_error("router configuration rejected: " + errs);
    }
    const uint64_t start = mesh_.Cycle();
    if (!cfg_.trace_path.empty()) {
      const int x1 = cfg_.trace_x1 < 0 ? cfg_.width - 1 : cfg_.trace_x1;
      const int y1 = cfg_.trace_y1 < 0 ? cfg_.height - 1 : cfg_.trace_y1;
      mesh_.OpenTrace(cfg_.trace_path, cfg_.trace_x0, cfg_.trace_y0, x1, y1,
                      start + cfg_.trace_c0, start + cfg_.trace_c1);
      WriteGtkwSaveFile(cfg_.trace_path, cfg_.trace_x0, cfg_.trace_y0, x1, y1);
    }
    const uint64_t end = NocMaxCycles(cfg_);
    uint64_t idle = 0, reported = 0;
    fabric::ClockStride progress_clock;
    bool interrupted = false;
    for (now_ = 0; now_ < end; ++now_) {
      if (now_ >= cfg_.cycles && measured_left_ == 0) break;
      // A stop is seen within the cycle it is asked for; progress by wall time.
      if (watch_.stop && watch_.stop()) {
        interrupted = true;
        break;
      }
      if (watch_.progress && progress_clock.Due(now_)) {
        watch_.progress(now_ - reported);
        reported = now_;
      }
      Generate();
      Inject();
      mesh_.Step();
      Eject();
      idle = (mesh_.MovedLastStep() == 0 && mesh_.AnyBuffered()) ? idle + 1 : 0;
      if (idle >= cfg_.watchdog) ReportDeadlock();
    }
    if (watch_.progress) watch_.progress(now_ - reported);
    mesh_.CloseTrace();
    if (const std::string errs = mesh_.ErrorReport(); !errs.empty()) {
      throw std::runtime_error("router raised an error: " + errs);
    }

    NocResult r;
    // The measured window, cut short by an interrupt (possibly to nothing).
    const uint64_t window_end = std::min(now_, cfg_.cycles);
    const double window =
        static_cast<double>(window_end > cfg_.warmup ? window_end - cfg_.warmup : 0) * nodes_;
    r.rate = cfg_.rate;
    r.offered_rate = window > 0 ? generated_flits_ / window : 0;
    r.accepted_rate = window > 0 ? accepted_flits_ / window : 0;
    r.packets = latencies_.size();
    r.packets_measured = measured_total_;
    r.interrupted = interrupted;
    // Past saturation the sources' queues grow: measured packets are late or the mesh
    // accepts visibly less than is offered (beyond the window's sampling noise). A run cut
    // short is neither stable nor unstable: it is not judged.
    r.stable = !interrupted && measured_left_ == 0 && r.accepted_rate >= 0.97 * r.offered_rate - 0.002;
    if (!latencies_.empty()) {
      double sum = 0, net = 0;
      for (double l : latencies_) sum += l;
      for (double l : network_latencies_) net += l;
      r.avg_latency_cycles = sum / latencies_.size();
      r.avg_network_latency_cycles = net / network_latencies_.size();
      r.avg_hops = static_cast<double>(hops_) / latencies_.size();
      std::vector<double> sorted = latencies_;
      const size_t k = static_cast<size_t>(std::ceil(0.99 * sorted.size())) - 1;
      std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
      r.p99_latency_cycles = sorted[k];
      r.max_latency_cycles = *std::max_element(latencies_.begin(), latencies_.end());
    }
    r.cycles_simulated = mesh_.Cycle() - start;
    r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.skipped_eval_fraction =
        mesh_.Cycle() > 0 ? static_cast<double>(mesh_.SkippedEvals()) / (static_cast<double>(mesh_.Cycle()) * nodes_)
                          : 0;
    r.tag_waits = tag_waits_;
    return r;
  }

 private:
  bool Measuring() const { return now_ >= cfg_.warmup && now_ < cfg_.cycles; }

  int32_t NewPacket() {
    if (free_.empty()) {
      free_.push_back(static_cast<int32_t>(packets_.size()));
      packets_.emplace_back();
    }
    const int32_t id = free_.back();
    free_.pop_back();
    return id;
  }

  void Generate() {
    const double p = cfg_.rate / cfg_.packet_flits;
    for (int i = 0; i < nodes_; ++i) {
      Source& s = sources_[i];
      std::bernoulli_distribution fire(p);
      if (!fire(s.rng)) continue;
      const int32_t id = NewPacket();
      Packet& pk = packets_[id];
      pk.serial = serial_++;
      pk.src = Coord{i % cfg_.width, i / cfg_.width};
      pk.dst = pattern_->Destination(pk.src, s.rng);
      pk.created = now_;
      pk.measured = Measuring();
      if (pk.measured) {
        ++measured_total_;
        ++measured_left_;
        generated_flits_ += cfg_.packet_flits;
      }
      s.queue.push_back(id);
    }
  }

  void Inject() {
    for (int i = 0; i < nodes_; ++i) {
      Source& s = sources_[i];
      Terminal& t = mesh_.Local(i % cfg_.width, i / cfg_.width);
      if (s.current == kNoPacket) {
        if (s.queue.empty()) continue;
        Packet& pk = packets_[s.queue.front()];
        const int dst = pk.dst.y * cfg_.width + pk.dst.x;
        const uint32_t tag = next_tag_[dst];
        if (tags_[static_cast<size_t>(dst) * kNumTags + tag] != kNoPacket) {
          ++tag_waits_;  // 1024 packets already in flight to this node
          continue;
        }
        int color = -1;
        for (int k = 0; k < cfg_.vcs; ++k) {
          const int c = (s.next_color + k) % cfg_.vcs;
          if (t.CanSend(c)) {
            color = c;
            break;
          }
        }
        if (color < 0) continue;
        s.current = s.queue.front();
        s.queue.pop_front();
        s.next_flit = 0;
        s.next_color = (color + 1) % cfg_.vcs;
        pk.color = static_cast<uint8_t>(color);
        pk.tag = tag;
        pk.injected = now_;
        next_tag_[dst] = (tag + 1) % kNumTags;
        tags_[static_cast<size_t>(dst) * kNumTags + tag] = s.current;
      }
      Packet& pk = packets_[s.current];
      if (!t.CanSend(pk.color)) continue;
      Wavelet w;
      w.color = pk.color;
      w.head = s.next_flit == 0;
      w.tail = s.next_flit == cfg_.packet_flits - 1;
      w.data = w.head ? DynamicHeadPayload(pk.dst.x, pk.dst.y, pk.tag)
                      : BodyPayload(pk.serial, s.next_flit);
      t.Send(w);
      if (++s.next_flit == cfg_.packet_flits) s.current = kNoPacket;
    }
  }

  void Eject() {
    const int colors = CompiledColors();
    for (int i = 0; i < nodes_; ++i) {
      const int x = i % cfg_.width, y = i / cfg_.width;
      const auto& got = mesh_.Local(x, y).Received();
      if (!got) continue;
      const Wavelet& w = *got;
      if (Measuring()) ++accepted_flits_;
      int32_t& open = open_[static_cast<size_t>(i) * colors + w.color];
      int& next = next_body_[static_cast<size_t>(i) * colors + w.color];
      if (w.head) {
        const int32_t id = HeadDstX(w.data) == x && HeadDstY(w.data) == y
                               ? tags_[static_cast<size_t>(i) * kNumTags + HeadTag(w.data)]
                               : kNoPacket;
        if (id == kNoPacket || open != kNoPacket || packets_[id].color != w.color) {
          Fail(fmt::format("unexpected head {} delivered at {}", w.ToString(), RouterName(x, y)));
        }
        open = id;
        next = 1;
      } else {
        if (open == kNoPacket || w.data != BodyPayload(packets_[open].serial, next)) {
          Fail(fmt::format("wavelet {} delivered at {} does not belong to the open packet",
                           w.ToString(), RouterName(x, y)));
        }
        ++next;
      }
      if (w.tail) {
        if (next != cfg_.packet_flits) {
          Fail(fmt::format("packet delivered at {} with {} of {} wavelets", RouterName(x, y), next,
                           cfg_.packet_flits));
        }
        Finish(open);
        open = kNoPacket;
      }
    }
  }

  void Finish(int32_t id) {
    Packet& pk = packets_[id];
    const int dst = pk.dst.y * cfg_.width + pk.dst.x;
    tags_[static_cast<size_t>(dst) * kNumTags + pk.tag] = kNoPacket;
    if (pk.measured) {
      --measured_left_;
      latencies_.push_back(static_cast<double>(now_ - pk.created));
      network_latencies_.push_back(static_cast<double>(now_ - pk.injected));
      hops_ += static_cast<uint64_t>(std::abs(pk.dst.x - pk.src.x) + std::abs(pk.dst.y - pk.src.y));
    }
    free_.push_back(id);
  }

  [[noreturn]] void Fail(const std::string& what) {
    throw std::runtime_error(fmt::format("scoreboard: {} (cycle {}, seed {})", what, now_, cfg_.seed));
  }

  [[noreturn]] void ReportDeadlock() {
    const auto blocked = mesh_.BufferedWavelets();
    std::string list;
    for (size_t i = 0; i < blocked.size() && i < 8; ++i) {
      const auto& b = blocked[i];
      list += fmt::format("{}{} {} color {}{}", i ? ", " : "", RouterName(b.x, b.y),
                          DirName(b.port), b.color, b.full ? " (full)" : "");
    }
    throw std::runtime_error(fmt::format(
        "deadlock: nothing moved for {} cycles with {} buffers holding wavelets: {}{} (seed {})",
        cfg_.watchdog, blocked.size(), list, blocked.size() > 8 ? ", ..." : "", cfg_.seed));
  }

  const NocConfig cfg_;
  const NocWatch& watch_;
  const int nodes_;
  Mesh mesh_;
  std::unique_ptr<TrafficPattern> pattern_;
  std::vector<Source> sources_;
  std::vector<Packet> packets_;
  std::vector<int32_t> free_;
  std::vector<int32_t> tags_;      // per destination: tag -> packet in flight
  std::vector<uint32_t> next_tag_;
  std::vector<int32_t> open_;      // per (sink, color): packet being delivered
  std::vector<int> next_body_;
  std::vector<double> latencies_, network_latencies_;
  uint64_t now_ = 0;
  uint64_t serial_ = 0;
  uint64_t measured_total_ = 0, measured_left_ = 0;
  uint64_t generated_flits_ = 0, accepted_flits_ = 0;
  uint64_t hops_ = 0;
  uint64_t tag_waits_ = 0;
};

}  // namespace

const char* RouterModelName(RouterModel m) { return m == RouterModel::Rtl ? "rtl" : "fast"; }

size_t NocBytesPerNode(const NocConfig& c) {
  const size_t router = c.routers == RouterModel::Rtl ? RouterMesh::BytesPerRouter()
                                                      : FastRouterMesh::BytesPerRouter(c.vcs, c.buffer_depth);
  // NocRun's per-node state: a destination's packet tags, a source (its generator and its
  // queue's first block), the sink's open packet per color.
  constexpr size_t kQueueBlock = 512 + 64;
  const size_t traffic = kNumTags * sizeof(int32_t) + sizeof(uint32_t) + sizeof(Source) + kQueueBlock +
                         static_cast<size_t>(CompiledColors()) * (sizeof(int32_t) + sizeof(int));
  return router + traffic;
}

double EstimateNocSeconds(const NocConfig& c) {
  // Router-cycles per second noc_bench measures on one core of the development machine
  // (docs/router.md, "Simulation speed"), rounded: at 1% load (most routers idle) and from
  // 0.2 on (every router busy).
  const bool rtl = c.routers == RouterModel::Rtl;
  const double idle = rtl ? 1.0e6 : 8e6, busy = rtl ? 0.15e6 : 1.5e6;
  const double load = std::min(1.0, std::max(0.0, (c.rate - 0.01) / 0.19));  // 0 at 0.01, 1 from 0.2
  const double seconds_per_router_cycle = 1 / idle + load * (1 / busy - 1 / idle);
  return static_cast<double>(c.cycles) * c.width * c.height * seconds_per_router_cycle;
}

void ValidateNocConfig(const NocConfig& c) {
  auto fail = [](const std::string& msg) { throw std::invalid_argument(msg); };
  if (c.width < 1 || c.height < 1 || c.width > kMaxCoord + 1 || c.height > kMaxCoord + 1) {
    fail(fmt::format("--mesh {}x{}: each side must be 1..{}", c.width, c.height, kMaxCoord + 1));
  }
  if (!(c.rate >= 0.0 && c.rate <= 1.0)) fail(fmt::format("--rate {}: must be in [0,1]", c.rate));
  if (c.packet_flits < 1 || c.packet_flits > 1024) {
    fail(fmt::format("--packet-flits {}: must be 1..1024", c.packet_flits));
  }
  if (c.vcs < 1 || c.vcs > CompiledColors()) {
    fail(fmt::format("--vcs {}: must be 1..{} (colors in the simulated router)", c.vcs,
                     CompiledColors()));
  }
  if (c.buffer_depth < 1 || c.buffer_depth > CompiledMaxBufferDepth()) {
    fail(fmt::format("--buf {}: must be 1..{} (depth of the simulated router's buffers)",
                     c.buffer_depth, CompiledMaxBufferDepth()));
  }
  // Beyond the budget the run would need gigabytes (and hours): refused before allocating.
  const int64_t routers = int64_t{c.width} * c.height;
  const size_t per_node = NocBytesPerNode(c);
  if (static_cast<double>(routers) * per_node > kNocMemoryBudget) {
    const auto max_routers = static_cast<int64_t>(kNocMemoryBudget / per_node);
    fail(fmt::format("--mesh {}x{}: {} {} routers would need about {:.1f} GB ({:.1f} KB each with their "
                     "traffic state); at most {} ({}x{}) fit the {} GB budget{}",
                     c.width, c.height, routers, c.routers == RouterModel::Rtl ? "RTL" : "fast",
                     routers * static_cast<double>(per_node) / 1e9, per_node / 1e3, max_routers,
                     static_cast<int>(std::sqrt(static_cast<double>(max_routers))),
                     static_cast<int>(std::sqrt(static_cast<double>(max_routers))), kNocMemoryBudget >> 30,
                     c.routers == RouterModel::Rtl ? " (--routers fast takes less)" : ""));
  }
  if (c.cycles <= c.warmup) {
    fail(fmt::format("--cycles {} must exceed --warmup {}", c.cycles, c.warmup));
  }
  if (c.watchdog < 1) fail("--watchdog must be at least 1");
  if (!c.trace_path.empty() && c.routers != RouterModel::Rtl) {
    fail("--trace: waves come from the RTL routers; add --routers rtl");
  }
  if (!c.trace_path.empty()) {
    const int x1 = c.trace_x1 < 0 ? c.width - 1 : c.trace_x1;
    const int y1 = c.trace_y1 < 0 ? c.height - 1 : c.trace_y1;
    if (c.trace_x0 < 0 || c.trace_y0 < 0 || c.trace_x0 > x1 || c.trace_y0 > y1 || x1 >= c.width ||
        y1 >= c.height) {
      fail(fmt::format("--trace-region {},{}:{},{}: not a region of the {}x{} mesh", c.trace_x0,
                       c.trace_y0, x1, y1, c.width, c.height));
    }
    if (c.trace_c0 >= c.trace_c1) {
      fail(fmt::format("--trace-window {}:{}: the window is empty", c.trace_c0, c.trace_c1));
    }
  }
  TrafficContext ctx{c.width, c.height,
                     Coord{c.hotspot_x < 0 ? c.width / 2 : c.hotspot_x,
                           c.hotspot_y < 0 ? c.height / 2 : c.hotspot_y},
                     c.hotspot_fraction};
  TrafficRegistry::Get().Create(c.traffic, ctx);  // throws on a bad pattern or pattern option
}

uint64_t NocMaxCycles(const NocConfig& c) {
  return c.cycles + (c.drain ? c.drain : std::max<uint64_t>(c.cycles - c.warmup, 1000));
}

NocResult RunNoc(const NocConfig& config, const NocWatch& watch) {
  ValidateNocConfig(config);
  if (config.routers == RouterModel::Rtl) {
    NocRun<RouterMesh> run(config, watch);
    return run.Run();
  }
  NocRun<FastRouterMesh> run(config, watch);
  return run.Run();
}

std::vector<NocResult> RunNocSweep(const std::vector<NocConfig>& configs, int jobs, const NocWatch& watch) {
  for (const auto& c : configs) ValidateNocConfig(c);
  std::vector<NocResult> results(configs.size());
  std::vector<std::string> errors(configs.size());
  std::vector<char> begun(configs.size(), 0);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < configs.size();) {
      if (watch.stop && watch.stop()) break;  // stopped: no more points start
      begun[i] = 1;
      try {
        results[i] = RunNoc(configs[i], watch);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    }
  };
  std::vector<std::thread> threads;
  const int n = std::max(1, std::min<int>(jobs, static_cast<int>(configs.size())));
  for (int t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < configs.size(); ++i) {
    if (!errors[i].empty()) {
      throw std::runtime_error(fmt::format("rate {}: {}", configs[i].rate, errors[i]));
    }
  }
  // Points never begun (a stop came first) are left out; those begun keep their order.
  std::vector<NocResult> out;
  for (size_t i = 0; i < configs.size(); ++i) {
    if (begun[i]) out.push_back(results[i]);
  }
  return out;
}

}  // namespace wafersim::noc
