// The presets carry the published shapes, and the parameters counted from them come within 2% of
// the published totals (and active counts for the mixtures of experts).
#include <catch2/catch.hpp>

#include <string>

#include "workload/model_registry.h"
#include "workload/param_count.h"

using namespace wafersim::workload;

namespace {
ModelShape Preset(const std::string& name) { return ModelRegistry::Get().Create(name); }
}  // namespace

TEST_CASE("every preset's parameters are within 2% of the published totals", "[workload][presets]") {
  struct Published {
    const char* name;
    double total;
    double active;  // 0: dense, all active
  };
  // Llama 3 (Hugging Face's counts), GPT-3 (arXiv:2005.14165), Mixtral (Mistral AI),
  // DeepSeek-V2 (arXiv:2405.04434), DeepSeek-V3 (arXiv:2412.19437), Llama 3.2 1B (Hugging Face's
  // count), OLMoE-1B-7B (arXiv:2409.02060).
  const Published published[] = {
      {"llama3-8b", 8.03e9, 0},      {"llama3-70b", 70.6e9, 0},   {"gpt3-175b", 175e9, 0},
      {"mixtral-8x22b", 141e9, 39e9}, {"deepseek-v2", 236e9, 21e9}, {"deepseek-v3", 671e9, 37e9},
      {"llama3.2-1b", 1.24e9, 0},     {"olmoe-1b-7b", 6.9e9, 1.3e9},
  };
  for (const auto& p : published) {
    INFO(p.name);
    const ModelShape m = Preset(p.name);
    const ModelParams c = CountModelParams(m);
    CHECK(static_cast<double>(c.Total()) == Approx(p.total).epsilon(0.02));
    CHECK(static_cast<double>(c.Active()) == Approx(p.active > 0 ? p.active : p.total).epsilon(0.02));
    CHECK(m.published_params == p.total);
    CHECK(m.published_active_params == p.active);
  }
  // A model that is neither: a wrong expert count would show up here.
  CHECK(static_cast<double>(CountModelParams(Preset("deepseek-v3")).Active()) != Approx(671e9).epsilon(0.02));
}

TEST_CASE("the counts add up part by part", "[workload][presets]") {
  // Llama 3.2 1B, exactly: 16 layers of (q, o 2048^2 + k, v 2048 x 512 + 3 x 2048 x 8192 + 2
  // norms of 2048), the embedding of 128256 x 2048 and no head of its own (tied), the final norm.
  const ModelShape l1 = Preset("llama3.2-1b");
  CHECK(CountLayerParams(l1, 0).Total() == 2 * 2048 * 2048 + 2 * 2048 * 512 + 3 * 2048 * 8192 + 2 * 2048);
  CHECK(CountModelParams(l1).lm_head == 0);
  CHECK(CountModelParams(l1).Total() == 16 * int64_t{60821504} + 128256 * 2048 + 2048);
  // OLMoE: 64 experts of 3 x 2048 x 1024 and a 2048 x 64 router per layer, 8 experts active.
  const LayerParams olmoe = CountLayerParams(Preset("olmoe-1b-7b"), 0);
  CHECK(olmoe.ffn == 64 * 3 * 2048 * int64_t{1024});
  CHECK(olmoe.ffn_active == 8 * 3 * 2048 * int64_t{1024});
  CHECK(olmoe.router == 2048 * 64);

  // Llama 3 8B, exactly: 32 layers of (q 4096^2 + k, v 4096 x 1024 + o 4096^2 + 3 x 4096 x 14336
  // + 2 norms of 4096), the embedding and the untied head of 128256 x 4096, the final norm.
  const ModelShape l8 = Preset("llama3-8b");
  const LayerParams layer = CountLayerParams(l8, 0);
  CHECK(layer.attention == 41943040);
  CHECK(layer.ffn == 176160768);
  CHECK(layer.norms == 8192);
  CHECK(layer.Total() == 218112000);
  const ModelParams p8 = CountModelParams(l8);
  CHECK(p8.embedding == 525336576);
  CHECK(p8.lm_head == 525336576);
  CHECK(p8.Total() == 8030261248);  // the Hugging Face page's 8.03B

  // GPT-3: 12 d^2 + 13 d per layer (biases and LayerNorms), tied head, learned positions.
  const ModelShape g = Preset("gpt3-175b");
  const int64_t d = 12288;
  CHECK(CountLayerParams(g, 0).Total() == 12 * d * d + 13 * d);
  CHECK(CountModelParams(g).lm_head == 0);
  CHECK(CountModelParams(g).embedding == (50257 + 2048) * d);

  // DeepSeek-V3: three dense layers, then 58 with 256 routed + 1 shared experts of 3 x 7168 x 2048.
  const ModelShape v3 = Preset("deepseek-v3");
  CHECK_FALSE(v3.IsMoeLayer(2));
  CHECK(v3.IsMoeLayer(3));
  CHECK(v3.MoeLayers() == 58);
  const LayerParams moe = CountLayerParams(v3, 3);
  CHECK(moe.ffn == 257 * 3 * 7168 * int64_t{2048});
  CHECK(moe.ffn_active == 9 * 3 * 7168 * int64_t{2048});
  CHECK(moe.router == 7168 * 256);
  CHECK(CountLayerParams(v3, 0).ffn == 3 * 7168 * int64_t{18432});
  // MLA: q_a, its norm, q_b, kv_a (latent + rope key), its norm, kv_b, o.
  CHECK(moe.attention == 7168 * 1536 + 1536 + 1536 * 128 * 192 + 7168 * 576 + 512 + 512 * 128 * 256 +
                             128 * 128 * int64_t{7168});
}

TEST_CASE("presets carry the published shapes", "[workload][presets]") {
  const ModelShape l8 = Preset("llama3-8b");
  CHECK(l8.hidden == 4096);
  CHECK(l8.layers == 32);
  CHECK(l8.heads == 32);
  CHECK(l8.kv_heads == 8);
  CHECK(l8.head_dim == 128);
  CHECK(l8.ffn == 14336);
  CHECK(l8.vocab == 128256);
  const ModelShape mx = Preset("mixtral-8x22b");
  CHECK(mx.hidden == 6144);
  CHECK(mx.layers == 56);
  CHECK(mx.heads == 48);
  CHECK(mx.kv_heads == 8);
  CHECK(mx.experts == 8);
  CHECK(mx.top_k == 2);
  CHECK(mx.expert_ffn == 16384);
  CHECK(mx.vocab == 32768);
  const ModelShape v2 = Preset("deepseek-v2");
  CHECK(v2.experts == 160);
  CHECK(v2.top_k == 6);
  CHECK(v2.shared_experts == 2);
  CHECK(v2.expert_ffn == 1536);
  CHECK(v2.dense_layers == 1);
  CHECK(v2.ffn == 12288);
  CHECK(v2.attention == AttentionKind::kMla);
  CHECK(v2.kv_lora_rank == 512);
  CHECK(v2.q_lora_rank == 1536);
  CHECK(v2.QkHeadDim() == 192);
  CHECK(v2.VHeadDim() == 128);
  CHECK(v2.vocab == 102400);
  const ModelShape v3 = Preset("deepseek-v3");
  CHECK(v3.hidden == 7168);
  CHECK(v3.layers == 61);
  CHECK(v3.experts == 256);
  CHECK(v3.top_k == 8);
  CHECK(v3.shared_experts == 1);
  CHECK(v3.dense_layers == 3);
  CHECK(v3.vocab == 129280);
  const ModelShape g = Preset("gpt3-175b");
  CHECK(g.hidden == 12288);
  CHECK(g.layers == 96);
  CHECK(g.ffn == 49152);
  CHECK(g.vocab == 50257);
  for (const auto& name : ModelRegistry::Get().Names()) {
    INFO(name);
    const ModelShape m = Preset(name);
    CHECK(m.name == name);
    CHECK_FALSE(m.source.empty());
    CHECK_NOTHROW(ValidateModelShape(m));
  }
  CHECK(ModelRegistry::Get().Names().size() == 8);
  CHECK_THROWS_WITH(Preset("llama9"), Catch::Contains("model.preset llama9: unknown model (known: llama3-8b, "
                                                      "llama3-70b, gpt3-175b, mixtral-8x22b, deepseek-v2, deepseek-v3, llama3.2-1b, olmoe-1b-7b)"));
}
