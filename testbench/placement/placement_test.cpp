// A whole model placed on one wafer: every region inside the wafer, none overlapping another,
// each holding its bytes within a tile's usable SRAM, consecutive kernels side by side along the
// snake, and a model too large for the wafer refused naming where it runs out.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "fabric_config.h"
#include "placement/model_placement.h"
#include "workload/workload_keys.h"

using namespace wafersim;

namespace {

workload::Workload Decode(const std::string& model, const std::string& context) {
  return workload::ResolveWorkload({}, {workload::FlagSetting("model.preset", model),
                                        workload::FlagSetting("run.context", context)});
}

compare::WaferMachine Wafer(const std::string& preset) {
  compare::WaferMachine m;
  m.config = fabric::Preset(preset);
  return m;
}

bool Overlap(const placement::Region& a, const placement::Region& b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

}  // namespace

TEST_CASE("Llama 3.2 1B fits one wse3 wafer: regions inside it, apart, holding their bytes, in token order",
          "[placement]") {
  const compare::WaferMachine m = Wafer("wse3");
  const placement::Placement p = placement::PlaceModel(Decode("llama3.2-1b", "2048"), m);
  REQUIRE(p.fits);
  // 16 layers of 13 kernels, the final norm and the output head.
  REQUIRE(p.regions.size() == 16 * 13 + 2);
  CHECK(p.regions.front().kernel == "attn.norm");
  CHECK(p.regions.back().kernel == "lm_head");
  int64_t tiles = 0;
  for (size_t i = 0; i < p.regions.size(); ++i) {
    const placement::Region& r = p.regions[i];
    INFO(r.layer << " " << r.kernel);
    CHECK(r.x >= 0);
    CHECK(r.y >= 0);
    CHECK(r.x + r.width <= m.config.width);
    CHECK(r.y + r.height <= m.config.height);
    CHECK(r.Tiles() >= r.tiles_needed);
    CHECK(r.BytesPerTile() <= p.usable_bytes_per_tile);
    CHECK(r.cycles_per_step > 0);
    tiles += r.Tiles();
    for (size_t j = i + 1; j < p.regions.size(); ++j) CHECK_FALSE(Overlap(r, p.regions[j]));
    // The next region on the same strip starts where this one ends (the snake's direction).
    if (i + 1 < p.regions.size() && p.regions[i + 1].y == r.y) {
      const placement::Region& n = p.regions[i + 1];
      CHECK((n.x == r.x + r.width || n.x + n.width == r.x));
    }
  }
  CHECK(tiles == p.TilesUsed());
  CHECK(p.TilesUsed() <= int64_t{m.config.width} * m.config.height);
  // Every weight is resident: the matrices hold the model's weights but the embedding (the
  // head is tied to it, so it is held once, by the head).
  double weights = 0;
  for (const auto& r : p.regions) weights += r.weight_bytes;
  CHECK(weights == Approx(2.0 * 1235814400.0).epsilon(1e-4));
}

TEST_CASE("a larger wafer's spare tiles shorten the step; a model too large is refused naming where it runs out",
          "[placement]") {
  compare::WaferMachine big = Wafer("wse3");
  compare::WaferMachine small = big;
  small.config.height = big.config.height / 2;
  const workload::Workload w = Decode("llama3.2-1b", "2048");
  const placement::Placement a = placement::PlaceModel(w, small), b = placement::PlaceModel(w, big);
  REQUIRE(a.fits);
  REQUIRE(b.fits);
  CHECK(b.TilesUsed() > a.TilesUsed());
  CHECK(b.CyclesPerStep() < a.CyclesPerStep());

  const placement::Placement too_big = placement::PlaceModel(Decode("llama3-70b", "2048"), big);
  CHECK_FALSE(too_big.fits);
  CHECK(too_big.regions.empty());
  CHECK_THAT(too_big.overflow, Catch::Matches("llama3-70b does not fit one 762x1172 wafer: .* it runs out at layer "
                                              "[0-9]+'s [a-z_.]+, [0-9.]+ GB short"));
}
