// Hotspot: a fraction of packets go to one node (default the centre), the rest uniformly.
#include <stdexcept>

#include <fmt/format.h>

#include "noc/traffic_pattern.h"

namespace wafersim::noc {
namespace {

class Hotspot : public TrafficPattern {
 public:
  explicit Hotspot(const TrafficContext& ctx)
      : w_(ctx.width), h_(ctx.height), spot_(ctx.hotspot), fraction_(ctx.hotspot_fraction) {
    if (w_ * h_ < 2) throw std::invalid_argument("--traffic hotspot needs at least 2 nodes");
    if (spot_.x < 0 || spot_.x >= w_ || spot_.y < 0 || spot_.y >= h_) {
      throw std::invalid_argument(
          fmt::format("--hotspot {},{} is outside the {}x{} mesh", spot_.x, spot_.y, w_, h_));
    }
    if (!(fraction_ >= 0.0 && fraction_ <= 1.0)) {
      throw std::invalid_argument(
          fmt::format("--hotspot-fraction {} must be in [0,1]", fraction_));
    }
  }
  Coord Destination(Coord src, std::mt19937_64& rng) const override {
    std::bernoulli_distribution to_spot(fraction_);
    if (to_spot(rng) && !(src == spot_)) return spot_;
    return UniformOther(src, w_, h_, rng);
  }

 private:
  int w_, h_;
  Coord spot_;
  double fraction_;
};

const TrafficRegistrar kRegistrar(
    "hotspot", "--hotspot-fraction of packets to --hotspot X,Y, the rest uniform",
    [](const TrafficContext& c) { return std::make_unique<Hotspot>(c); });

}  // namespace
}  // namespace wafersim::noc
