// Decoder layers with the model's head (final norm, output head GEMV, argmax) resident on the
// fabric: the token is right, and the check after the run, which judges each layer's kept
// output and the head's logits from the values before them as the fabric held them, names
// the layer, the kernel and the element when one is wrong.
#include <catch2/catch.hpp>

#include <algorithm>

#include "fabric/fabric_harness.h"
#include "mapping/chain_checks.h"
#include "plan/plan_lowering.h"
#include "runtime/argmax_plan.h"
#include "runtime/decoder_layer_mapper.h"
#include "runtime/kernel_run.h"

using namespace wafersim;
using testbench::SmallFabric;

namespace {

runtime::KernelRequest Layers(int layers, int64_t vocab) {
  runtime::KernelRequest req;
  req.kernel = "layer";
  req.d_model = 32;
  req.d_ff = 64;
  req.heads = 4;
  req.kv_heads = 2;
  req.head_dim = 8;
  req.context = 9;
  req.layers = layers;
  req.vocab = vocab;
  return req;
}

}  // namespace

TEST_CASE("three layers and the head in a snake: the token, and each layer judged from its own input", "[head]") {
  const auto config = SmallFabric(100, 70);
  const runtime::KernelMapping m = runtime::MapDecoderLayer(Layers(3, 700), config);
  REQUIRE(m.observed.judge);
  CHECK(m.observed.size == 3 * 32 + 700);
  const runtime::KernelResult r = testbench::RunMapping(m, config);
  INFO(r.check);
  REQUIRE(r.correct);
  REQUIRE(r.output.size() == 2);
  REQUIRE(r.observed.size() == m.observed.size);
  // The token is the first largest of the logits the argmax tiles held.
  const auto logits = r.observed.begin() + 3 * 32;
  const auto best = std::max_element(logits, r.observed.end());
  CHECK(r.output[1] == double(best - logits));
  CHECK(r.output[0] == double(*best));
  CHECK(m.observed.judge(r.observed, r.output).empty());

  // A wrong element in layer 1's output is named there, not downstream.
  std::vector<float> seen = r.observed;
  seen[32 + 5] += 0.25f;
  CHECK_THAT(m.observed.judge(seen, r.output), Catch::StartsWith("layer 1 (L1.ffn_residual) y[5] = "));
  // A wrong logit, and a token that is not the largest logit held.
  seen = r.observed;
  seen[3 * 32 + 42] -= 0.5f;
  CHECK_THAT(m.observed.judge(seen, r.output), Catch::StartsWith("lm_head logit[42] = "));
  std::vector<double> token = r.output;
  token[1] = token[1] == 0 ? 1 : 0;
  CHECK_THAT(m.observed.judge(r.observed, token), Catch::StartsWith("argmax sent token"));
}

TEST_CASE("the argmax column keeps the earlier index on a tie and refuses a row too large", "[head]") {
  const auto config = SmallFabric(4, 8);
  plan::Plan p = runtime::BuildArgmaxPlan({5, 4, 4}, config);
  CHECK(p.region.height == 3);
  REQUIRE(p.outputs.size() == 1);
  CHECK(p.outputs[0].size == 2);
  // 3 is the largest at 2 (row 0), 4 (row 0 again), 6 (row 1) and 12 (row 2): the token is 2.
  p.tensors["x"].values = {-1, 0, 3, 1, 3, 2, 3, -5, 0, 0, 1, 2, 3};
  p.reference = {3, 2};
  p.tolerance = {0, 0};
  const runtime::KernelResult r = testbench::RunMapping(plan::Lower(p, config), config);
  INFO(r.check);
  CHECK(r.correct);
  // Without the ties, the last row's.
  p.tensors["x"].values[12] = 3.5f;
  p.reference = {3.5, 12};
  CHECK(testbench::RunMapping(plan::Lower(p, config), config).correct);
  CHECK_THROWS_WITH(runtime::BuildArgmaxPlan({20000}, config), Catch::Contains("a row of 20000 logits"));
}
