#include "compare/gpu_node_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "compare/rated_power.h"
#include "compare/wafer_layer.h"
#include "gpu/kernel_registry.h"
#include "workload/layer_kernels.h"
#include "workload/memory_footprint.h"
#include "workload/param_count.h"

namespace wafersim::compare {

namespace wl = wafersim::workload;

namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

struct GpuStep {
  KernelTiming timing;
  OpCounts counts;
};

class NodeBuilder {
 public:
  NodeBuilder(const gpu::GpuSpec& s, int gpus, const wl::Workload& w)
      : s_(s), g_(gpus), w_(w), dtype_(w.dtype), bytes_(wl::DTypeBytes(w.dtype)) {}

  /// A kernel on each GPU's share (per_gpu: the registry ran one GPU's work; counts x gpus).
  void Add(const std::string& name, const std::string& kind, const std::string& group, const std::string& kernel,
           gpu::KernelParams p, bool per_gpu, bool matrix, double repeat = 1) {
    p.dtype = dtype_;
    p.gpus = per_gpu ? 1 : g_;
    const gpu::KernelResult r = gpu::KernelRegistry::Get().Run(kernel, s_, p);
    const double scale = per_gpu ? g_ : 1;
    const double launch = s_.launch_s;
    GpuStep st;
    st.timing.name = name;
    st.timing.kind = kind;
    st.timing.group = group;
    st.timing.time_s = launch + repeat * (r.time_s - launch);
    st.timing.flops = matrix ? r.flops * scale * repeat : 0;
    st.timing.bytes = r.hbm_bytes * scale * repeat;
    // The roofline's verdict: above the ridge point (peak FLOP/s over HBM bandwidth) a kernel is
    // compute-bound whatever on-chip limit the model finds (the limiter says which).
    st.timing.bound = r.bound;
    if (matrix && r.flops > 0) {
      const double flop_s = r.flops / (s_.PeakMatrixFlops(dtype_) * r.gpus);
      const double mem_s = r.hbm_bytes / (s_.hbm_peak_bytes_per_s * r.gpus);
      if (r.bound != "communication") st.timing.bound = flop_s >= mem_s ? "compute" : "memory";
    }
    st.timing.source = fmt::format("GPU model: {} ({})", kernel, r.limiter);
    (matrix ? st.counts.matrix_flops : st.counts.vector_ops) = r.flops * scale * repeat;
    st.counts.hbm_bytes = r.hbm_bytes * scale * repeat;
    st.counts.l2_bytes = r.l2_bytes * scale * repeat;
    st.counts.nvlink_bytes = r.link_bytes * g_ * repeat;  // the busiest GPU's, on every GPU
    steps_.push_back(st);
  }

  void Matrix(const wl::Kernel& k) {
    gpu::KernelParams p;
    p.m = k.m;
    p.n = k.n;
    p.k = k.k;
    double repeat = static_cast<double>(k.batch);
    const bool replicated = k.name == "attn.q_a_proj" || k.name == "attn.kv_a_proj" || k.name == "moe.router";
    if (g_ > 1 && !replicated) {
      if (k.batch > 1) {
        repeat = static_cast<double>(CeilDiv(k.batch, g_));
      } else if (EndsWith(k.name, "o_proj") || EndsWith(k.name, "down")) {
        p.k = CeilDiv(k.k, g_);
      } else if (k.n >= g_) {
        p.n = CeilDiv(k.n, g_);
      }
    }
    Add(k.name, wl::KernelKindName(k.kind), k.name.rfind("moe.", 0) == 0 ? "experts" : "projections", "gemm", p,
        true, true, repeat);
  }

  void Attention(const wl::Kernel& a) {
    gpu::KernelParams p;
    p.batch = a.sequences;
    // One head width for both products (MLA's differ): the mean keeps the FLOPs. MLA's latent
    // heads (576 + 512) are wider than the kernel takes: each is cut into pieces of at most 256,
    // which keeps the FLOPs and reads about the latent's bytes per token.
    const int64_t width = (a.qk_dim + a.v_dim + 1) / 2;
    const int64_t pieces = (width + 255) / 256;
    p.head_dim = (width + pieces - 1) / pieces;
    p.heads = a.heads * pieces;
    p.kv_heads = a.kv_heads * pieces;
    p.causal = a.causal;
    if (w_.phase == wl::Phase::kPrefill) {
      p.phase = "prefill";
      p.seq = a.q_len;
      p.context = a.kv_len - a.q_len;
    } else {
      p.phase = "decode";
      p.seq = a.q_len;
      p.context = a.kv_len - a.q_len;
    }
    Add(a.name, "attention", "attention", "attention", p, false, true);
  }

  void Experts(const wl::Kernel& dispatch) {
    const wl::ModelShape& m = w_.model;
    gpu::KernelParams p;
    p.tokens = w_.Tokens();
    p.experts = m.experts;
    p.top_k = dispatch.top_k;
    p.d_model = m.hidden;
    p.d_ff = m.expert_ffn;
    p.gated = m.ffn_activation == wl::FfnActivation::kSwiGlu;
    Add("moe.experts", "moe", "experts", "moe", p, false, true);
  }

  void Vector(const wl::Kernel& k) {
    gpu::KernelParams p;
    const bool norm = k.kind == wl::KernelKind::kRmsNorm || k.kind == wl::KernelKind::kLayerNorm;
    const bool sharded = k.kind == wl::KernelKind::kRope || k.kind == wl::KernelKind::kSiluMul ||
                         k.kind == wl::KernelKind::kGelu || k.kind == wl::KernelKind::kKvAppend;
    const std::string group = k.name.rfind("moe.", 0) == 0 ? "experts" : "vector";
    if (norm) {
      p.tokens = k.rows;
      p.d_model = k.width;
      Add(k.name, wl::KernelKindName(k.kind), group, "rmsnorm", p, true, false);
      return;
    }
    const int64_t elements = k.rows * k.width;
    p.elements = std::max<int64_t>(1, sharded && g_ > 1 ? CeilDiv(elements, g_) : elements);
    p.inputs = k.kind == wl::KernelKind::kResidualAdd || k.kind == wl::KernelKind::kSiluMul ||
                       k.kind == wl::KernelKind::kRope
                   ? 2
                   : 1;
    Add(k.name, wl::KernelKindName(k.kind), group, "elementwise", p, true, false);
  }

  void AllReduce(const std::string& after) {
    if (g_ <= 1) return;
    gpu::KernelParams p;
    p.bytes = w_.Tokens() * w_.model.hidden * bytes_;
    Add("allreduce after " + after, "allreduce", "communication", "allreduce", p, false, false);
  }

  void Head() {
    gpu::KernelParams p;
    p.m = HeadRows(w_);
    p.n = g_ > 1 ? CeilDiv(w_.model.vocab, g_) : w_.model.vocab;
    p.k = w_.model.hidden;
    Add("lm_head", "gemv", "projections", "gemm", p, true, true);
  }

  std::vector<GpuStep> Take() { return std::move(steps_); }

 private:
  const gpu::GpuSpec& s_;
  int g_;
  const wl::Workload& w_;
  DType dtype_;
  int bytes_;
  std::vector<GpuStep> steps_;
};

std::vector<GpuStep> LayerSteps(const gpu::GpuSpec& s, int gpus, const wl::Workload& w, int layer) {
  NodeBuilder b(s, gpus, w);
  for (const wl::Kernel& k : wl::LayerKernels(w, layer)) {
    if (k.experts > 0 || k.kind == wl::KernelKind::kCombine ||
        (k.name.rfind("moe.", 0) == 0 && (k.kind == wl::KernelKind::kSiluMul || k.kind == wl::KernelKind::kGelu) &&
         k.name.find("shared") == std::string::npos)) {
      if (k.kind == wl::KernelKind::kCombine) b.AllReduce("the MoE block");
      continue;  // inside the moe kernel
    }
    switch (k.kind) {
      case wl::KernelKind::kGemm:
      case wl::KernelKind::kGemv:
        b.Matrix(k);
        if (k.name == "attn.o_proj") b.AllReduce("attn.o_proj");
        if (k.name == "ffn.down") b.AllReduce("ffn.down");
        break;
      case wl::KernelKind::kAttention: b.Attention(k); break;
      case wl::KernelKind::kDispatch: b.Experts(k); break;
      default: b.Vector(k); break;
    }
  }
  return b.Take();
}

double KvBytesPerGpu(const wl::Workload& w, int gpus) {
  const double kv = static_cast<double>(wl::WorkloadKvBytes(w));
  if (w.model.attention == wl::AttentionKind::kMla) return kv;  // one latent shared by all heads
  const int64_t kvh = w.model.kv_heads;
  return kvh >= gpus ? kv / gpus : kv / static_cast<double>(kvh);
}

}  // namespace

MachineResult ModelOnGpuNode(const gpu::GpuSpec& spec, int gpus, const wl::Workload& w, const EnergyTable& energy) {
  if (gpus < 1 || gpus > spec.gpus_per_node) {
    throw std::invalid_argument(fmt::format("--gpus {}: {} nodes hold 1..{} GPUs", gpus, spec.name, spec.gpus_per_node));
  }
  gpu::RequireDType(spec, w.dtype);
  MachineResult r;
  r.machine = spec.name;
  r.devices = gpus;
  r.mode = gpus > 1 ? fmt::format("tensor parallel over {} GPUs", gpus) : "1 GPU";
  r.tokens = static_cast<double>(w.Tokens());
  r.peak_flops = gpus * spec.PeakMatrixFlops(w.dtype);
  r.peak_bytes_per_s = gpus * spec.hbm_peak_bytes_per_s;
  r.rated_power_w = RatedPowerOf(spec.name).watts;

  std::map<std::string, size_t> index;
  auto add = [&](const GpuStep& st, int count) {
    r.counts += st.counts.Scaled(count);
    r.step_s += st.timing.time_s * count;
    auto it = index.find(st.timing.name);
    if (it == index.end()) {
      index[st.timing.name] = r.kernels.size();
      r.kernels.push_back(st.timing);
      r.kernels.back().count = count;
      return;
    }
    // The same kernel in layers of another kind (dense and MoE): weighted mean.
    KernelTiming& k = r.kernels[it->second];
    const double n = k.count + count;
    k.time_s = (k.time_s * k.count + st.timing.time_s * count) / n;
    k.flops = (k.flops * k.count + st.timing.flops * count) / n;
    k.bytes = (k.bytes * k.count + st.timing.bytes * count) / n;
    k.count += count;
  };
  for (const wl::LayerGroup& g : wl::GroupLayers(w)) {
    for (const GpuStep& st : LayerSteps(spec, gpus, w, g.first)) add(st, g.last - g.first + 1);
  }
  if (w.first_layer + w.LayerCount() == w.model.layers) {
    NodeBuilder b(spec, gpus, w);
    b.Head();
    for (const GpuStep& st : b.Take()) add(st, 1);
  }
  r.useful_flops = r.counts.matrix_flops;

  // HBM: the weights split over the GPUs, each GPU's KV cache, activations.
  const wl::ModelParams mp = wl::CountModelParams(w.model);
  double weights = static_cast<double>(wl::WorkloadWeightBytes(w));
  if (w.first_layer == 0) weights += static_cast<double>(mp.embedding) * wl::DTypeBytes(w.dtype);
  if (w.first_layer + w.LayerCount() == w.model.layers) {
    weights += static_cast<double>(mp.lm_head + mp.final_norm) * wl::DTypeBytes(w.dtype);
  }
  const double activations = static_cast<double>(w.Tokens()) * wl::DTypeBytes(w.dtype) *
                             static_cast<double>(2 * w.model.hidden + 2 * std::max(w.model.ffn, w.model.expert_ffn));
  const double per_gpu = weights / gpus + KvBytesPerGpu(w, gpus) + activations / gpus;
  r.memory_needed_bytes = per_gpu * gpus;
  r.memory_capacity_bytes = spec.hbm_capacity_bytes * gpus;
  r.fits = per_gpu <= spec.hbm_capacity_bytes;
  if (!r.fits) {
    r.notes.push_back(fmt::format("does not fit: {:.1f} GB per GPU against {:.1f} GB of HBM; the times assume it did",
                                  per_gpu / 1e9, spec.hbm_capacity_bytes / 1e9));
  }
  r.energy = Energy(r.counts, energy, w.dtype);
  Summarize(r);
  r.notes.push_back("per-kernel times from the GPU model (docs/gpu.md), kernels back to back with their launches");
  return r;
}

}  // namespace wafersim::compare
