// Properties of wafersim compare's models: what would be false if the models were wrong.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "compare/comparison.h"
#include "compare/wafer_layer.h"
#include "compare_test_util.h"

namespace wafersim::compare {

using test::MakeWorkload;
using test::Request;

TEST_CASE("a dense model's decode is memory-bound on the GPU node, its prefill compute-bound", "[compare][gpu]") {
  const auto decode = MakeWorkload({{"model.preset", "llama3-70b"}, {"run.phase", "decode"}, {"run.context", "4096"}});
  const auto prefill = MakeWorkload({{"model.preset", "llama3-70b"}, {"run.phase", "prefill"}, {"run.prompt", "4096"}});
  const Comparison d = Compare(Request(decode));
  const Comparison p = Compare(Request(prefill));
  CHECK(d.gpu.bound == "memory");
  CHECK(p.gpu.bound == "compute");
  CHECK(p.gpu.Utilization() > 10 * d.gpu.Utilization());
}

TEST_CASE("tensor parallelism over 8 GPUs speeds up a memory-bound decode", "[compare][gpu]") {
  const auto w = MakeWorkload({{"model.preset", "llama3-8b"}, {"run.phase", "decode"}, {"run.context", "2048"}});
  const Comparison one = Compare(Request(w, 1));
  const Comparison eight = Compare(Request(w, 8));
  REQUIRE(one.gpu.bound == "memory");
  CHECK(eight.gpu.step_s < 0.5 * one.gpu.step_s);
  // The same work is done, split: the useful FLOPs agree.
  CHECK(eight.gpu.useful_flops == Approx(one.gpu.useful_flops).epsilon(1e-9));
  CHECK(eight.gpu.counts.nvlink_bytes > 0);
  CHECK(one.gpu.counts.nvlink_bytes == 0);
}

TEST_CASE("a model that does not fit one wafer gets a pipeline of several; streaming is slower", "[compare][wafer]") {
  const auto w = MakeWorkload({{"model.preset", "llama3-70b"}, {"run.phase", "decode"}, {"run.context", "4096"}});
  const Comparison c = Compare(Request(w));
  const WaferCapacity& cap = c.wafer.capacity;
  CHECK_FALSE(c.wafer.fits_one);
  CHECK(cap.Needed() > cap.usable_per_wafer);
  CHECK(cap.wafers_needed >= static_cast<int>(std::ceil(cap.Needed() / (cap.usable_per_wafer + cap.activation_bytes))));
  CHECK(c.wafer.resident.devices == cap.wafers_needed);
  CHECK(c.wafer.resident.fits);
  CHECK(c.wafer.streamed.step_s > c.wafer.resident.step_s);
  CHECK(c.wafer.streamed.counts.stream_bytes == Approx(cap.weight_bytes - 0).epsilon(0.05));
  // The streamed pass cannot beat moving its weights through the edge.
  CHECK(c.wafer.streamed.step_s >= 0.999999 * c.wafer.streamed.counts.stream_bytes / Request(w).wafer.StreamBytesPerS());
  CHECK(c.wafer.resident.counts.wafer_link_bytes > 0);

  // A small model fits one wafer and needs no link.
  const auto small = MakeWorkload({{"model.preset", "llama3-8b"}, {"run.phase", "decode"}, {"run.context", "4096"}});
  const Comparison s = Compare(Request(small));
  CHECK(s.wafer.fits_one);
  CHECK(s.wafer.resident.devices == 1);
  CHECK(s.wafer.resident.counts.wafer_link_bytes == 0);
}

TEST_CASE("asking for fewer wafers than the model needs is refused naming --wafers", "[compare][wafer]") {
  CompareRequest r = Request(MakeWorkload({{"model.preset", "llama3-70b"}, {"run.phase", "decode"}}));
  r.wafer_options.wafers = 1;
  CHECK_THROWS_WITH(Compare(r), Catch::StartsWith("--wafers 1: the workload needs"));
  r.wafer_options.wafers = 8;  // more than needed: spread thinner, each layer on more tiles
  const Comparison more = Compare(r);
  r.wafer_options.wafers = 0;
  const Comparison needed = Compare(r);
  CHECK(more.wafer.resident.devices == 8);
  CHECK(more.wafer.resident.step_s < needed.wafer.resident.step_s);
}

TEST_CASE("the wafers asked for are honoured exactly up to one per stage and refused above", "[compare][wafer]") {
  // llama3-8b: the embedding, 32 layers and the head. Balancing the bytes alone takes 18 wafers
  // (the embedding is the largest stage), which --wafers 20 and 1000000 both used to become.
  CompareRequest r = Request(MakeWorkload({{"model.preset", "llama3-8b"}, {"run.phase", "decode"}}));
  for (const int n : {20, 34}) {
    r.wafer_options.wafers = n;
    CHECK(Compare(r).wafer.resident.devices == n);
  }
  r.wafer_options.wafers = 35;
  CHECK_THROWS_WITH(Compare(r), Catch::StartsWith("--wafers 35: at most 34, one wafer per stage"));
}

TEST_CASE("energy per token is the counted operations and bytes priced by the table", "[compare][energy]") {
  const auto w = MakeWorkload({{"model.preset", "mixtral-8x22b"}, {"run.phase", "decode"}, {"run.batch", "4"},
                               {"run.context", "1024"}, {"run.layers", "4"}});
  const CompareRequest req = Request(w);
  const Comparison c = Compare(req);
  const EnergyTable& t = req.energy;
  for (const MachineResult* r : {&c.wafer.resident, &c.wafer.streamed, &c.gpu}) {
    const OpCounts& n = r->counts;
    const double pj = n.matrix_flops * t.Pj("flop_fp16") + n.vector_ops * t.Pj("vector_op") +
                      n.sram_bytes * t.Pj("sram_byte") + n.hop_bytes * t.Pj("hop_byte") +
                      n.wafer_link_bytes * t.Pj("wafer_link_byte") + n.stream_bytes * t.Pj("stream_byte") +
                      n.hbm_bytes * t.Pj("hbm_byte") + n.l2_bytes * t.Pj("l2_byte") +
                      n.nvlink_bytes * t.Pj("nvlink_byte");
    INFO(r->machine << " " << r->mode);
    CHECK(r->energy.total_j == Approx(pj * 1e-12).epsilon(1e-12));
    CHECK(r->EnergyPerTokenJ() == Approx(pj * 1e-12 / 4).epsilon(1e-12));
    CHECK(r->energy.total_j > 0);
  }
  // The wafer reads its weights from SRAM, the GPUs from HBM: a cheaper byte.
  CHECK(c.gpu.counts.hbm_bytes > 0);
  CHECK(c.wafer.resident.counts.hbm_bytes == 0);
  CHECK(c.wafer.resident.EnergyPerTokenJ() < c.gpu.EnergyPerTokenJ());
  // Changing one figure moves the total by exactly its count times the change.
  CompareRequest dear = req;
  dear.energy.Set("hbm_byte", t.Pj("hbm_byte") + 1);
  const Comparison d = Compare(dear);
  CHECK(d.gpu.energy.total_j - c.gpu.energy.total_j == Approx(c.gpu.counts.hbm_bytes * 1e-12).epsilon(1e-6));
}

TEST_CASE("the matrix FLOPs both machines count are the workload's", "[compare]") {
  const auto w = MakeWorkload({{"model.preset", "llama3-8b"}, {"run.phase", "prefill"}, {"run.prompt", "512"}});
  const Comparison c = Compare(Request(w));
  double layer_flops = 0;
  for (int l = 0; l < w.model.layers; ++l) {
    for (const auto& k : workload::LayerKernels(w, l)) layer_flops += k.flops;
  }
  const double head = 2.0 * w.batch * w.model.hidden * w.model.vocab;  // last token's logits
  CHECK(c.wafer.resident.useful_flops == Approx(layer_flops + head).epsilon(1e-9));
  CHECK(c.gpu.useful_flops == Approx(layer_flops + head).epsilon(0.01));  // GEMM padding aside
}

TEST_CASE("the time breakdown adds up to the pass on both machines", "[compare]") {
  for (const char* phase : {"decode", "prefill"}) {
    const auto w = MakeWorkload({{"model.preset", "deepseek-v2"}, {"run.phase", phase}, {"run.prompt", "256"},
                                 {"run.context", "1024"}, {"run.layers", "3"}});
    const Comparison c = Compare(Request(w));
    for (const MachineResult* r : {&c.wafer.resident, &c.wafer.streamed, &c.gpu}) {
      double sum = 0;
      for (const auto& [g, t] : r->breakdown_s) sum += t;
      INFO(phase << " " << r->machine << " " << r->mode);
      CHECK(sum == Approx(r->step_s).epsilon(1e-9));
      CHECK(r->step_s > 0);
    }
  }
}

TEST_CASE("routed experts run side by side on the wafer: more experts per token cost the GPU, not the wafer",
          "[compare][moe]") {
  // One MoE layer at batch 1: the wafer runs each chosen expert on its own tiles at once; a GPU
  // reads every chosen expert's weights from HBM, one after another.
  const auto top2 = MakeWorkload({{"model.preset", "mixtral-8x22b"}, {"run.phase", "decode"}, {"run.layers", "1"}});
  const auto top4 = MakeWorkload({{"model.preset", "mixtral-8x22b"}, {"run.phase", "decode"}, {"run.layers", "1"},
                                  {"model.top_k", "4"}});
  const Comparison a = Compare(Request(top2, 1));
  const Comparison b = Compare(Request(top4, 1));
  const auto experts = [](const MachineResult& r) {
    for (const auto& [g, t] : r.breakdown_s) {
      if (g == "experts") return t;
    }
    return 0.0;
  };
  CHECK(experts(b.gpu) > 1.5 * experts(a.gpu));
  CHECK(experts(b.wafer.resident) < 1.2 * experts(a.wafer.resident));
}

TEST_CASE("simulated cycles for a kernel replace the estimate (the seam for the fast tile model)", "[compare][seam]") {
  const auto w = MakeWorkload({{"model.preset", "llama3-8b"}, {"run.phase", "decode"}, {"run.context", "1024"}});
  CompareRequest r = Request(w);
  const Comparison before = Compare(r);
  const auto qkv = [](const MachineResult& m) {
    for (const auto& k : m.kernels) {
      if (k.name == "attn.qkv_proj") return k;
    }
    FAIL("no attn.qkv_proj");
    return KernelTiming{};
  };
  const KernelTiming est = qkv(before.wafer.resident);
  CHECK(est.source == "the GEMV plan's cost");
  r.overrides.Set("attn.qkv_proj", {1000, 50000});
  const Comparison after = Compare(r);
  const KernelTiming sim = qkv(after.wafer.resident);
  CHECK(sim.source.find("simulated") != std::string::npos);
  const double f = r.wafer.ClockHz();
  CHECK(sim.time_s == Approx(51000 / f));
  // Decode at batch 1 runs the stages one after another: the pass moves by the difference, per layer.
  CHECK(after.wafer.resident.step_s - before.wafer.resident.step_s ==
        Approx(w.model.layers * (sim.time_s - est.time_s)).epsilon(1e-6));
}

TEST_CASE("the wafer refuses a format its tiles cannot compute in", "[compare][wafer]") {
  const auto w = MakeWorkload({{"model.preset", "llama3-8b"}, {"run.dtype", "fp8"}});
  CHECK_THROWS_WITH(Compare(Request(w)), Catch::StartsWith("--dtype fp8: the wafer's tiles compute in binary16"));
}

}  // namespace wafersim::compare
