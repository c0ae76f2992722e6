// Uniform random: every other node equally likely.
#include <stdexcept>

#include "noc/traffic_pattern.h"

namespace wafersim::noc {
namespace {

class Uniform : public TrafficPattern {
 public:
  explicit Uniform(const TrafficContext& ctx) : w_(ctx.width), h_(ctx.height) {
    if (w_ * h_ < 2) throw std::invalid_argument("--traffic uniform needs at least 2 nodes");
  }
  Coord Destination(Coord src, std::mt19937_64& rng) const override {
    return UniformOther(src, w_, h_, rng);
  }

 private:
  int w_, h_;
};

const TrafficRegistrar kRegistrar("uniform", "every other node equally likely",
                                  [](const TrafficContext& c) { return std::make_unique<Uniform>(c); });

}  // namespace
}  // namespace wafersim::noc
