// The workload description from a TOML file and flags: keys override the preset one by one,
// flags override the file, and a wrong value names where it was given (file and line, or flag),
// the key and the rule.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "workload/param_count.h"
#include "workload/workload_keys.h"

using namespace wafersim::workload;

namespace {
std::string Write(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}
/// The error a file gives, from just after its name.
std::string ErrorOf(const std::string& text, const std::vector<Setting>& flags = {}) {
  const std::string name = "wafersim_workload_test.toml";
  try {
    ResolveWorkload(ReadWorkloadFile(Write(name, text)), flags);
  } catch (const std::invalid_argument& e) {
    const std::string s = e.what();
    const auto at = s.find(name);
    return at == std::string::npos ? s : s.substr(at + name.size());
  }
  return "no error";
}
std::string FlagError(const std::vector<std::pair<std::string, std::string>>& given) {
  try {
    std::vector<Setting> flags;
    for (const auto& [key, text] : given) flags.push_back(FlagSetting(key, text));
    ResolveWorkload({}, flags);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("defaults: llama3-8b decoding one token against 1024", "[workload][keys]") {
  const Workload w = ResolveWorkload({}, {});
  CHECK(w.model.name == "llama3-8b");
  CHECK(w.phase == Phase::kDecode);
  CHECK(w.batch == 1);
  CHECK(w.context == 1024);
  CHECK(w.dtype == DType::kFp16);
  CHECK(w.LayerCount() == 32);
  CHECK(w.Tokens() == 1);
  CHECK(w.KvLength() == 1025);
}

TEST_CASE("a file overrides the preset key by key, and flags override the file", "[workload][keys]") {
  const std::string path = Write("wafersim_workload_ok.toml", R"(
[model]
preset = "deepseek-v3"
layers = 4
name = "v3-short"
[run]
phase = "prefill"
prompt = 512
batch = 2
dtype = "bf16"
first_layer = 2
layers = 2
)");
  const Workload w = LoadWorkload(path);
  CHECK(w.model.name == "v3-short");
  CHECK(w.model.layers == 4);
  CHECK(w.model.experts == 256);  // untouched keys keep the preset's value
  CHECK(w.phase == Phase::kPrefill);
  CHECK(w.prompt == 512);
  CHECK(w.batch == 2);
  CHECK(w.dtype == DType::kBf16);
  CHECK(w.first_layer == 2);
  CHECK(w.LayerCount() == 2);
  CHECK(w.Tokens() == 1024);

  const Workload f = ResolveWorkload(ReadWorkloadFile(path), {FlagSetting("run.prompt", "64"),
                                                              FlagSetting("run.phase", "decode"),
                                                              FlagSetting("run.context", "100"),
                                                              FlagSetting("model.preset", "llama3-70b")});
  CHECK(f.model.hidden == 8192);  // --model replaces the file's preset; the file's other keys still apply
  CHECK(f.model.layers == 4);
  CHECK(f.phase == Phase::kDecode);
  CHECK(f.prompt == 64);
  CHECK(f.context == 100);
}

TEST_CASE("a model without a preset gives every dimension", "[workload][keys]") {
  const Workload w = LoadWorkload(Write("wafersim_workload_custom.toml", R"(
[model]
family = "moe"
hidden = 512
layers = 2
heads = 8
kv_heads = 2
head_dim = 64
vocab = 1000
max_context = 4096
experts = 8
top_k = 2
expert_ffn = 1024
[run]
context = 100
)"));
  CHECK(w.model.name == "custom");
  const ModelParams p = CountModelParams(w.model);
  const int64_t attention = 512 * 512 * 2 + 2 * 512 * 128;
  const int64_t expert = 3 * 512 * 1024;
  CHECK(p.Total() == 2 * (attention + 8 * expert + 512 * 8 + 2 * 512) + 2 * 1000 * 512 + 512);
  CHECK(p.Active() == 2 * (attention + 2 * expert + 512 * 8 + 2 * 512) + 2 * 1000 * 512 + 512);
  CHECK(ErrorOf("[model]\nhidden = 512\n") ==
        "model.layers 0: must be in 1..10000 (a model without a preset must give it)");
}

TEST_CASE("a wrong file names the line, the key and the rule", "[workload][keys]") {
  CHECK(ErrorOf("[model]\npreset = \"llama3-8b\"\nkv_heads = 5\n") ==
        ":3: model.kv_heads 5: must divide the heads (32): grouped-query attention");
  CHECK(ErrorOf("[run]\ncontext = 0\n") ==
        ":2: run.context 0: must be in 1..8191 (llama3-8b takes sequences of up to 8192 tokens)");
  CHECK(ErrorOf("[run]\nphase = \"prefill\"\nprompt = 9000\n") ==
        ":3: run.prompt 9000: must be in 1..8192 (llama3-8b takes sequences of up to 8192 tokens)");
  CHECK(ErrorOf("[model]\npreset = \"llama9\"\n") ==
        ":2: model.preset llama9: unknown model (known: llama3-8b, llama3-70b, gpt3-175b, mixtral-8x22b, "
        "deepseek-v2, deepseek-v3, llama3.2-1b, olmoe-1b-7b)");
  CHECK(ErrorOf("[run]\nphase = \"train\"\n") == ":2: run.phase train: must be prefill or decode");
  CHECK(ErrorOf("[run]\ndtype = \"fp64\"\n") == ":2: run.dtype fp64: must be one of fp32, bf16, fp16, fp8");
  // tf32 is a GPU's matrix-unit mode, not a storage format.
  CHECK(ErrorOf("[run]\ndtype = \"tf32\"\n") == ":2: run.dtype tf32: must be one of fp32, bf16, fp16, fp8");
  CHECK(ErrorOf("[run]\ncontxt = 5\n") == ":2: run.contxt: unknown key (wafersim workload --keys lists them)");
  CHECK(ErrorOf("[run]\nbatch = \"four\"\n") == ":2: run.batch: must be an integer");
  CHECK(ErrorOf("[run]\nbatch = 0\n") == ":2: run.batch 0: must be in 1..1048576");
  CHECK(ErrorOf("[model]\nbias = 1\n") == ":2: model.bias: must be true or false");
  CHECK(ErrorOf("speed = 3\n") == ":1: speed: unknown key (sections: model, run)");
  CHECK(ErrorOf("[run\ncontext = 4\n").rfind(":1:", 0) == 0);  // a syntax error, with its position
  CHECK(ErrorOf("[model]\npreset = \"mixtral-8x22b\"\ntop_k = 9\n") == ":3: model.top_k 9: must be in 1..8");
  CHECK(ErrorOf("[model]\npreset = \"llama3-8b\"\nexperts = 4\n") ==
        ":3: model.experts 4: must be 0 for a dense model (family = dense)");
  CHECK(ErrorOf("[model]\npreset = \"llama3-8b\"\nkv_lora_rank = 512\n") ==
        ":3: model.kv_lora_rank 512: must be 0 unless attention = mla");
  CHECK(ErrorOf("[model]\npreset = \"deepseek-v2\"\ndense_layers = 60\n") == ":3: model.dense_layers 60: must be in 0..59");
  CHECK(ErrorOf("[run]\nfirst_layer = 30\nlayers = 5\n") ==
        ":3: run.layers 5: must be in 0..2 (llama3-8b has 32 layers, from run.first_layer 30)");
  // A flag overriding the file is what gets blamed.
  CHECK(ErrorOf("[run]\ncontext = 5\n", {FlagSetting("run.context", "0")}) ==
        "--context 0: must be in 1..8191 (llama3-8b takes sequences of up to 8192 tokens)");
  CHECK_THROWS_WITH(ReadWorkloadFile("nowhere.toml"), Catch::StartsWith("nowhere.toml: cannot open the file"));
}

TEST_CASE("a wrong flag names the flag and the rule", "[workload][keys]") {
  CHECK(FlagError({{"model.preset", "llama9"}}).rfind("--model llama9: unknown model (known: llama3-8b", 0) == 0);
  CHECK(FlagError({{"model.preset", "llama3-8b"}, {"model.kv_heads", "5"}}) ==
        "--kv-heads 5: must divide the heads (32): grouped-query attention");
  // A flag alone changes the default preset (it used to start an empty model).
  CHECK(FlagError({{"model.kv_heads", "4"}}) == "no error");
  CHECK(FlagError({{"run.context", "0"}}) ==
        "--context 0: must be in 1..8191 (llama3-8b takes sequences of up to 8192 tokens)");
  CHECK(FlagError({{"model.preset", "gpt3-175b"}, {"run.context", "2048"}}) ==
        "--context 2048: must be in 1..2047 (gpt3-175b takes sequences of up to 2048 tokens)");
  CHECK(FlagError({{"run.batch", "four"}}) == "--batch four: must be an integer");
  CHECK(FlagError({{"run.batch", "-2"}}) == "--batch -2: must be in 1..1048576");
  CHECK(FlagError({{"run.phase", "train"}}) == "--phase train: must be prefill or decode");
  CHECK(FlagError({{"model.bias", "maybe"}}) == "--bias maybe: must be true or false");
  CHECK(FlagError({{"run.layers", "33"}}) == "--layers 33: must be in 0..32 (llama3-8b has 32 layers, from run.first_layer 0)");
  CHECK(FlagError({{"run.dtype", "fp8"}, {"run.context", "8"}}) == "no error");
  CHECK(FlagError({{"run.dtype", "half"}}) == "no error");  // binary16's other names are read too
}

TEST_CASE("every key is documented once, with a flag, a default, a unit and a meaning", "[workload][keys]") {
  std::set<std::string> keys, flags;
  for (const auto& k : WorkloadKeys()) {
    INFO(k.key);
    CHECK(keys.insert(k.key).second);
    CHECK(flags.insert(k.flag).second);
    CHECK(k.flag.rfind("--", 0) == 0);
    CHECK(!k.fallback.empty());
    CHECK(!k.unit.empty());
    CHECK(!k.meaning.empty());
  }
  for (const char* k : {"model.preset", "model.hidden", "model.kv_heads", "model.experts", "model.top_k",
                        "model.shared_experts", "model.dense_layers", "model.kv_lora_rank", "run.phase", "run.batch",
                        "run.prompt", "run.context", "run.dtype", "run.layers"}) {
    CHECK(keys.count(k) == 1);
  }
}

TEST_CASE("a preset whose shape was changed is not the published model", "[workload][keys]") {
  // A flag alone changes the default preset: the rest of llama3-8b stays.
  const Workload f = ResolveWorkload({}, {FlagSetting("model.kv_heads", "4")});
  CHECK(f.model.hidden == 4096);
  CHECK(f.model.kv_heads == 4);
  CHECK(f.model.name == "llama3-8b (modified)");
  CHECK(f.model.description == "the llama3-8b preset with kv_heads 4");
  CHECK(f.model.published_params == 0);
  // A file's dimensions under a named preset: the same, and model.name is kept when given.
  const std::string path = Write("wafersim_workload_changed.toml", "[model]\nhidden = 512\nlayers = 4\n");
  const Workload g = ResolveWorkload(ReadWorkloadFile(path), {FlagSetting("model.preset", "llama3-70b")});
  CHECK(g.model.name == "llama3-70b (modified)");
  CHECK(g.model.published_params == 0);
  CHECK(g.model.published_active_params == 0);
  const Workload n = ResolveWorkload(ReadWorkloadFile(path), {FlagSetting("model.preset", "llama3-70b"),
                                                             FlagSetting("model.name", "mine")});
  CHECK(n.model.name == "mine");
  CHECK(n.model.published_params == 0);
  // The same values as the preset's change nothing.
  const Workload same = ResolveWorkload({}, {FlagSetting("model.preset", "llama3-70b"), FlagSetting("model.kv_heads", "8")});
  CHECK(same.model.name == "llama3-70b");
  CHECK(same.model.published_params > 0);
}
