// A deadlock under the SystemC schedule is found and reported as under the plain loop.
// (One Fabric per process: this is its own program.)
#include <catch2/catch.hpp>

#include "fabric.h"
#include "fabric/fabric_harness.h"

using namespace wafersim;

TEST_CASE("the SystemC fabric reports a deadlock as the plain loop does", "[fabric][systemc][deadlock]") {
  const std::string waiter = "        recv    r1, 5\n        halt\n";
  const std::string sender = "        li r1, 6\n        rcfg r1, 4, r0\n        li r2, 16 | (4 << 5)\n"
                             "        rcfg r1, 0, r2\n        send r1, 6\n        halt\n";
  const fabric::FabricConfig config = testbench::SmallFabric(2, 2);
  auto plain = testbench::RunSources(config, {{{0, 1}, waiter}, {{0, 0}, sender}});
  INFO(plain->StopReason());
  REQUIRE(plain->StopReason().find("deadlock") == 0);

  fabric::RunOptions options;
  options.watchdog_cycles = 200;
  fabric::TileGrid grid(config, options);
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 2; ++x) grid.Load(x, y, {});
  }
  grid.Load(0, 1, assembler::AssembleText(waiter));
  grid.Load(0, 0, assembler::AssembleText(sender));
  grid.Start();
  fabric::Fabric fabric("fabric", grid);
  CHECK(fabric.Run() == fabric::RunStatus::Deadlock);
  CHECK(grid.StopReason() == plain->StopReason());
  CHECK(grid.StopReason().find("(0,1) waiting for fabric input on color 5") != std::string::npos);
  // Color 6 came down from (0,0) into (0,1)'s core queue, where nobody takes it.
  CHECK(grid.Cycle() == plain->Cycle());
}
