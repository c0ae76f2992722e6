// The synthetic-traffic experiment (`wafersim noc`): statistics that theory pins down,
// determinism, saturation, configuration errors, and the same statistics from both router
// models.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "cli/noc_report.h"
#include "noc/noc_sim.h"

using namespace wafersim::noc;

namespace {
NocConfig Small(const std::string& traffic, double rate) {
  NocConfig c;
  c.width = 8;
  c.height = 8;
  c.traffic = traffic;
  c.rate = rate;
  c.cycles = 1500;
  c.warmup = 300;
  return c;
}
}  // namespace

TEST_CASE("uniform traffic at low load: accepted equals offered, hops and latency as theory",
          "[noc]") {
  const NocResult r = RunNoc(Small("uniform", 0.05));
  CHECK(r.stable);
  CHECK(r.packets == r.packets_measured);
  CHECK(r.accepted_rate == Approx(r.offered_rate).epsilon(0.05));
  CHECK(r.offered_rate == Approx(0.05).epsilon(0.1));
  // Mean Manhattan distance between distinct nodes of an 8x8 mesh: 2*(k^2-1)/(3k) * N/(N-1).
  CHECK(r.avg_hops == Approx(2.0 * 63 / 24 * 64 / 63).epsilon(0.03));
  // Zero-load latency of a 1-flit packet: 2 cycles per hop + 1 (created in cycle t, written
  // into the first router's buffer at the end of t); little queueing at 5% load.
  CHECK(r.avg_latency_cycles > 2 * r.avg_hops + 1 - 0.01);
  CHECK(r.avg_latency_cycles < 2 * r.avg_hops + 1 + 0.6);
}

TEST_CASE("deterministic patterns have the hop counts their geometry gives", "[noc]") {
  // Node averages; the packet mix is random, so within a few percent.
  CHECK(RunNoc(Small("bitcomp", 0.05)).avg_hops == Approx(8.0).epsilon(0.03));
  CHECK(RunNoc(Small("neighbor", 0.05)).avg_hops == Approx(3.5).epsilon(0.03));
  const NocResult t = RunNoc(Small("transpose", 0.05));
  CHECK(t.avg_hops == Approx(2.0 * 168 / 64).epsilon(0.05));  // sum |x-y| over 8x8 is 168
}

TEST_CASE("the same seed gives the same results; another seed does not", "[noc]") {
  NocConfig c = Small("uniform", 0.2);
  c.packet_flits = 4;
  const NocResult a = RunNoc(c), b = RunNoc(c);
  CHECK(a.packets == b.packets);
  CHECK(a.avg_latency_cycles == b.avg_latency_cycles);
  CHECK(a.p99_latency_cycles == b.p99_latency_cycles);
  CHECK(a.accepted_rate == b.accepted_rate);
  c.seed = 2;
  const NocResult d = RunNoc(c);
  CHECK(d.avg_latency_cycles != a.avg_latency_cycles);
}

TEST_CASE("past saturation the mesh accepts less than offered and reports it", "[noc]") {
  NocConfig c = Small("uniform", 0.9);
  c.width = c.height = 4;
  c.packet_flits = 4;
  c.drain = 300;
  const NocResult r = RunNoc(c);
  CHECK(r.accepted_rate < r.offered_rate - 0.1);
  CHECK_FALSE(r.stable);
  CHECK(r.accepted_rate > 0.3);  // 4x4 uniform bound is about 1.07: the mesh still moves
}

TEST_CASE("sweeps on several threads equal the same points run one by one", "[noc]") {
  std::vector<NocConfig> points;
  for (double rate : {0.05, 0.15, 0.25}) {
    points.push_back(Small("uniform", rate));
    points.back().width = points.back().height = 4;
  }
  const auto parallel = RunNocSweep(points, 2);
  for (size_t i = 0; i < points.size(); ++i) {
    const NocResult one = RunNoc(points[i]);
    CHECK(parallel[i].avg_latency_cycles == one.avg_latency_cycles);
    CHECK(parallel[i].packets == one.packets);
  }
}

TEST_CASE("bad configurations are refused with the flag named", "[noc]") {
  NocConfig c = Small("uniform", 1.5);
  CHECK_THROWS_WITH(RunNoc(c), Catch::Contains("--rate 1.5"));
  c = Small("transpose", 0.1);
  c.width = 4;
  CHECK_THROWS_WITH(RunNoc(c), Catch::Contains("square"));
  c = Small("nonsense", 0.1);
  CHECK_THROWS_WITH(RunNoc(c), Catch::Contains("known: bitcomp, hotspot, neighbor, transpose, uniform"));
  c = Small("uniform", 0.1);
  c.vcs = 99;
  CHECK_THROWS_WITH(RunNoc(c), Catch::Contains("--vcs 99"));
  c = Small("uniform", 0.1);
  c.warmup = c.cycles;
  CHECK_THROWS_WITH(RunNoc(c), Catch::Contains("--warmup"));
  c = Small("uniform", 0.1);
  c.width = c.height = 1;
  CHECK_THROWS_WITH(RunNoc(c), Catch::Contains("at least 2 nodes"));
  c = Small("hotspot", 0.1);
  c.hotspot_x = 9;
  CHECK_THROWS_WITH(RunNoc(c), Catch::Contains("--hotspot 9"));
}

TEST_CASE("noc: fast and RTL routers give identical statistics and JSON", "[noc]") {
  struct Case {
    const char* traffic;
    int width, height;
    double rate;
    int vcs, buf, flits;
  };
  // Light, moderate and saturated loads; one to all eight colors; buffers of 1 to 16; packets
  // of 1 to 5 wavelets; square and narrow meshes.
  const Case cases[] = {
      {"uniform", 8, 8, 0.05, 2, 8, 1},   {"uniform", 8, 8, 0.45, 2, 4, 4},
      {"transpose", 8, 8, 0.3, 1, 8, 2},  {"hotspot", 6, 5, 0.2, 3, 2, 3},
      {"bitcomp", 4, 4, 0.9, 8, 16, 2},   {"neighbor", 12, 3, 0.5, 4, 3, 1},
      {"uniform", 7, 2, 1.0, 2, 1, 5},
  };
  for (const Case& k : cases) {
    NocConfig c;
    c.traffic = k.traffic;
    c.width = k.width;
    c.height = k.height;
    c.rate = k.rate;
    c.vcs = k.vcs;
    c.buffer_depth = k.buf;
    c.packet_flits = k.flits;
    c.cycles = 700;
    c.warmup = 100;
    c.drain = 400;
    c.seed = 7;
    INFO(fmt::format("{} {}x{} rate {} vcs {} buf {} flits {}", k.traffic, k.width, k.height, k.rate, k.vcs,
                     k.buf, k.flits));
    c.routers = RouterModel::Rtl;
    const NocResult rtl = RunNoc(c);
    c.routers = RouterModel::Fast;
    const NocResult fast = RunNoc(c);
    CHECK(rtl.packets > 0);
    // Every statistic, the idle evaluations skipped included; only the wall time differs.
    nlohmann::json a = wafersim::cli::NocResultJson(rtl), b = wafersim::cli::NocResultJson(fast);
    a.erase("wall_seconds");
    b.erase("wall_seconds");
    CHECK(a.dump(2) == b.dump(2));
  }
}

TEST_CASE("noc: the memory guard uses the size of each router model and waves need the RTL", "[noc]") {
  NocConfig c;
  c.width = c.height = 300;  // 90,000 routers: about 3 GB as RTL, well under 2 GB as fast routers
  c.routers = RouterModel::Rtl;
  CHECK_THROWS_WITH(ValidateNocConfig(c), Catch::Contains("--mesh 300x300: 90000 RTL routers would need about"));
  c.routers = RouterModel::Fast;
  CHECK_NOTHROW(ValidateNocConfig(c));
  CHECK(NocBytesPerNode(c) * 2 < [&] {
    NocConfig r = c;
    r.routers = RouterModel::Rtl;
    return NocBytesPerNode(r);
  }());
  c.width = c.height = 1000;
  CHECK_THROWS_WITH(ValidateNocConfig(c), Catch::Contains("--mesh 1000x1000: 1000000 fast routers would need about"));
  c.width = c.height = 4;
  c.trace_path = "t.fst";
  CHECK_THROWS_WITH(ValidateNocConfig(c), Catch::Contains("--trace: waves come from the RTL routers"));
  c.routers = RouterModel::Rtl;
  CHECK_NOTHROW(ValidateNocConfig(c));
}
