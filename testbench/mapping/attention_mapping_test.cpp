// The attention mapper on RTL tiles, run as a plain loop. Decode is right for multi-head and
// grouped-query shapes, bands of several rows and several groups per row, tiles without
// tokens, a region inside the mesh; the new token's K and V are in the root's cache after the
// run. With --dtype f16 decode keeps q, K and V in binary16 (half the SRAM a cached token
// takes) and is right for the same kinds of shapes. Prefill is right for the same kinds of
// shapes and for several K/V chunks, and with --dtype f16 (binary16 q, K and V) too, on fast
// tiles in as many cycles as on RTL. For both: the tolerance is tight enough to catch an
// error, the SRAM check, --fit and bad input; their plans moved, transposed and recolored.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fabric/fabric_harness.h"
#include "mapping/same_run.h"
#include "isa/fp.h"
#include "isa/isa.h"
#include "plan/plan_lowering.h"
#include "plan/plan_transform.h"
#include "runtime/attention_mapper.h"
#include "runtime/kernel_run.h"

using namespace wafersim;
using testbench::SmallFabric;

namespace {

runtime::KernelRequest Decode(int batch, int heads, int kv_heads, int head_dim, int context) {
  runtime::KernelRequest req;
  req.kernel = "attention";
  req.phase = "decode";
  req.batch = batch;
  req.heads = heads;
  req.kv_heads = kv_heads;
  req.head_dim = head_dim;
  req.context = context;
  return req;
}

runtime::KernelRequest DecodeF16(int batch, int heads, int kv_heads, int head_dim, int context) {
  auto req = Decode(batch, heads, kv_heads, head_dim, context);
  req.dtype = DType::kFp16;
  return req;
}

runtime::KernelRequest Prefill(int batch, int heads, int kv_heads, int head_dim, int prompt) {
  auto req = Decode(batch, heads, kv_heads, head_dim, 0);
  req.phase = "prefill";
  req.prompt = prompt;
  return req;
}

runtime::KernelRequest PrefillF16(int batch, int heads, int kv_heads, int head_dim, int prompt) {
  auto req = Prefill(batch, heads, kv_heads, head_dim, prompt);
  req.dtype = DType::kFp16;
  return req;
}

runtime::KernelResult Run(const runtime::KernelMapping& mapping, const fabric::FabricConfig& config) {
  fabric::TileGrid grid(config);
  return runtime::RunKernel(mapping, grid, runtime::Scheduler::PlainLoop);
}

runtime::KernelResult RunOn(const runtime::KernelMapping& mapping, const fabric::FabricConfig& config,
                            fabric::TileModel model) {
  fabric::TileGrid grid(config, fabric::RunOptions{}, fabric::TileModels::All(model));
  return runtime::RunKernel(mapping, grid, runtime::Scheduler::PlainLoop);
}

}  // namespace

TEST_CASE("attention decode on RTL tiles is right for multi-head and grouped-query shapes", "[mapping][attention]") {
  struct Case {
    int batch, heads, kv_heads, head_dim, context, w, h;
    const char* what;
  };
  for (const Case c : {Case{1, 1, 1, 8, 0, 1, 1, "one tile, only the new token"},
                       Case{1, 2, 1, 8, 10, 2, 2, "two heads share a kv head over a 2x2 band"},
                       Case{1, 8, 2, 16, 37, 3, 4, "grouped-query: two bands of two rows"},
                       Case{2, 4, 2, 12, 7, 3, 2, "four groups on two rows, head dim not a multiple of 8"},
                       Case{1, 3, 3, 8, 2, 2, 3, "three groups on one-row bands of two tiles"},
                       Case{1, 2, 2, 8, 2, 4, 1, "two groups on one row, fewer tokens than tiles"}}) {
    INFO(c.what);
    const auto config = SmallFabric(c.w, c.h);
    const auto mapping = runtime::MapAttention(Decode(c.batch, c.heads, c.kv_heads, c.head_dim, c.context), config);
    const auto r = Run(mapping, config);
    INFO(r.stop_reason << "; " << r.check);
    CHECK(r.status == fabric::RunStatus::Done);
    CHECK(r.correct);
    CHECK(r.received == size_t(c.batch * c.heads * c.head_dim));
    REQUIRE(r.phases.size() == 5);
    CHECK(r.phases[1].max_cycles > 0);  // scores
  }
}

TEST_CASE("attention decode on a region inside the mesh forwards its outputs to the edge", "[mapping][attention]") {
  const auto config = SmallFabric(4, 3);
  auto req = Decode(1, 4, 2, 8, 20);
  req.region_width = 2;
  req.region_height = 2;
  const auto mapping = runtime::MapAttention(req, config);
  CHECK(mapping.region_width == 2);
  const auto r = Run(mapping, config);
  INFO(r.stop_reason << "; " << r.check);
  CHECK(r.correct);
}

TEST_CASE("attention decode appends the new token's K and V to the root's cache", "[mapping][attention]") {
  const auto config = SmallFabric(2, 2);
  auto mapping = runtime::MapAttention(Decode(1, 2, 2, 8, 9), config);
  // The new token's K and V go in on their own color to the root of each band, (1,0) and
  // (1,1); the check after the run covers the root's whole cache, its last row included.
  const runtime::EdgeInput* kv = nullptr;
  for (const auto& in : mapping.inputs) {
    if (in.y == 1 && in.color == 6) kv = &in;
  }
  REQUIRE(kv != nullptr);
  REQUIRE(kv->payloads.size() == 16);
  const runtime::SramExpectation* k_root = nullptr;
  for (const auto& e : mapping.sram_expected) {
    if (e.x == 1 && e.y == 1 && e.name.rfind("K cache", 0) == 0) k_root = &e;
  }
  REQUIRE(k_root != nullptr);
  // Rows are padded to 8 words: the new row is the last 8.
  CHECK(std::equal(kv->payloads.begin(), kv->payloads.begin() + 8, k_root->words.end() - 8));
  auto r = Run(mapping, config);
  CHECK(r.correct);
  CHECK(r.check.find("words left in SRAM as expected") != std::string::npos);

  // A cache word that is not what the run left fails the run, naming the tile and the word.
  auto& last = mapping.sram_expected.back();
  last.words.back() ^= 1;
  r = Run(mapping, config);
  CHECK_FALSE(r.correct);
  CHECK(r.check.find(fmt::format("tile ({},{}) SRAM", last.x, last.y)) != std::string::npos);
  CHECK(r.check.find(last.name) != std::string::npos);
}

TEST_CASE("attention decode's tolerance catches an error a few times its size", "[mapping][attention]") {
  const auto config = SmallFabric(2, 2);
  auto mapping = runtime::MapAttention(Decode(1, 4, 1, 16, 30), config);
  // Derived from binary32 and exp_f32's error bounds: far below the outputs' size.
  double largest_tol = 0, largest_ref = 0;
  for (size_t i = 0; i < mapping.reference.size(); ++i) {
    largest_tol = std::max(largest_tol, mapping.tolerance[i]);
    largest_ref = std::max(largest_ref, std::fabs(mapping.reference[i]));
  }
  CHECK(largest_tol < 1e-4 * largest_ref);
  auto r = Run(mapping, config);
  CHECK(r.correct);
  CHECK(r.max_abs_err > 0);  // the fabric's binary32 answer is not the double reference
  mapping.reference[5] += 3 * mapping.tolerance[5];
  r = Run(mapping, config);
  CHECK_FALSE(r.correct);
  CHECK(r.check.find("o[5] =") == 0);
}

TEST_CASE("attention decode that does not fit says so, and --fit takes a larger region", "[mapping][attention]") {
  const auto config = SmallFabric(4, 4);
  auto req = Decode(1, 1, 1, 16, 1999);
  req.region_width = req.region_height = 1;
  try {
    runtime::MapAttention(req, config);
    FAIL("a 2,000-token cache on one tile should not fit");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.find("does not fit a 1x1 region") != std::string::npos);
    CHECK(what.find("K cache 128000 bytes") != std::string::npos);
  }
  req.fit = true;
  const auto mapping = runtime::MapAttention(req, config);
  CHECK(mapping.region_width * mapping.region_height > 1);
  CHECK(mapping.sram_bytes_per_tile <= uint32_t(config.sram_bytes));
  const auto r = Run(mapping, config);
  INFO(r.stop_reason << "; " << r.check);
  CHECK(r.correct);
}

TEST_CASE("attention decode with a binary16 KV cache on RTL tiles is right", "[mapping][attention][f16]") {
  struct Case {
    int batch, heads, kv_heads, head_dim, context, w, h;
    const char* what;
  };
  for (const Case c : {Case{1, 1, 1, 8, 0, 1, 1, "one tile, only the new token"},
                       Case{1, 4, 4, 16, 21, 2, 2, "multi-head: four groups on one-row bands"},
                       Case{1, 8, 2, 16, 37, 3, 4, "grouped-query: two bands of two rows"},
                       Case{2, 4, 2, 13, 7, 3, 2, "four groups on two rows, odd head dim, uneven shares"},
                       Case{1, 2, 2, 6, 2, 4, 1, "two groups on one row, fewer tokens than tiles"}}) {
    INFO(c.what);
    const auto config = SmallFabric(c.w, c.h);
    const auto mapping =
        runtime::MapAttention(DecodeF16(c.batch, c.heads, c.kv_heads, c.head_dim, c.context), config);
    CHECK(mapping.parameters["dtype"] == "fp16");
    const auto r = Run(mapping, config);
    INFO(r.stop_reason << "; " << r.check);
    CHECK(r.status == fabric::RunStatus::Done);
    CHECK(r.correct);
    CHECK(r.received == size_t(c.batch * c.heads * c.head_dim));
  }
}

TEST_CASE("attention decode's binary16 cache takes half the SRAM and is read as binary16", "[mapping][attention][f16]") {
  const auto config = SmallFabric(2, 2);
  const auto f32 = runtime::MapAttention(Decode(1, 4, 1, 16, 30), config);
  auto f16 = runtime::MapAttention(DecodeF16(1, 4, 1, 16, 30), config);
  // Rows of 16 elements: 64 bytes in binary32, 32 in binary16, so the cache words halve.
  size_t words32 = 0, words16 = 0;
  for (const auto& e : f32.sram_expected) words32 += e.words.size();
  for (const auto& e : f16.sram_expected) words16 += e.words.size();
  CHECK(words16 * 2 == words32);
  CHECK(f16.sram_bytes_per_tile < f32.sram_bytes_per_tile);
  // The same seed gives binary16-rounded inputs: the references differ, slightly.
  double diff = 0, largest_ref = 0, largest_tol = 0;
  for (size_t i = 0; i < f16.reference.size(); ++i) {
    diff = std::max(diff, std::fabs(f16.reference[i] - f32.reference[i]));
    largest_ref = std::max(largest_ref, std::fabs(f16.reference[i]));
    largest_tol = std::max(largest_tol, f16.tolerance[i]);
  }
  CHECK(diff > 0);
  CHECK(diff < 1e-2 * largest_ref);
  // Binary32 arithmetic: the tolerance stays binary32's, far below binary16's rounding, so a
  // cache read as binary32 (pairs of halves taken as one word) could not pass.
  CHECK(largest_tol < 1e-4 * largest_ref);
  auto r = Run(f16, config);
  INFO(r.stop_reason << "; " << r.check);
  CHECK(r.correct);
  CHECK(r.max_abs_err > 0);
  f16.reference[5] += 3 * f16.tolerance[5];
  r = Run(f16, config);
  CHECK_FALSE(r.correct);
  CHECK(r.check.find("o[5] =") == 0);
}

TEST_CASE("attention decode appends the new token's K and V to the root's cache in binary16", "[mapping][attention][f16]") {
  const auto config = SmallFabric(2, 2);
  auto mapping = runtime::MapAttention(DecodeF16(1, 2, 2, 8, 9), config);
  const runtime::EdgeInput* kv = nullptr;
  for (const auto& in : mapping.inputs) {
    if (in.y == 1 && in.color == 6) kv = &in;
  }
  REQUIRE(kv != nullptr);
  REQUIRE(kv->payloads.size() == 16);
  runtime::SramExpectation* k_root = nullptr;
  for (auto& e : mapping.sram_expected) {
    if (e.x == 1 && e.y == 1 && e.name.rfind("K cache", 0) == 0) k_root = &e;
  }
  REQUIRE(k_root != nullptr);
  // Binary16 rows of 8 elements padded to 8 words: the new row's 8 halves are the first 4
  // words of the last 8, two halves to a word, low half first; the rest is padding.
  const std::vector<uint32_t> last(k_root->words.end() - 8, k_root->words.end());
  for (int i = 0; i < 8; ++i) {
    INFO("element " << i);
    CHECK(kv->payloads[i] < 0x10000u);
    CHECK(((last[i / 2] >> (16 * (i % 2))) & 0xffffu) == kv->payloads[i]);
  }
  CHECK(std::all_of(last.begin() + 4, last.end(), [](uint32_t w) { return w == 0; }));
  auto r = Run(mapping, config);
  INFO(r.stop_reason << "; " << r.check);
  CHECK(r.correct);
  CHECK(r.check.find("words left in SRAM as expected") != std::string::npos);
  // A half of the new row that is not what the run left fails the run.
  k_root->words[k_root->words.size() - 8] ^= 0x10000u;
  r = Run(mapping, config);
  CHECK_FALSE(r.correct);
  CHECK(r.check.find("K cache") != std::string::npos);
}

TEST_CASE("attention decode with a binary16 cache fits twice the context, and says when it does not",
          "[mapping][attention][f16]") {
  const auto config = SmallFabric(2, 2);
  // 600 tokens of 16 elements on one tile: K and V 76,800 bytes in binary32, 38,400 in binary16.
  auto req = Decode(1, 1, 1, 16, 599);
  req.region_width = req.region_height = 1;
  try {
    runtime::MapAttention(req, config);
    FAIL("a 600-token binary32 cache on one tile should not fit");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("K cache 38400 bytes") != std::string::npos);
  }
  req.dtype = DType::kFp16;
  const auto mapping = runtime::MapAttention(req, config);
  CHECK(mapping.region_width * mapping.region_height == 1);
  CHECK(mapping.sram_bytes_per_tile <= uint32_t(config.sram_bytes));
  const auto r = Run(mapping, config);
  INFO(r.stop_reason << "; " << r.check);
  CHECK(r.correct);

  // Twice that does not fit in binary16 either: the message counts binary16 rows.
  req.context = 1199;
  try {
    runtime::MapAttention(req, config);
    FAIL("a 1,200-token binary16 cache on one tile should not fit");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.find("does not fit a 1x1 region") != std::string::npos);
    CHECK(what.find("K cache 38400 bytes and V cache 38400 bytes: 1 groups x 1200 tokens x 32 bytes of binary16") !=
          std::string::npos);
  }
  req.fit = true;
  const auto fitted = runtime::MapAttention(req, config);
  CHECK(fitted.region_width * fitted.region_height == 2);
  CHECK(fitted.sram_bytes_per_tile <= uint32_t(config.sram_bytes));
}

TEST_CASE("attention names the flag that is wrong", "[mapping][attention]") {
  const auto config = SmallFabric(2, 2);
  auto bad = [&](runtime::KernelRequest req, const std::string& start) {
    try {
      runtime::MapAttention(req, config);
      FAIL("accepted: " << start);
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).rfind(start, 0) == 0);
    }
  };
  auto req = Decode(1, 4, 2, 8, 4);
  req.phase = "append";
  bad(req, "--phase: 'append'");
  bad(Decode(0, 4, 2, 8, 4), "--batch: 0");
  bad(Decode(1, 0, 2, 8, 4), "--heads: 0");
  bad(Decode(1, 4, 3, 8, 4), "--kv-heads: 3");
  bad(Decode(1, 4, 2, 0, 4), "--head-dim: 0");
  bad(Decode(1, 4, 2, 8, -1), "--context: -1");
  bad(Prefill(1, 4, 2, 8, 0), "--prompt: 0");
  bad(Prefill(1, 4, 3, 8, 4), "--kv-heads: 3");
  req = Decode(1, 4, 2, 8, 4);
  req.dtype = DType::kBf16;
  bad(req, "--dtype bf16: must be one of fp32, fp16");
}

TEST_CASE("attention prefill on RTL tiles is right for multi-head and grouped-query shapes", "[mapping][attention]") {
  struct Case {
    int batch, heads, kv_heads, head_dim, prompt, w, h;
    const char* what;
  };
  for (const Case c : {Case{1, 1, 1, 8, 1, 1, 1, "one token on one tile"},
                       Case{1, 2, 1, 8, 13, 2, 2, "two heads share a kv head over a 2x2 band"},
                       Case{2, 4, 2, 12, 9, 3, 2, "four groups on two rows, head dim not a multiple of 8"},
                       Case{1, 3, 3, 8, 5, 2, 3, "three groups on one-row bands"},
                       Case{1, 2, 2, 8, 3, 4, 1, "fewer tokens than tiles"}}) {
    INFO(c.what);
    const auto config = SmallFabric(c.w, c.h);
    const auto mapping = runtime::MapAttention(Prefill(c.batch, c.heads, c.kv_heads, c.head_dim, c.prompt), config);
    const auto r = Run(mapping, config);
    INFO(r.stop_reason << "; " << r.check);
    CHECK(r.status == fabric::RunStatus::Done);
    CHECK(r.correct);
    CHECK(r.received == size_t(c.batch * c.heads * c.prompt * c.head_dim));
    REQUIRE(r.phases.size() == 3);
    CHECK(r.phases[1].max_cycles > 0);  // compute
  }
}

TEST_CASE("attention prefill streams K and V in several chunks when a tile has little SRAM", "[mapping][attention]") {
  const auto run_config = SmallFabric(2, 1);
  fabric::FabricConfig map_config = run_config;
  map_config.sram_bytes = 2048;  // 10 records of 96 bytes leave room for chunks of 14 keys
  const auto mapping = runtime::MapAttention(Prefill(1, 1, 1, 8, 20), map_config);
  CHECK(mapping.parameters["chunk"] == 14);
  const auto r = Run(mapping, run_config);
  INFO(r.stop_reason << "; " << r.check);
  CHECK(r.correct);
  // Every tile took the whole stream: 20 keys and 20 values of 8 words.
  CHECK(mapping.inputs.size() == 1);
  CHECK(mapping.inputs[0].payloads.size() == 320);
}

TEST_CASE("attention prefill's tolerance catches an error a few times its size", "[mapping][attention]") {
  const auto config = SmallFabric(2, 2);
  auto mapping = runtime::MapAttention(Prefill(1, 2, 1, 16, 12), config);
  auto r = Run(mapping, config);
  CHECK(r.correct);
  CHECK(r.max_abs_err > 0);
  double largest_tol = 0, largest_ref = 0;
  for (size_t i = 0; i < mapping.reference.size(); ++i) {
    largest_tol = std::max(largest_tol, mapping.tolerance[i]);
    largest_ref = std::max(largest_ref, std::fabs(mapping.reference[i]));
  }
  CHECK(largest_tol < 1e-4 * largest_ref);
  // The last token's row sees every key: the most roundings.
  const size_t at = mapping.reference.size() - 3;
  mapping.reference[at] += 3 * mapping.tolerance[at];
  r = Run(mapping, config);
  CHECK_FALSE(r.correct);
  CHECK(r.check.find(fmt::format("o[{}] =", at)) == 0);
}

TEST_CASE("attention prefill that does not fit says so, and --fit takes a larger region", "[mapping][attention]") {
  const auto config = SmallFabric(4, 2);
  auto req = Prefill(1, 1, 1, 64, 100);
  req.region_width = req.region_height = 1;
  try {
    runtime::MapAttention(req, config);
    FAIL("100 rows of 544 bytes on one tile should not fit");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.find("does not fit a 1x1 region") != std::string::npos);
    CHECK(what.find("outputs of 100 tokens x 1 heads: 54400 bytes") != std::string::npos);
  }
  req.prompt = 24;
  req.head_dim = 8;
  fabric::FabricConfig map_config = config;
  map_config.sram_bytes = 2048;  // 24 records of 96 bytes do not fit on one tile
  const auto mapping = runtime::MapAttention([&] { auto f = req; f.fit = true; return f; }(), map_config);
  CHECK(mapping.region_width == 2);
  const auto r = Run(mapping, config);
  INFO(r.stop_reason << "; " << r.check);
  CHECK(r.correct);
}

TEST_CASE("attention prefill with binary16 q, K and V on RTL tiles is right", "[mapping][attention][f16]") {
  struct Case {
    int batch, heads, kv_heads, head_dim, prompt, w, h;
    const char* what;
  };
  for (const Case c : {Case{1, 1, 1, 8, 1, 1, 1, "one token on one tile"},
                       Case{1, 4, 2, 13, 11, 2, 2, "grouped-query, odd head dim: a 4-lane tail of one"},
                       Case{2, 4, 2, 13, 9, 3, 2, "four groups on two rows, odd head dim"},
                       Case{1, 8, 2, 6, 14, 3, 4, "grouped-query: two bands of two rows, head dim below 8"},
                       Case{1, 2, 2, 7, 3, 4, 1, "fewer tokens than tiles"}}) {
    INFO(c.what);
    const auto config = SmallFabric(c.w, c.h);
    const auto mapping =
        runtime::MapAttention(PrefillF16(c.batch, c.heads, c.kv_heads, c.head_dim, c.prompt), config);
    CHECK(mapping.parameters["dtype"] == "fp16");
    const auto r = Run(mapping, config);
    INFO(r.stop_reason << "; " << r.check);
    CHECK(r.status == fabric::RunStatus::Done);
    CHECK(r.correct);
    CHECK(r.received == size_t(c.batch * c.heads * c.prompt * c.head_dim));
    REQUIRE(r.phases.size() == 3);
    CHECK(r.phases[1].max_cycles > 0);  // compute
  }
}

TEST_CASE("attention prefill's binary16 q, K and V are halves, and only binary16 reads of them pass",
          "[mapping][attention][f16]") {
  const auto config = SmallFabric(2, 2);
  const auto f32 = runtime::MapAttention(Prefill(1, 2, 1, 16, 12), config);
  auto f16 = runtime::MapAttention(PrefillF16(1, 2, 1, 16, 12), config);
  CHECK(f16.description.find("binary16 q, K and V, binary32 arithmetic") != std::string::npos);
  CHECK(f16.sram_bytes_per_tile < f32.sram_bytes_per_tile);
  // The same seed: every K and V wavelet is the binary32 one rounded to binary16, in the low half.
  REQUIRE(f16.inputs.size() == f32.inputs.size());
  size_t wavelets = 0, not_half = 0;
  for (size_t i = 0; i < f16.inputs.size(); ++i) {
    REQUIRE(f16.inputs[i].payloads.size() == f32.inputs[i].payloads.size());
    for (size_t j = 0; j < f16.inputs[i].payloads.size(); ++j, ++wavelets) {
      if (f16.inputs[i].payloads[j] != isa::F32ToF16(f32.inputs[i].payloads[j])) ++not_half;
    }
  }
  CHECK(wavelets == 2 * 2 * 12 * 16);  // each of the band's two rows takes 12 keys and 12 values
  CHECK(not_half == 0);
  // Each record's q likewise, two halves to a word: records of [32 bytes | q | O] are 32 + 64
  // + 64 bytes in binary32 and 32 + 32 + 64 in binary16 (q's 16 halves take one padded row).
  REQUIRE(f16.tiles.size() == f32.tiles.size());
  size_t elements = 0, q_not_half = 0;
  for (size_t t = 0; t < f16.tiles.size(); ++t) {
    REQUIRE(f16.tiles[t].program.data.size() == 1);
    const auto& b32 = f32.tiles[t].program.data[0].bytes;
    const auto& b16 = f16.tiles[t].program.data[0].bytes;
    REQUIRE(b32.size() / 160 == b16.size() / 128);
    for (size_t rec = 0; rec < b16.size() / 128; ++rec) {
      for (size_t i = 0; i < 16; ++i, ++elements) {
        uint32_t w = 0;
        uint16_t h = 0;
        std::memcpy(&w, &b32[rec * 160 + 32 + 4 * i], 4);
        std::memcpy(&h, &b16[rec * 128 + 32 + 2 * i], 2);
        if (h != isa::F32ToF16(w)) ++q_not_half;
      }
    }
  }
  CHECK(elements == 2 * 12 * 16);
  CHECK(q_not_half == 0);
  // The reference takes the inputs as stored, and the tolerance stays binary32's: the
  // binary32 inputs' answer is outside it (a run on unrounded data could not pass).
  double largest_ref = 0, largest_tol = 0;
  size_t outside = 0;
  for (size_t i = 0; i < f16.reference.size(); ++i) {
    largest_ref = std::max(largest_ref, std::fabs(f16.reference[i]));
    largest_tol = std::max(largest_tol, f16.tolerance[i]);
    if (std::fabs(f32.reference[i] - f16.reference[i]) > f16.tolerance[i]) ++outside;
  }
  CHECK(largest_tol < 1e-4 * largest_ref);
  CHECK(outside > f16.reference.size() / 2);
  auto r = Run(f16, config);
  INFO(r.stop_reason << "; " << r.check);
  CHECK(r.correct);
  CHECK(r.max_abs_err > 0);
  // The same programs with every descriptor's f16 flag cleared read the halves as binary32
  // words: the run fails.
  size_t cleared = 0;
  for (auto& tile : f16.tiles) {
    for (uint32_t& word : tile.program.code) {
      const uint32_t op = word >> 26;
      const uint32_t flag = op == isa::kOpDmem ? isa::kFlagF16Mem : op == isa::kOpDfab ? isa::kFlagF16Fab : 0;
      if ((word & flag) != 0) {
        word &= ~flag;
        ++cleared;
      }
    }
  }
  CHECK(cleared > 0);
  r = Run(f16, config);
  CHECK_FALSE(r.correct);
}

TEST_CASE("attention prefill with binary16 gives the same cycles on fast tiles as on RTL",
          "[mapping][attention][f16]") {
  const auto config = SmallFabric(2, 2);
  const auto mapping = runtime::MapAttention(PrefillF16(1, 4, 2, 13, 11), config);
  const auto rtl = Run(mapping, config);
  const auto fast = RunOn(mapping, config, fabric::TileModel::Fast);
  testbench::CheckSameRun(rtl, fast);
}

TEST_CASE("attention prefill with binary16 fits more tokens a tile, and says when it does not",
          "[mapping][attention][f16]") {
  const auto run_config = SmallFabric(2, 1);
  fabric::FabricConfig map_config = run_config;
  map_config.sram_bytes = 2048;
  // 12 records of head dim 16 on one tile: 160 bytes each in binary32 (1,920), 128 in binary16
  // (1,536, with room for chunks of 5 keys).
  auto req = Prefill(1, 1, 1, 16, 12);
  req.region_width = req.region_height = 1;
  try {
    runtime::MapAttention(req, map_config);
    FAIL("12 binary32 records of 160 bytes and a chunk on one tile should not fit 2,048 bytes");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.find("outputs of 12 tokens x 1 heads: 1920 bytes") != std::string::npos);
    CHECK(what.find("q, K and V in binary32") != std::string::npos);
  }
  req.dtype = DType::kFp16;
  const auto mapping = runtime::MapAttention(req, map_config);
  CHECK(mapping.region_width * mapping.region_height == 1);
  CHECK(mapping.parameters["chunk"] == 5);
  CHECK(mapping.sram_bytes_per_tile <= uint32_t(map_config.sram_bytes));
  const auto r = Run(mapping, run_config);
  INFO(r.stop_reason << "; " << r.check);
  CHECK(r.correct);

  // 16 records do not fit in binary16 either: the message counts binary16 records.
  req.prompt = 16;
  try {
    runtime::MapAttention(req, map_config);
    FAIL("16 binary16 records of 128 bytes and a chunk on one tile should not fit 2,048 bytes");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.find("does not fit a 1x1 region") != std::string::npos);
    CHECK(what.find("outputs of 16 tokens x 1 heads: 2048 bytes") != std::string::npos);
    CHECK(what.find("q, K and V in binary16") != std::string::npos);
  }
  req.fit = true;
  const auto fitted = runtime::MapAttention(req, map_config);
  CHECK(fitted.region_width == 2);
  CHECK(fitted.sram_bytes_per_tile <= uint32_t(map_config.sram_bytes));
}

TEST_CASE("attention prefill takes f32 or f16", "[mapping][attention][f16]") {
  auto req = Prefill(1, 4, 2, 8, 4);
  req.dtype = DType::kBf16;
  try {
    runtime::MapAttention(req, SmallFabric(2, 2));
    FAIL("accepted --dtype bf16");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "--dtype bf16: must be one of fp32, fp16");
  }
}

TEST_CASE("attention plans moved, transposed and recolored give the same answer", "[mapping][attention][plan]") {
  // Programs name colors only through parameters and no direction at all, so a plan can be
  // placed anywhere: decode with two-row bands and its outputs crossing to the mesh edge, and
  // prefill with a band per row and several groups a row, in binary32 and binary16.
  const auto config = SmallFabric(6, 6);
  auto decode = DecodeF16(1, 4, 2, 8, 20);
  auto prefill = Prefill(3, 2, 1, 8, 5);
  for (auto* req : {&decode, &prefill}) {
    req->region_width = 3;
    req->region_height = 2;
  }
  decode.region_height = 4;
  for (const auto& req : {decode, prefill}) {
    INFO(req.phase);
    const plan::Plan at_origin = runtime::BuildAttentionPlan(req, config);
    const auto base = RunOn(plan::Lower(at_origin, config), config, fabric::TileModel::Fast);
    REQUIRE(base.correct);
    for (const auto& [what, moved] : {std::pair{"moved", plan::Moved(at_origin, 2, 1)},
                                      std::pair{"transposed", plan::Transposed(at_origin)},
                                      std::pair{"recolored", plan::ColorsSwapped(at_origin, 0, 7)}}) {
      INFO(what);
      const auto r = RunOn(plan::Lower(moved, config), config, fabric::TileModel::Fast);
      INFO(r.stop_reason << "; " << r.check);
      CHECK(r.correct);
      CHECK(r.output == base.output);
    }
  }
}
