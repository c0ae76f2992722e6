// The run's setup (runtime/run_setup.h): tile models and scheduler chosen once for `run` and
// its --model blocks, the limits checked before anything is allocated or simulated.
#include <catch2/catch.hpp>

#include <algorithm>

#include "fabric_config.h"
#include "runtime/fabric_file.h"
#include "runtime/mapper_registry.h"
#include "runtime/run_setup.h"

using namespace wafersim;
using runtime::SchedulerChoice;
using runtime::TileChoice;

namespace {
fabric::FabricConfig Mesh(int w, int h) {
  fabric::FabricConfig c = fabric::Preset("small");
  c.width = w;
  c.height = h;
  return c;
}
}  // namespace

TEST_CASE("run setup: tile models and the scheduler auto picks", "[run_setup]") {
  runtime::SimulationChoice c;
  c.tiles = TileChoice::Rtl;
  runtime::RunSetup s = runtime::PrepareRun(c, Mesh(4, 3));
  CHECK(s.rtl_tiles == 12);
  CHECK(s.scheduler == runtime::Scheduler::SystemC);
  c.tiles = TileChoice::Fast;
  s = runtime::PrepareRun(c, Mesh(4, 3));
  CHECK(s.rtl_tiles == 0);
  CHECK(s.scheduler == runtime::Scheduler::PlainLoop);
  c.tiles = TileChoice::Mixed;  // the 2x2 tiles at the origin by default
  s = runtime::PrepareRun(c, Mesh(4, 3));
  CHECK(s.rtl_tiles == 4);
  CHECK(s.models.At(1, 1) == fabric::TileModel::Rtl);
  CHECK(s.models.At(2, 1) == fabric::TileModel::Fast);
  c.rtl_region = true;
  c.rtl_x0 = 1, c.rtl_y0 = 0, c.rtl_x1 = 3, c.rtl_y1 = 2;
  CHECK(runtime::PrepareRun(c, Mesh(4, 3)).rtl_tiles == 9);
  c.rtl_x1 = 4;
  CHECK_THROWS_WITH(runtime::PrepareRun(c, Mesh(4, 3)), "--rtl-region 1,0:4,2: not a region of the 4x3 mesh");
}

TEST_CASE("run setup: refuses what does not apply", "[run_setup]") {
  CHECK_THROWS_WITH(runtime::ParseTileChoice("quick"), "--tiles: 'quick' is not rtl, fast or mixed");
  CHECK_THROWS_WITH(runtime::ParseSchedulerChoice("sc"), "--scheduler: 'sc' is not systemc, plain or auto");
  runtime::SimulationChoice c;
  c.threads = 2;
  CHECK_THROWS_WITH(runtime::PrepareRun(c, Mesh(2, 2)), Catch::StartsWith("--threads 2: only fast tiles"));
  c.tiles = TileChoice::Fast;
  CHECK_NOTHROW(runtime::PrepareRun(c, Mesh(2, 2)));
  c.scheduler = SchedulerChoice::SystemC;
  CHECK_THROWS_WITH(runtime::PrepareRun(c, Mesh(2, 2)), Catch::Contains("this run is on SystemC"));
  c = {};
  c.tiles = TileChoice::Fast;
  c.rtl_region = true;
  CHECK_THROWS_WITH(runtime::PrepareRun(c, Mesh(2, 2)), "--rtl-region: only with --tiles mixed");
  c.rtl_region = false;
  c.watchdog = 5;
  CHECK_THROWS_WITH(runtime::PrepareRun(c, Mesh(2, 2)), "--watchdog: 5 is below 10 cycles");
  // The wse3 preset's 24 colors: the RTL tile has 8, the message says what to use.
  c = {};
  fabric::FabricConfig wse3 = fabric::Preset("wse3");
  wse3.width = wse3.height = 4;
  CHECK_THROWS_WITH(runtime::PrepareRun(c, wse3), Catch::Contains("--tiles fast"));
}

TEST_CASE("run setup: the mesh side is capped as the fabric file caps it", "[run_setup]") {
  CHECK_THROWS_WITH(fabric::ResolveFabricConfig("small", "", 5000, 2), Catch::StartsWith("--mesh 5000x2: each side must be 1..2048"));
  CHECK_NOTHROW(fabric::ResolveFabricConfig("small", "", 2048, 1));
  CHECK_THROWS_WITH(fabric::ValidateFabricConfig(Mesh(1, 4096)), "mesh.height: 4096 is outside 1..2048");
}

TEST_CASE("run setup: host memory and the cycle estimate are checked before the run", "[run_setup]") {
  runtime::SimulationChoice c;
  c.tiles = TileChoice::Fast;
  const runtime::RunSetup s = runtime::PrepareRun(c, Mesh(2, 2));
  CHECK_NOTHROW(runtime::CheckHostMemory(s, 1e3, "gemv"));
  if (runtime::AvailableHostMemory() > 0) {
    CHECK_THROWS_WITH(runtime::CheckHostMemory(s, 1e15, "gemv"), Catch::Contains("of host memory") &&
                                                                    Catch::Contains("available"));
  }
  runtime::KernelMapping m;
  m.kernel = "gemv";
  m.estimated_cycles = 10.49e6;
  CHECK_THROWS_WITH(runtime::CheckCycleEstimate(m, 10'000'000),
                    Catch::Contains("estimate is 10490000 cycles, above --max-cycles 10000000") &&
                        Catch::Contains("(--max-cycles 14000000)"));
  CHECK_NOTHROW(runtime::CheckCycleEstimate(m, 11'000'000));
  m.estimated_cycles = 0;  // no estimate: nothing to say
  CHECK_NOTHROW(runtime::CheckCycleEstimate(m, 1));
}

TEST_CASE("run setup: exit codes and failure lines", "[run_setup]") {
  runtime::KernelResult r;
  r.status = fabric::RunStatus::Done;
  r.correct = true;
  CHECK(runtime::RunExitCode(r) == 0);
  CHECK(runtime::RunFailure(r).empty());
  r.correct = false;
  r.check = "y[3] = 1";
  CHECK(runtime::RunExitCode(r) == 1);
  CHECK(runtime::RunFailure(r) == "wrong answer: y[3] = 1");
  r.status = fabric::RunStatus::CycleLimit;
  r.cycles = 50;
  CHECK(runtime::RunExitCode(r) == 1);
  CHECK_THAT(runtime::RunFailure(r), Catch::StartsWith("stopped at the cycle limit (50 cycles)"));
  r.status = fabric::RunStatus::Interrupted;
  CHECK(runtime::RunExitCode(r) == 130);
}

TEST_CASE("mapper registry: each kernel's flags; the others are refused", "[run_setup]") {
  runtime::KernelRequest r;
  const auto& gemv = runtime::FindMapper("gemv");
  CHECK_NOTHROW(runtime::CheckKernelFlags(gemv, r, {"--kernel", "--m", "--n", "--seed", "--region"}));
  CHECK_THROWS_WITH(runtime::CheckKernelFlags(gemv, r, {"--m", "--fit"}),
                    "--fit: gemv does not take it (its flags: --m --n --dtype --region)");
  r.phase = "prefill";
  const auto& attention = runtime::FindMapper("attention");
  CHECK_NOTHROW(runtime::CheckKernelFlags(attention, r, {"--prompt", "--fit"}));
  CHECK_THROWS_WITH(runtime::CheckKernelFlags(attention, r, {"--context"}),
                    Catch::StartsWith("--context: attention prefill does not take it"));
  // Every mapper declares its flags and its data, and every flag it declares is a kernel flag.
  for (const auto& m : runtime::Mappers()) {
    INFO(m.name);
    REQUIRE(m.flags);
    REQUIRE(m.data_elements);
    for (const auto& f : m.flags(r)) {
      const auto& all = runtime::AllKernelFlags();
      CHECK(std::find(all.begin(), all.end(), f) != all.end());
    }
  }
}
