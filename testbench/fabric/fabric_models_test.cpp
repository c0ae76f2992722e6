// The fabric with fast tiles, with fast tiles around an RTL region, and with RTL tiles only:
// the same mappings, stepped together cycle by cycle, must agree tile by tile (pc, activity,
// waits, buffers, counters) at every cycle, and end with the same outputs and SRAM. Also: the
// plain loop on two threads gives the run one thread gives.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "fabric_harness.h"
#include "fabric_stats.h"
#include "fast_tile.h"
#include "plain_scheduler.h"
#include "runtime/kernel_run.h"
#include "runtime/mapper_registry.h"

using namespace wafersim;

namespace {

// What one tile shows at the end of a cycle, as text so a divergence names the signal.
std::vector<std::pair<std::string, uint64_t>> Signals(const fabric::FabricTile& t) {
  const auto& c = t.Counters();
  std::vector<std::pair<std::string, uint64_t>> v = {
      {"pc", t.Pc()},
      {"halted", t.Halted()},
      {"error", static_cast<uint64_t>(t.Error())},
      {"task", static_cast<uint64_t>(t.Task())},
      {"activity", static_cast<uint64_t>(t.LastActivity())},
      {"wait color", static_cast<uint64_t>(t.WaitColor())},
      {"moved", t.Moved()},
      {"buffered", t.Buffered()},
      {"output pending", t.OutputPending()},
      {"router errors", t.RouterErrorBits()},
      {"retired", c.retired},
      {"dispatched", c.dispatched},
      {"sram reads", t.Sram().Reads()},
      {"sram writes", t.Sram().Writes()}};
  for (int p = 0; p < 5; ++p) {
    v.emplace_back(fmt::format("full colors of port {}", p), t.FullColors(p));
    v.emplace_back(fmt::format("wavelets out of port {}", p), c.sent[p]);
  }
  return v;
}

// A fast tile replaying a tensor operation it ran ahead: its banks, and so their counters, are
// already at the operation's end.
bool Replaying(const fabric::FabricTile& t) {
  const auto* fast = dynamic_cast<const fabric::FastTile*>(&t);
  return fast != nullptr && fast->Replaying();
}

// Steps `grids` together; returns "" or the first difference from grids[0] (cycle, tile, signal).
// The SRAM counters of a tile replaying a tensor operation are compared once it is done, and
// the activity (and so moved) of one asleep in it when it wakes (until then it shows its last evaluated
// cycle's; fast_tile_test compares every replayed cycle against the RTL tile).
std::string Lockstep(std::vector<std::unique_ptr<fabric::TileGrid>>& grids, const char* const* names) {
  std::vector<std::unique_ptr<fabric::PlainScheduler>> loops;
  for (auto& g : grids) loops.push_back(std::make_unique<fabric::PlainScheduler>(*g));
  for (;;) {
    std::vector<fabric::RunStatus> status;
    for (auto& l : loops) status.push_back(l->Step());
    const fabric::TileGrid& ref = *grids[0];
    for (size_t k = 1; k < grids.size(); ++k) {
      const fabric::TileGrid& other = *grids[k];
      for (int i = 0; i < ref.Tiles(); ++i) {
        const fabric::FabricTile& ta = const_cast<fabric::TileGrid&>(ref).TileAt(i);
        const fabric::FabricTile& tb = const_cast<fabric::TileGrid&>(other).TileAt(i);
        const bool replaying = Replaying(ta) || Replaying(tb);
        const bool asleep = (Replaying(ta) && loops[0]->Asleep(i)) || (Replaying(tb) && loops[k]->Asleep(i));
        const auto a = Signals(ta);
        const auto b = Signals(tb);
        for (size_t s = 0; s < a.size(); ++s) {
          if (replaying && a[s].first.rfind("sram", 0) == 0) continue;
          if (asleep && (a[s].first == "activity" || a[s].first == "moved")) continue;
          if (a[s].second != b[s].second) {
            return fmt::format("cycle {}: tile ({},{}) {}: {} {} vs {} {}", ref.Cycle(), i % ref.Width(),
                               i / ref.Width(), a[s].first, names[0], a[s].second, names[k], b[s].second);
          }
        }
      }
      if (status[k] != status[0]) {
        return fmt::format("cycle {}: {} stopped ({}) but {} did not ({})", ref.Cycle(), names[0],
                           fabric::RunStatusName(status[0]), names[k], fabric::RunStatusName(status[k]));
      }
    }
    if (status[0] != fabric::RunStatus::Running) return "";
  }
}

struct Case {
  std::string what;
  int width, height;
  runtime::KernelRequest request;
};

std::vector<Case> Cases() {
  std::vector<Case> v;
  runtime::KernelRequest gemv;
  gemv.kernel = "gemv";
  gemv.m = 37;
  gemv.n = 29;
  v.push_back({"gemv 37x29 binary32", 4, 3, gemv});
  gemv.dtype = DType::kFp16;
  gemv.m = 40;
  gemv.n = 50;
  v.push_back({"gemv 40x50 binary16", 3, 3, gemv});
  runtime::KernelRequest att;
  att.kernel = "attention";
  att.heads = 4;
  att.kv_heads = 2;
  att.head_dim = 8;
  att.context = 20;
  v.push_back({"attention decode, 4 heads over 2 KV heads, context 20", 4, 4, att});
  att.dtype = DType::kFp16;
  att.head_dim = 13;
  v.push_back({"attention decode, binary16 KV cache, head dim 13", 4, 4, att});
  att.dtype = DType::kFp32;
  att.head_dim = 8;
  att.phase = "prefill";
  att.prompt = 12;
  att.heads = 2;
  att.kv_heads = 1;
  v.push_back({"attention prefill, 2 heads, prompt 12", 3, 3, att});
  att.dtype = DType::kFp16;
  att.head_dim = 9;
  v.push_back({"attention prefill, binary16, head dim 9, prompt 12", 3, 3, att});
  att.dtype = DType::kFp32;
  runtime::KernelRequest gemm;
  gemm.kernel = "gemm";
  gemm.m = 13;
  gemm.n = 10;
  gemm.k = 17;
  v.push_back({"gemm 13x10x17", 3, 3, gemm});
  runtime::KernelRequest moe;
  moe.kernel = "moe";
  moe.d_model = 8;
  moe.d_ff = 8;
  moe.experts = 3;
  moe.top_k = 2;
  moe.tokens = 2;
  v.push_back({"moe, 3 experts, top 2, 2 tokens", 4, 4, moe});
  // Routed packets from the gate, relayed along each expert's five tiles; the mixed fabric's
  // RTL tiles are on the packets' path and in the relays.
  moe.dispatch = "dynamic";
  v.push_back({"moe, dynamic dispatch, 3 experts, top 2, 2 tokens", 4, 4, moe});
  // Binary16 weights and tokens: 4-lane products, interleaved down-projection rows.
  moe.dtype = DType::kFp16;
  moe.d_model = 9;
  v.push_back({"moe, binary16, dynamic dispatch, d_model 9", 4, 4, moe});
  for (const char* kernel : {"rmsnorm", "silu_mul", "residual"}) {
    runtime::KernelRequest r;
    r.kernel = kernel;
    r.d_model = 24;
    r.tokens = 2;
    v.push_back({std::string(kernel) + " 2x24", 3, 2, r});
  }
  runtime::KernelRequest rope;
  rope.kernel = "rope";
  rope.tokens = 3;
  rope.heads = 2;
  rope.kv_heads = 1;
  rope.head_dim = 10;
  rope.context = 7;
  v.push_back({"rope 3 tokens x (2 + 1) heads x 10", 3, 2, rope});
  return v;
}

// Runs `m` on a fresh grid through the plain loop: the run's JSON without its wall time, which
// runs with the same cycles, outputs and statistics give alike; and the tiles evaluated.
nlohmann::json RunJson(const runtime::KernelMapping& m, const fabric::FabricConfig& config,
                       const fabric::RunOptions& options, const fabric::TileModels& models,
                       uint64_t* evaluations = nullptr) {
  fabric::TileGrid grid(config, options, models);
  const auto r = runtime::RunKernel(m, grid, runtime::Scheduler::PlainLoop);
  REQUIRE(r.correct);
  nlohmann::json j = runtime::ResultJson(m, r, grid);
  j.erase("wall_s");
  if (evaluations) *evaluations = grid.Evaluations();
  return j;
}

}  // namespace

TEST_CASE("fast, mixed and RTL fabrics agree cycle by cycle on the mappings") {
  for (const Case& c : Cases()) {
    INFO(c.what);
    fabric::FabricConfig config = testbench::SmallFabric(c.width, c.height);
    const runtime::KernelMapping m = runtime::FindMapper(c.request.kernel).map(c.request, config);
    fabric::RunOptions options;
    options.max_cycles = 200000;
    std::vector<std::unique_ptr<fabric::TileGrid>> grids;
    grids.push_back(std::make_unique<fabric::TileGrid>(config, options, fabric::TileModels::All(fabric::TileModel::Rtl)));
    grids.push_back(std::make_unique<fabric::TileGrid>(config, options, fabric::TileModels::All(fabric::TileModel::Fast)));
    grids.push_back(std::make_unique<fabric::TileGrid>(config, options,
                                                       fabric::TileModels{fabric::TileModel::Fast, 1, 1, 2, 1}));
    REQUIRE(grids[2]->RtlTiles() == 2);
    fabric::RunOptions stepped = options;
    stepped.run_ahead = false;
    grids.push_back(std::make_unique<fabric::TileGrid>(config, stepped, fabric::TileModels::All(fabric::TileModel::Fast)));
    for (auto& g : grids) runtime::LoadKernel(m, *g);
    static const char* const kNames[] = {"rtl", "fast", "mixed", "fast stepping every tensor cycle"};
    const std::string diff = Lockstep(grids, kNames);
    INFO(diff);
    CHECK(diff.empty());
    CHECK(grids[0]->StopReason().find("every tile halted") != std::string::npos);
    // The same results left the mesh and the same bytes stayed in every tile's SRAM.
    for (size_t k = 1; k < grids.size(); ++k) {
      for (int e = 0; e < grids[0]->EdgeCount(); ++e) {
        const auto& a = grids[0]->EdgeAt(e).Arrivals();
        const auto& b = grids[k]->EdgeAt(e).Arrivals();
        REQUIRE(a.size() == b.size());
        for (size_t i = 0; i < a.size(); ++i) {
          CHECK(a[i].cycle == b[i].cycle);
          CHECK(a[i].data == b[i].data);
        }
      }
      for (int t = 0; t < grids[0]->Tiles(); ++t) {
        CHECK(grids[0]->TileAt(t).Sram().Bytes() == grids[k]->TileAt(t).Sram().Bytes());
      }
    }
  }
}

TEST_CASE("a mapping's run and statistics are the same on fast, mixed and RTL tiles") {
  fabric::FabricConfig config = testbench::SmallFabric(4, 4);
  runtime::KernelRequest req;
  req.m = 96;
  req.n = 80;
  const runtime::KernelMapping m = runtime::FindMapper("gemv").map(req, config);
  std::vector<nlohmann::json> results;
  std::vector<uint64_t> evaluations;
  for (const auto& models : {fabric::TileModels::All(fabric::TileModel::Rtl),
                             fabric::TileModels::All(fabric::TileModel::Fast),
                             fabric::TileModels{fabric::TileModel::Fast, 0, 0, 1, 3}}) {
    results.push_back(RunJson(m, config, {}, models, &evaluations.emplace_back()));
  }
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
  // Fast tiles waiting at a fixed point were left out (RTL tiles only when halted), and the
  // figures above still agree, waiting cycles included.
  CHECK(evaluations[1] < evaluations[0]);
}

TEST_CASE("fast tiles on two threads give the run one thread gives, each tile updated at once or all after") {
  // 64 x 64 tiles: enough active tiles per cycle that the cycle is split over the threads.
  fabric::FabricConfig config = testbench::SmallFabric(64, 64);
  runtime::KernelRequest req;
  req.m = 300;
  req.n = 260;
  const runtime::KernelMapping m = runtime::FindMapper("gemv").map(req, config);
  std::vector<nlohmann::json> results;
  for (const int threads : {1, 2}) {
    for (const bool split : {false, true}) {
      fabric::RunOptions options;
      options.threads = threads;
      options.split_phases = split;
      results.push_back(RunJson(m, config, options, fabric::TileModels::All(fabric::TileModel::Fast)));
    }
  }
  for (size_t i = 1; i < results.size(); ++i) CHECK(results[0] == results[i]);
}

TEST_CASE("a tile's clock edge right after its evaluation changes nothing on mixed tiles") {
  // Tiles see each other only through last cycle's link outputs, so updating each tile as
  // soon as it is evaluated gives the cycles, outputs and statistics of evaluating all first.
  fabric::FabricConfig config = testbench::SmallFabric(4, 4);
  runtime::KernelRequest req;
  req.kernel = "gemm";
  req.m = 12;
  req.n = 10;
  req.k = 14;
  const runtime::KernelMapping m = runtime::FindMapper("gemm").map(req, config);
  std::vector<nlohmann::json> results;
  for (const bool split : {false, true}) {
    fabric::RunOptions options;
    options.split_phases = split;
    results.push_back(RunJson(m, config, options, fabric::TileModels{fabric::TileModel::Fast, 1, 1, 2, 2}));
  }
  CHECK(results[0] == results[1]);
}

TEST_CASE("a trace needs RTL tiles, and an RTL fabric has a size limit") {
  fabric::FabricConfig config = testbench::SmallFabric(4, 4);
  fabric::TileGrid grid(config, {}, fabric::TileModels{fabric::TileModel::Fast, 0, 0, 1, 1});
  CHECK_NOTHROW(grid.OpenTrace("/tmp/wafersim_models_test.fst", 0, 0, 1, 1, 0, 10));
  grid.CloseTrace();
  CHECK_THROWS_WITH(grid.OpenTrace("/tmp/wafersim_models_test.fst", 0, 0, 2, 1, 0, 10),
                    Catch::Contains("tile (2,0) runs the fast model"));
  fabric::FabricConfig big = testbench::SmallFabric(100, 100);
  CHECK_THROWS_WITH(fabric::TileGrid(big), Catch::Contains("10000 RTL tiles exceed the 4096"));
  CHECK_NOTHROW(fabric::TileGrid(big, {}, fabric::TileModels{fabric::TileModel::Fast, 0, 0, 9, 9}));
}
