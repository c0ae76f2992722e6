// Bit complement: (x, y) sends to (W-1-x, H-1-y), the node index with every bit flipped when
// W and H are powers of two; every packet crosses the bisection.
#include "noc/traffic_pattern.h"

namespace wafersim::noc {
namespace {

class BitComplement : public TrafficPattern {
 public:
  explicit BitComplement(const TrafficContext& ctx) : w_(ctx.width), h_(ctx.height) {}
  Coord Destination(Coord src, std::mt19937_64&) const override {
    return Coord{w_ - 1 - src.x, h_ - 1 - src.y};
  }

 private:
  int w_, h_;
};

const TrafficRegistrar kRegistrar("bitcomp", "(x,y) to (W-1-x, H-1-y)",
                                  [](const TrafficContext& c) {
                                    return std::make_unique<BitComplement>(c);
                                  });

}  // namespace
}  // namespace wafersim::noc
