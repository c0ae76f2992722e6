// The SystemC fabric against the plain loop: the same cycles, outputs, statistics and waves.
// SystemC elaborates once per process, so this program holds one test with one Fabric.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fabric_stats.h"
#include "fabric_waves.h"
#include "gtkw.h"
#include "runtime/gemv_mapper.h"
#include "runtime/kernel_run.h"

using namespace wafersim;

TEST_CASE("the SystemC fabric runs gemv cycle for cycle as the plain loop does", "[fabric][systemc]") {
  fabric::FabricConfig config = fabric::Preset("small");
  config.width = 3;
  config.height = 3;
  runtime::KernelRequest req;
  req.m = 37;
  req.n = 29;
  const auto mapping = runtime::MapGemv(req, config);

  fabric::TileGrid plain_grid(config);
  const auto plain = runtime::RunKernel(mapping, plain_grid, runtime::Scheduler::PlainLoop);
  REQUIRE(plain.correct);

  const std::string trace = (std::filesystem::temp_directory_path() / "wafersim_fabric_systemc_test.fst").string();
  fabric::TileGrid sc_grid(config);
  sc_grid.OpenTrace(trace, 0, 0, 1, 1, 0, 200);
  fabric::WriteFabricGtkw(trace, 0, 0, 1, 1);
  const auto sc = runtime::RunKernel(mapping, sc_grid, runtime::Scheduler::SystemC);
  CHECK(sc.status == fabric::RunStatus::Done);
  CHECK(sc.correct);
  CHECK(sc.cycles == plain.cycles);
  CHECK(sc.output == plain.output);
  CHECK(fabric::StatsJson(sc_grid) == fabric::StatsJson(plain_grid));
  for (size_t p = 0; p < sc.phases.size(); ++p) CHECK(sc.phases[p].max_cycles == plain.phases[p].max_cycles);

  // The save file names signals of the traced tiles, which the FST holds.
  std::ifstream gtkw(waves::SaveFilePathFor(trace));
  std::stringstream text;
  text << gtkw.rdbuf();
  CHECK(text.str().find("T(1,1)") != std::string::npos);
  CHECK(text.str().find("T_1_1.pe_tile.u_core.state_q[2:0]") != std::string::npos);
  CHECK(text.str().find("T(2,2)") == std::string::npos);
  CHECK(std::filesystem::file_size(trace) > 1000);
}
