// What a workload implies: KV-cache and weight bytes, FLOPs per token, and each layer's kernels,
// checked against hand counts and against each other.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "workload/flops.h"
#include "workload/layer_kernels.h"
#include "workload/memory_footprint.h"
#include "workload/model_registry.h"
#include "workload/param_count.h"

using namespace wafersim::workload;

namespace {
Workload Make(const std::string& model, Phase phase, int64_t batch, int64_t seq) {
  Workload w;
  w.model = ModelRegistry::Get().Create(model);
  w.phase = phase;
  w.batch = batch;
  w.prompt = seq;
  w.context = seq;
  ValidateWorkload(w);
  return w;
}
const std::vector<std::string>& Presets() {
  static const std::vector<std::string> names = ModelRegistry::Get().Names();
  return names;
}
}  // namespace

TEST_CASE("KV-cache bytes per token", "[workload][bytes]") {
  const ModelShape l8 = ModelRegistry::Get().Create("llama3-8b");
  // A key and a value per KV head: 2 x 8 x 128 elements x 2 bytes, 32 layers.
  CHECK(KvBytesPerTokenPerLayer(l8, DType::kFp16) == 2 * 8 * 128 * 2);
  CHECK(KvBytesPerToken(l8, DType::kFp16) == 131072);
  CHECK(KvBytesPerToken(l8, DType::kBf16) == 131072);
  CHECK(KvBytesPerToken(l8, DType::kFp8) == 65536);
  CHECK(KvBytesPerToken(l8, DType::kFp32) == 262144);
  // Llama 3 70B: 2 x 8 x 128 x 80 layers x 2 bytes.
  CHECK(KvBytesPerToken(ModelRegistry::Get().Create("llama3-70b"), DType::kFp16) == 327680);
  // GPT-3, multi-head: 2 x 96 x 128 x 96 layers x 2 bytes.
  CHECK(KvBytesPerToken(ModelRegistry::Get().Create("gpt3-175b"), DType::kFp16) == 4718592);
  // MLA caches the latent and the rotary key: (512 + 64) x 2 bytes per layer.
  CHECK(KvBytesPerTokenPerLayer(ModelRegistry::Get().Create("deepseek-v2"), DType::kFp16) == 1152);
  CHECK(KvBytesPerToken(ModelRegistry::Get().Create("deepseek-v2"), DType::kFp16) == 1152 * 60);
  CHECK(KvBytesPerToken(ModelRegistry::Get().Create("deepseek-v3"), DType::kFp16) == 1152 * 61);
  // A run's cache: batch x (context + 1) tokens x the layers it runs.
  Workload w = Make("llama3-8b", Phase::kDecode, 4, 2047);
  w.layers = 2;
  CHECK(WorkloadKvBytes(w) == 4 * 2048 * 4096 * 2);
}

TEST_CASE("weight bytes", "[workload][bytes]") {
  const ModelShape l8 = ModelRegistry::Get().Create("llama3-8b");
  CHECK(LayerWeightBytes(l8, 0, DType::kFp16) == 2 * 218112000);
  CHECK(ModelWeightBytes(l8, DType::kFp16) == 2 * int64_t{8030261248});
  CHECK(ModelWeightBytes(l8, DType::kFp8) == int64_t{8030261248});
  Workload w = Make("deepseek-v3", Phase::kDecode, 1, 1024);
  w.first_layer = 2;
  w.layers = 2;  // one dense layer, one MoE layer
  CHECK(WorkloadWeightBytes(w) == LayerWeightBytes(w.model, 2, DType::kFp16) + LayerWeightBytes(w.model, 3, DType::kFp16));
  CHECK(LayerWeightBytes(w.model, 3, DType::kFp16) > 19 * LayerWeightBytes(w.model, 2, DType::kFp16));
}

TEST_CASE("FLOPs per decode token are 2 x active parameters plus attention", "[workload][flops]") {
  // Llama 3 8B at context 2048: every weight but the input embedding's multiplies once (norm
  // gains are not matrix work), attention 2 x 32 heads x (128 + 128) per key over 2049 keys.
  const ModelShape l8 = ModelRegistry::Get().Create("llama3-8b");
  const ModelParams p = CountModelParams(l8);
  const double attention = 2.0 * 32 * 256 * 2049 * 32;
  const double norms = 2.0 * 4096 * 32 + 4096;
  CHECK(ModelFlopsPerToken(l8, Phase::kDecode, 2048) ==
        Approx(2.0 * (p.Active() - p.embedding - norms) + attention).epsilon(1e-9));
  // Every preset, at a short context: within 1% of 2 x (active - embedding), and the output head
  // where it is the embedding's matrix again (tied).
  for (const auto& name : Presets()) {
    INFO(name);
    const ModelShape m = ModelRegistry::Get().Create(name);
    const ModelParams mp = CountModelParams(m);
    const double tied_head = m.tied_embeddings ? static_cast<double>(m.vocab * m.hidden) : 0.0;
    CHECK(ModelFlopsPerToken(m, Phase::kDecode, 0) ==
          Approx(2.0 * (static_cast<double>(mp.Active() - mp.embedding) + tied_head)).epsilon(0.01));
  }
  // DeepSeek-V3 at 32k context: the latent attention reads 512 + 64 per key for scores and 512
  // for values, in each of 128 heads.
  const ModelShape v3 = ModelRegistry::Get().Create("deepseek-v3");
  const double per_key = 2.0 * 128 * (576 + 512);
  CHECK(LayerFlopsPerToken(v3, 10, Phase::kDecode, 32768).attention == Approx(per_key * 32769));
  CHECK(ModelFlopsPerToken(v3, Phase::kDecode, 32768) - ModelFlopsPerToken(v3, Phase::kDecode, 0) ==
        Approx(per_key * 32768 * 61));
  // MoE FLOPs: top_k + shared experts and the router, whatever the routing.
  const LayerFlops f = LayerFlopsPerToken(v3, 3, Phase::kDecode, 0);
  CHECK(f.ffn == Approx(2.0 * 9 * 3 * 7168 * 2048));
  CHECK(f.router == Approx(2.0 * 7168 * 256));
  const ModelShape mx = ModelRegistry::Get().Create("mixtral-8x22b");
  CHECK(LayerFlopsPerToken(mx, 0, Phase::kDecode, 0).ffn == Approx(2.0 * 2 * 3 * 6144 * 16384));
}

TEST_CASE("prefill FLOPs average a causal prompt", "[workload][flops]") {
  // Token i of a 2048-token prompt sees i + 1 keys: 1024.5 on average.
  const ModelShape l8 = ModelRegistry::Get().Create("llama3-8b");
  const LayerFlops f = LayerFlopsPerToken(l8, 0, Phase::kPrefill, 2048);
  CHECK(f.attention == Approx(2.0 * 32 * 256 * 1024.5));
  CHECK(f.projections == Approx(2.0 * 41943040));
  CHECK(f.ffn == Approx(2.0 * 176160768));
  // MLA in prefill decompresses keys and values: 192 + 128 per head per key.
  const ModelShape v2 = ModelRegistry::Get().Create("deepseek-v2");
  CHECK(LayerFlopsPerToken(v2, 5, Phase::kPrefill, 99).attention == Approx(2.0 * 128 * 320 * 50));
  // GELU FFN: two matrices.
  CHECK(LayerFlopsPerToken(ModelRegistry::Get().Create("gpt3-175b"), 0, Phase::kPrefill, 1).ffn ==
        Approx(2.0 * 2 * 12288 * 49152));
}

TEST_CASE("a layer's kernels add up to its FLOPs and its parameters", "[workload][kernels]") {
  for (const auto& name : Presets()) {
    for (const Phase phase : {Phase::kPrefill, Phase::kDecode}) {
      for (const int64_t batch : {1, 3}) {
        const Workload w = Make(name, phase, batch, 200);
        for (const int layer : {0, w.model.layers - 1}) {
          INFO(name << " " << PhaseName(phase) << " batch " << batch << " layer " << layer);
          double flops = 0;
          int64_t params = 0;
          for (const Kernel& k : LayerKernels(w, layer)) {
            flops += k.flops;
            params += k.weight_params;
          }
          CHECK(flops == Approx(LayerFlopsPerToken(w.model, layer, phase, 200).Total() * w.Tokens()).epsilon(1e-12));
          CHECK(params == CountLayerParams(w.model, layer).Total());
        }
      }
    }
  }
}

TEST_CASE("the kernels of a Llama 3 8B layer, decode and prefill", "[workload][kernels]") {
  const Workload d = Make("llama3-8b", Phase::kDecode, 1, 2048);
  const std::vector<Kernel> ks = LayerKernels(d, 0);
  std::vector<std::string> names;
  for (const Kernel& k : ks) names.push_back(k.name + ":" + KernelKindName(k.kind));
  CHECK(names == std::vector<std::string>{"attn.norm:rmsnorm", "attn.qkv_proj:gemv", "attn.rope:rope",
                                          "attn.kv_append:kv_append", "attn.attention:attention", "attn.o_proj:gemv",
                                          "attn.residual:residual_add", "ffn.norm:rmsnorm", "ffn.gate:gemv",
                                          "ffn.up:gemv", "ffn.silu_mul:silu_mul", "ffn.down:gemv",
                                          "ffn.residual:residual_add"});
  const Kernel& qkv = ks[1];
  CHECK((qkv.m == 1 && qkv.n == (32 + 2 * 8) * 128 && qkv.k == 4096));
  const Kernel& att = ks[4];
  CHECK(att.heads == 32);
  CHECK(att.kv_heads == 8);
  CHECK(att.qk_dim == 128);
  CHECK(att.q_len == 1);
  CHECK(att.kv_len == 2049);
  CHECK_FALSE(att.causal);
  CHECK(att.kv_bytes == 2049.0 * 4096);  // the whole cache, read once
  CHECK(ks[3].kv_bytes == 4096);          // one token's key and value appended
  CHECK((ks[5].n == 4096 && ks[5].k == 4096));
  CHECK((ks[8].n == 14336 && ks[8].k == 4096 && ks[8].weight_bytes == 2.0 * 14336 * 4096));
  CHECK((ks[11].n == 4096 && ks[11].k == 14336));

  const Workload p = Make("llama3-8b", Phase::kPrefill, 2, 128);
  const std::vector<Kernel> kp = LayerKernels(p, 0);
  CHECK(kp[1].kind == KernelKind::kGemm);
  CHECK(kp[1].m == 256);
  CHECK(kp[4].causal);
  CHECK((kp[4].sequences == 2 && kp[4].q_len == 128 && kp[4].kv_len == 128));
  CHECK(kp[4].flops == Approx(2.0 * 2 * 32 * (128.0 * 129 / 2) * 256));
}

TEST_CASE("the kernels of MoE and MLA layers", "[workload][kernels]") {
  const Workload d = Make("deepseek-v3", Phase::kDecode, 1, 4096);
  auto find = [](const std::vector<Kernel>& ks, const std::string& name) -> const Kernel& {
    for (const Kernel& k : ks) {
      if (k.name == name) return k;
    }
    FAIL("no kernel " << name);
    return ks.front();
  };
  const std::vector<Kernel> dense = LayerKernels(d, 0);
  CHECK(find(dense, "ffn.gate").n == 18432);
  const std::vector<Kernel> moe = LayerKernels(d, 3);
  std::vector<std::string> ffn;
  bool after_norm = false;
  for (const Kernel& k : moe) {
    if (k.name == "ffn.norm") after_norm = true;
    if (after_norm) ffn.push_back(k.name);
  }
  CHECK(ffn == std::vector<std::string>{"ffn.norm", "moe.router", "moe.topk", "moe.dispatch", "moe.gate", "moe.up",
                                        "moe.silu_mul", "moe.down", "moe.shared_gate", "moe.shared_up",
                                        "moe.shared_silu_mul", "moe.shared_down", "moe.combine", "ffn.residual"});
  const Kernel& router = find(moe, "moe.router");
  CHECK((router.m == 1 && router.n == 256 && router.k == 7168));
  const Kernel& gate = find(moe, "moe.gate");
  CHECK(gate.kind == KernelKind::kGemv);  // one token: one row for each of its 8 experts
  CHECK((gate.m == 8 && gate.n == 2048 && gate.k == 7168 && gate.experts == 256 && gate.top_k == 8));
  CHECK(gate.weight_bytes == Approx(8.0 * 2048 * 7168 * 2));  // only the chosen experts are read
  CHECK(gate.weight_params == int64_t{256} * 2048 * 7168);
  CHECK(find(moe, "moe.shared_down").k == 2048);
  // Decode attends in the latent space: one 576-wide "key head" shared by the 128 heads.
  const Kernel& att = find(moe, "attn.attention");
  CHECK((att.heads == 128 && att.kv_heads == 1 && att.qk_dim == 576 && att.v_dim == 512 && att.kv_len == 4097));
  CHECK(att.kv_bytes == 4097.0 * 1152);
  CHECK((find(moe, "attn.q_absorb").batch == 128 && find(moe, "attn.q_absorb").n == 512));
  CHECK((find(moe, "attn.v_up").batch == 128 && find(moe, "attn.v_up").n == 128));
  // Prefill decompresses the keys and values per head instead.
  const Workload p = Make("deepseek-v3", Phase::kPrefill, 1, 1024);
  const std::vector<Kernel> pk = LayerKernels(p, 3);
  CHECK(find(pk, "attn.kv_b_proj").n == 128 * 256);
  CHECK((find(pk, "attn.attention").qk_dim == 192 && find(pk, "attn.attention").kv_heads == 128));
  // 1024 tokens spread over every expert: a GEMM per expert, every expert's weights read; 64
  // tokens choose 8 of 256 each, and leave some experts untouched.
  CHECK(find(pk, "moe.gate").kind == KernelKind::kGemm);
  CHECK(find(pk, "moe.gate").weight_bytes == Approx(256.0 * 2048 * 7168 * 2).epsilon(1e-6));
  const Kernel gate64 = find(LayerKernels(Make("deepseek-v3", Phase::kPrefill, 1, 64), 3), "moe.gate");
  CHECK(gate64.weight_bytes == Approx(256.0 * (1 - std::pow(248.0 / 256, 64)) * 2048 * 7168 * 2));
  // Mixtral: no shared experts.
  const std::vector<Kernel> mx = LayerKernels(Make("mixtral-8x22b", Phase::kDecode, 1, 16), 0);
  for (const Kernel& k : mx) CHECK(k.name.find("shared") == std::string::npos);
  // GPT-3: LayerNorm, no rope, GELU between two matrices.
  const std::vector<Kernel> g = LayerKernels(Make("gpt3-175b", Phase::kDecode, 1, 16), 0);
  CHECK(g.front().kind == KernelKind::kLayerNorm);
  for (const Kernel& k : g) CHECK(k.kind != KernelKind::kRope);
  CHECK(find(g, "ffn.gelu").width == 49152);
}

TEST_CASE("layer groups and expected experts", "[workload][kernels]") {
  Workload w = Make("deepseek-v2", Phase::kDecode, 1, 16);
  const auto groups = GroupLayers(w);
  REQUIRE(groups.size() == 2);
  CHECK((groups[0].first == 0 && groups[0].last == 0 && !groups[0].moe));
  CHECK((groups[1].first == 1 && groups[1].last == 59 && groups[1].moe));
  w.first_layer = 5;
  w.layers = 3;
  REQUIRE(GroupLayers(w).size() == 1);
  CHECK(GroupLayers(w)[0].last == 7);
  CHECK(ExpectedExpertsTouched(256, 8, 1) == Approx(8));
  CHECK(ExpectedExpertsTouched(8, 2, 1000) == Approx(8));
  CHECK(ExpectedExpertsTouched(8, 2, 2) == Approx(8 * (1 - 0.75 * 0.75)));
  CHECK(AttentionPairs(4, 4, true) == 10);
  CHECK(AttentionPairs(1, 100, false) == 100);
  CHECK(AttentionPairs(2, 5, true) == 4 + 5);
}
