// The fabric's parts and run control on RTL tiles, scheduled as a plain loop (the SystemC
// schedule is checked against it in fabric_systemc_test.cpp).
#include <catch2/catch.hpp>

#include <cstring>
#include <tuple>

#include "edge_link.h"
#include "fabric/fabric_harness.h"
#include "fabric_stats.h"
#include "plain_scheduler.h"
#include "runtime/gemv_mapper.h"
#include "runtime/kernel_run.h"
#include "sram_banks.h"

using namespace wafersim;
using fabric::Activity;
using fabric::RunStatus;
using testbench::RunSources;
using testbench::SmallFabric;

namespace {

runtime::KernelResult RunGemv(int64_t m, int64_t n, int w, int h, int rw = 0, int rh = 0, uint64_t seed = 1,
                              fabric::FabricConfig config = SmallFabric(1, 1), DType dtype = DType::kFp32) {
  config.width = w;
  config.height = h;
  runtime::KernelRequest req;
  req.m = m;
  req.n = n;
  req.region_width = rw;
  req.region_height = rh;
  req.seed = seed;
  req.dtype = dtype;
  const auto mapping = runtime::MapGemv(req, config);
  fabric::TileGrid grid(config);
  return runtime::RunKernel(mapping, grid, runtime::Scheduler::PlainLoop);
}

}  // namespace

TEST_CASE("SRAM banks: a write holds its port for the write latency; more ports take more", "[fabric]") {
  fabric::SramBankConfig c;
  c.bytes = 1024;
  c.banks = 4;
  c.write_latency = 3;
  std::vector<fabric::BankRequest> req(4), none(4);
  req[1] = {true, true, 5, 0xdeadbeef, 0xf};  // word 5 is in bank 1
  fabric::SramBanks one(c);
  one.Edge(req);
  CHECK_FALSE(one.Grant(1));  // busy for two more cycles
  CHECK(one.Grant(0));
  one.Edge(none);
  CHECK_FALSE(one.Grant(1));
  one.Edge(none);
  CHECK(one.Grant(1));
  uint32_t v;
  std::memcpy(&v, &one.Bytes()[20], 4);
  CHECK(v == 0xdeadbeef);  // the data is written when served
  c.ports = 2;
  fabric::SramBanks two(c);
  two.Edge(req);
  CHECK(two.Grant(1));  // the second port is free
  CHECK(two.PeakBytes() == 24);
  // A read returns its data ReadLatency cycles after it is served.
  c.read_latency = 2;
  fabric::SramBanks slow(c);
  slow.Bytes()[20] = 7;
  std::vector<fabric::BankRequest> rd(4);
  rd[1] = {true, false, 5, 0, 0xf};
  slow.Edge(rd);
  CHECK(slow.ReadData(1) == 0);
  slow.Edge(none);
  CHECK(slow.ReadData(1) == 7);
}

TEST_CASE("edge links inject at their configured bandwidth and hold back without credits", "[fabric]") {
  fabric::EdgeLink link(0, 0, noc::Dir::North, 8, 2, 0.5);
  link.Inject(3, {10, 11, 12});
  std::vector<uint64_t> sent;
  fabric::LinkBundle from_tile, to_tile;
  for (uint64_t cycle = 0; cycle < 12; ++cycle) {
    REQUIRE(link.Evaluate(from_tile, to_tile, cycle));
    from_tile = {};
    if (to_tile.valid) {
      sent.push_back(cycle);
      CHECK(noc::Wavelet::Unpack(to_tile.flit).color == 3);
    }
  }
  // Half a wavelet per cycle, and two credits: the third waits for a credit back.
  CHECK(sent == std::vector<uint64_t>{1, 3});
  from_tile.credits = 1u << 3;
  link.Evaluate(from_tile, to_tile, 12);
  CHECK(to_tile.valid);
  CHECK(link.PendingInjections() == 0);
}

TEST_CASE("gemv on RTL tiles is right for shapes that do not divide the grid", "[fabric][gemv]") {
  struct Shape {
    int64_t m, n;
    int w, h, rw, rh;
  };
  for (const Shape s : {Shape{1, 1, 1, 1, 0, 0}, Shape{7, 5, 2, 2, 0, 0}, Shape{33, 17, 3, 2, 0, 0},
                        Shape{64, 48, 4, 4, 3, 2}, Shape{5, 100, 4, 4, 0, 0}, Shape{3, 2, 4, 3, 0, 0}}) {
    INFO(fmt::format("m {} n {} mesh {}x{} region {}x{}", s.m, s.n, s.w, s.h, s.rw, s.rh));
    const auto r = RunGemv(s.m, s.n, s.w, s.h, s.rw, s.rh);
    CHECK(r.status == RunStatus::Done);
    CHECK(r.received == static_cast<size_t>(s.m));
    CHECK(r.correct);
    CHECK(r.max_rel_err < 1e-3);
  }
}

TEST_CASE("gemv with binary16 storage is right and uses the four lanes", "[fabric][gemv]") {
  for (const auto& [m, n, w, h] : {std::tuple{7, 5, 2, 2}, std::tuple{33, 17, 3, 2}, std::tuple{64, 61, 2, 2}}) {
    INFO(fmt::format("m {} n {} mesh {}x{}", m, n, w, h));
    const auto r = RunGemv(m, n, w, h, 0, 0, 3, SmallFabric(1, 1), DType::kFp16);
    CHECK(r.status == RunStatus::Done);
    CHECK(r.correct);
  }
  // A 64 x 64 block: a row's dot product takes ceil(64 / 4) + 3 cycles instead of 64 + 3.
  const auto f32 = RunGemv(128, 128, 2, 2), f16 = RunGemv(128, 128, 2, 2, 0, 0, 1, SmallFabric(1, 1), DType::kFp16);
  REQUIRE(f16.correct);
  CHECK(f16.phases[1].max_cycles < 0.45 * f32.phases[1].max_cycles);
  runtime::KernelRequest req;
  req.dtype = DType::kFp8;
  req.m = req.n = 4;
  CHECK_THROWS_WITH(runtime::MapGemv(req, SmallFabric(2, 2)), "--dtype fp8: must be one of fp32, fp16");
}

TEST_CASE("gemv runs are deterministic and follow the seed", "[fabric][gemv]") {
  const auto a = RunGemv(40, 30, 3, 3, 0, 0, 7), b = RunGemv(40, 30, 3, 3, 0, 0, 7), c = RunGemv(40, 30, 3, 3, 0, 0, 8);
  CHECK(a.cycles == b.cycles);
  CHECK(a.output == b.output);
  CHECK(a.output != c.output);
  CHECK(c.correct);
}

TEST_CASE("gemv on 4x4 tiles reaches 80% of the multiply-add bound at 256x256", "[fabric][gemv]") {
  const auto r = RunGemv(256, 256, 4, 4);
  REQUIRE(r.correct);
  const double bound = 256.0 * 256.0 / 16.0;
  INFO("cycles " << r.cycles);
  CHECK(bound / double(r.cycles) > 0.80);
  CHECK(r.cycles > bound);
  REQUIRE(r.phases.size() == 3);
  CHECK(r.phases[1].name == "dot_products");
  // 64 rows of a 64-element dot product: 64 x (64 + 3 + 5) cycles.
  CHECK(r.phases[1].max_cycles == Approx(64 * 72).margin(16));
}

TEST_CASE("a slower edge slows the input phase and nothing else", "[fabric][gemv]") {
  fabric::FabricConfig slow = SmallFabric(2, 2);
  slow.edge_wavelets_per_cycle = 0.25;
  const auto fast = RunGemv(16, 64, 2, 2), quarter = RunGemv(16, 64, 2, 2, 0, 0, 1, slow);
  REQUIRE(quarter.correct);
  // 32 elements of x per column: at a quarter of a wavelet per cycle they take 128 cycles.
  CHECK(quarter.phases[0].max_cycles >= 128);
  CHECK(fast.phases[0].max_cycles < 80);
  CHECK(quarter.phases[1].max_cycles == fast.phases[1].max_cycles);
}

TEST_CASE("a matrix that does not fit says how many bytes it needs and has", "[fabric][gemv]") {
  runtime::KernelRequest req;
  req.m = 2048;
  req.n = 2048;
  const auto config = SmallFabric(2, 2);
  CHECK_THROWS_WITH(runtime::MapGemv(req, config),
                    Catch::Contains("tile (0,0) needs 4202532 bytes of SRAM") && Catch::Contains("but has 49152"));
  req.m = 0;
  CHECK_THROWS_WITH(runtime::MapGemv(req, config), Catch::Contains("--m: 0 must be at least 1"));
}

TEST_CASE("a deadlock names the blocked tiles, their colors and the full buffers", "[fabric][deadlock]") {
  // (0,0) streams 40 wavelets east on color 3; (1,0) routes color 3 to its core, which never
  // takes them; (1,1) waits for color 5, which nobody sends.
  const std::string sender = R"(
        li      r1, 3
        rcfg    r1, 4, r0
        li      r2, 16 | (2 << 5)
        rcfg    r1, 0, r2
        li      r3, 40
loop:   send    r3, 3
        addi    r3, r3, -1
        bne     r3, r0, loop
        halt
)";
  const std::string sink = R"(
        li      r1, 3
        rcfg    r1, 4, r0
        li      r2, 8 | (16 << 5)
        rcfg    r1, 0, r2
        halt
)";
  const std::string waiter = "        recv    r1, 5\n        halt\n";
  auto grid = RunSources(SmallFabric(2, 2), {{{0, 0}, sender}, {{1, 0}, sink}, {{1, 1}, waiter}});
  CHECK(grid->Cycle() < 400);
  REQUIRE(fabric::RunStatusName(RunStatus::Deadlock) == std::string("deadlock"));
  const std::string why = grid->StopReason();
  INFO(why);
  CHECK(why.find("deadlock at cycle") == 0);
  CHECK(why.find("nothing moved for 200 cycles") != std::string::npos);
  CHECK(why.find("2 tiles not halted: (0,0) output backpressure on color 3") != std::string::npos);
  CHECK(why.find("(1,1) waiting for fabric input on color 5") != std::string::npos);
  CHECK(why.find("(1,0) West color 3") != std::string::npos);
  CHECK(why.find("(0,0) Local color 3") != std::string::npos);
  const auto& c = grid->Tile(0, 0).Counters();
  CHECK(c.cycles[static_cast<int>(Activity::WaitFabricOut)] >= 200);
  CHECK(grid->Tile(1, 1).Counters().cycles[static_cast<int>(Activity::WaitFabricIn)] >= 200);
}

TEST_CASE("a program waiting for a task that never comes is reported too", "[fabric][deadlock]") {
  auto grid = RunSources(SmallFabric(1, 1), {{{0, 0}, "        tbind t1, 2, main, data\n        tdone\nmain:   halt\n"}});
  CHECK(grid->StopReason().find("(0,0) idle") != std::string::npos);
}

TEST_CASE("a tile error stops the run and names the tile", "[fabric]") {
  auto grid = RunSources(SmallFabric(2, 2), {{{1, 1}, "        li r1, 2\n        lw r2, 0(r1)\n        halt\n"}});
  CHECK(grid->StopReason().find("tile (1,1) halted with error 2 (misaligned access)") != std::string::npos);
}

TEST_CASE("a wavelet routed off the mesh where nothing collects is an error", "[fabric]") {
  const std::string src = R"(
        li      r1, 1
        rcfg    r1, 4, r0
        li      r2, 16 | (1 << 5)
        rcfg    r1, 0, r2
        send    r1, 1
        halt
)";
  auto grid = RunSources(SmallFabric(2, 2), {{{1, 0}, src}});
  CHECK(grid->StopReason().find("left the mesh at tile (1,0) North") != std::string::npos);
}

TEST_CASE("SRAM bank conflicts and a slow write port are counted as SRAM stalls", "[fabric]") {
  // Both operands in bank 0 (stride 8 words): every step waits a cycle for the bank.
  const std::string conflict = R"(
        li      r1, 64
        li      r2, 32
        li      r3, 8
        dmem    d1, r0, r1, r3, f32
        dmem    d2, r2, r1, r3, f32
        tfdot   r4, d1, d2
        halt
)";
  auto grid = RunSources(SmallFabric(1, 1), {{{0, 0}, conflict}});
  CHECK(grid->StopReason().find("every tile halted") == 0);
  CHECK(grid->Tile(0, 0).Counters().cycles[static_cast<int>(Activity::WaitSram)] >= 60);
  // Back-to-back stores to one bank: free with a 1-cycle write port, stalls with a 3-cycle one.
  const std::string stores = "        sw r1, 0(r0)\n        sw r1, 32(r0)\n        sw r1, 64(r0)\n        halt\n";
  auto quick = RunSources(SmallFabric(1, 1), {{{0, 0}, stores}});
  auto config = SmallFabric(1, 1);
  config.write_latency = 3;
  auto slow = RunSources(config, {{{0, 0}, stores}});
  CHECK(quick->Tile(0, 0).Counters().cycles[static_cast<int>(Activity::WaitSram)] == 0);
  CHECK(slow->Tile(0, 0).Counters().cycles[static_cast<int>(Activity::WaitSram)] == 4);
  CHECK(slow->Cycle() == quick->Cycle() + 4);
}

TEST_CASE("run statistics add up", "[fabric][gemv]") {
  fabric::FabricConfig config = SmallFabric(3, 2);
  runtime::KernelRequest req;
  req.m = 20;
  req.n = 30;
  const auto mapping = runtime::MapGemv(req, config);
  fabric::TileGrid grid(config);
  const auto r = runtime::RunKernel(mapping, grid, runtime::Scheduler::PlainLoop);
  REQUIRE(r.correct);
  const auto j = fabric::StatsJson(grid);
  CHECK(j["cycles"] == r.cycles);
  uint64_t x_in = 0;
  for (const auto& t : j["tiles"]) {
    const uint64_t sum = t["busy"].get<uint64_t>() + t["idle"].get<uint64_t>() + t["halted"].get<uint64_t>() +
                         t["wait_fabric_in"].get<uint64_t>() + t["wait_fabric_out"].get<uint64_t>() +
                         t["wait_sram"].get<uint64_t>();
    CHECK(sum == r.cycles);
    if (t["y"] == 0) x_in += t["link_utilization"]["south"].get<double>() * double(r.cycles) + 0.5;
  }
  // x goes down each column: row 0 passes its 10 elements south in each of 3 columns.
  CHECK(x_in == 30);
  CHECK(j["totals"]["max_sram_peak_bytes"] == mapping.sram_bytes_per_tile);
}

TEST_CASE("a halted tile's router still forwards, and the edge collects what leaves", "[fabric]") {
  const std::string sender = R"(
        li      r1, 2
        rcfg    r1, 4, r0
        li      r2, 16 | (2 << 5)
        rcfg    r1, 0, r2
        li      r3, 5
loop:   send    r3, 2
        addi    r3, r3, -1
        bne     r3, r0, loop
        halt
)";
  const std::string forward = R"(
        li      r1, 2
        rcfg    r1, 4, r0
        li      r2, 8 | (2 << 5)
        rcfg    r1, 0, r2
        halt
)";
  fabric::RunOptions options;
  fabric::TileGrid grid(SmallFabric(3, 1), options);
  grid.Load(0, 0, assembler::AssembleText(sender));
  grid.Load(1, 0, assembler::AssembleText(forward));
  grid.Load(2, 0, assembler::AssembleText(forward));
  grid.Edge(2, 0, noc::Dir::East).Collect();
  grid.Start();
  fabric::PlainScheduler(grid).Run();
  INFO(grid.StopReason());
  const auto& got = grid.Edge(2, 0, noc::Dir::East).Arrivals();
  for (const auto& a : got) UNSCOPED_INFO("cycle " << a.cycle << " data " << a.data);
  REQUIRE(got.size() == 5);
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i].data == 5 - i);
}

TEST_CASE("gemv takes a slice of a large mesh at its east edge when that is faster", "[fabric][gemv]") {
  // 64x64 on a 32x32 mesh: the whole mesh spends its time on 32 hops of row sums and 32 of
  // x; the mapper picks a narrower, taller region against the east edge (no forwarding tiles).
  const fabric::FabricConfig config = SmallFabric(32, 32);
  runtime::KernelRequest req;
  req.m = req.n = 64;
  const runtime::KernelMapping chosen = runtime::MapGemv(req, config);
  CHECK(chosen.region_width < 32);
  CHECK_THAT(chosen.description, Catch::Contains("at its east edge"));
  for (const auto& t : chosen.tiles) CHECK(t.x >= 32 - chosen.region_width);
  req.region_width = req.region_height = 32;  // asked for: the whole mesh, as before
  const runtime::KernelMapping whole = runtime::MapGemv(req, config);
  CHECK(whole.region_width == 32);
  auto run = [&](const runtime::KernelMapping& m) {
    fabric::TileGrid grid(config, fabric::RunOptions{}, fabric::TileModels::All(fabric::TileModel::Fast));
    return runtime::RunKernel(m, grid, runtime::Scheduler::PlainLoop);
  };
  const runtime::KernelResult a = run(chosen), b = run(whole);
  REQUIRE(a.correct);
  REQUIRE(b.correct);
  INFO("chosen " << chosen.region_width << "x" << chosen.region_height << ": " << a.cycles << " cycles; whole mesh "
                 << b.cycles);
  CHECK(double(a.cycles) < 0.8 * double(b.cycles));
}
