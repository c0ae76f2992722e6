// The synthetic-traffic experiment (`wafersim noc`): statistics that theory pins down,
// determinism, saturation and configuration errors.
#include <catch2/catch.hpp>

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
