// Neighbor: (x, y) sends to ((x+1) mod W, (y+1) mod H), one hop in each dimension except
// where it wraps around the mesh edge.
#include "noc/traffic_pattern.h"

namespace wafersim::noc {
namespace {

class Neighbor : public TrafficPattern {
 public:
  explicit Neighbor(const TrafficContext& ctx) : w_(ctx.width), h_(ctx.height) {}
  Coord Destination(Coord src, std::mt19937_64&) const override {
    return Coord{(src.x + 1) % w_, (src.y + 1) % h_};
  }

 private:
  int w_, h_;
};

const TrafficRegistrar kRegistrar("neighbor", "(x,y) to ((x+1) mod W, (y+1) mod H)",
                                  [](const TrafficContext& c) { return std::make_unique<Neighbor>(c); });

}  // namespace
}  // namespace wafersim::noc
