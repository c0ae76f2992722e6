// The MoE layer's inputs and its answer: the gate's choice of experts per token (made with the
// fabric's own binary32 arithmetic, so the check never disagrees about which experts a token
// goes to), the layer's output in double precision, and a tolerance per element derived from
// a first-order bound on the fabric's rounding errors. With binary16 storage the weights are
// taken as stored and the tokens as the gate tile rounds them.
#pragma once

#include <cstdint>
#include <vector>

namespace wafersim::runtime {

struct MoeShape {
  int d_model = 0, d_ff = 0, experts = 0, top_k = 0, tokens = 0;
};

/// How the tiles store the layer: binary32 throughout, or (`f16`) the weights and the tokens in
/// binary16 with binary32 arithmetic; a dot product of two binary16 vectors then runs `lanes`
/// lane accumulators (the fabric's SimdWidth), added in order at the end.
struct MoeFormat {
  bool f16 = false;
  int lanes = 1;
};

/// The weights as the fabric stores them (binary16 values with `format.f16`); the tokens as the
/// host sends them, in binary32.
struct MoeInputs {
  std::vector<float> x;     ///< tokens x d_model
  std::vector<float> gate;  ///< experts x d_model: the router's weights, one row per expert
  /// Per expert, d_ff x d_model: row i of w1 and w3 gives hidden unit i its gate and up
  /// projections, row i of w2 its contribution to the output (the down projection).
  std::vector<std::vector<float>> w1, w3, w2;
};

MoeInputs RandomMoeInputs(const MoeShape& shape, const MoeFormat& format, uint64_t seed);

struct MoeAnswer {
  /// Per token: the chosen experts in the order the gate picks them (highest logit first).
  std::vector<std::vector<int>> chosen;
  std::vector<int> tokens_per_expert;
  std::vector<double> y;          ///< tokens x d_model
  std::vector<double> tolerance;  ///< per element of y
};

/// `tiles_per_expert` and `max_hidden_per_tile` size the error bound: the down projection is a
/// chain of at most that many roundings per tile, and the combine adds one per tile.
MoeAnswer MoeReference(const MoeShape& shape, const MoeFormat& format, const MoeInputs& in,
                       const std::vector<int>& tiles_per_expert, int max_hidden_per_tile);

}  // namespace wafersim::runtime
