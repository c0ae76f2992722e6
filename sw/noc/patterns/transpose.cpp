// Transpose: (x, y) sends to (y, x); nodes on the diagonal send to themselves.
#include <stdexcept>

#include "noc/traffic_pattern.h"

namespace wafersim::noc {
namespace {

class Transpose : public TrafficPattern {
 public:
  explicit Transpose(const TrafficContext& ctx) {
    if (ctx.width != ctx.height) {
      throw std::invalid_argument("--traffic transpose needs a square mesh");
    }
  }
  Coord Destination(Coord src, std::mt19937_64&) const override { return Coord{src.y, src.x}; }
};

const TrafficRegistrar kRegistrar("transpose", "(x,y) to (y,x); square meshes",
                                  [](const TrafficContext& c) { return std::make_unique<Transpose>(c); });

}  // namespace
}  // namespace wafersim::noc
