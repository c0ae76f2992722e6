#include "workload/layer_kernels.h"

#include <cmath>

#include "workload/memory_footprint.h"

namespace wafersim::workload {

std::string KernelKindName(KernelKind k) {
  switch (k) {
    case KernelKind::kRmsNorm: return "rmsnorm";
    case KernelKind::kLayerNorm: return "layernorm";
    case KernelKind::kGemm: return "gemm";
    case KernelKind::kGemv: return "gemv";
    case KernelKind::kRope: return "rope";
    case KernelKind::kKvAppend: return "kv_append";
    case KernelKind::kAttention: return "attention";
    case KernelKind::kResidualAdd: return "residual_add";
    case KernelKind::kSiluMul: return "silu_mul";
    case KernelKind::kGelu: return "gelu";
    case KernelKind::kTopK: return "topk";
    case KernelKind::kDispatch: return "dispatch";
    case KernelKind::kCombine: return "combine";
  }
  return "?";
}

double ExpectedExpertsTouched(int64_t experts, int64_t top_k, int64_t tokens) {
  if (experts <= 0) return 0;
  const double miss = 1.0 - static_cast<double>(top_k) / static_cast<double>(experts);
  return static_cast<double>(experts) * (1.0 - std::pow(miss, static_cast<double>(tokens)));
}

double AttentionPairs(int64_t q_len, int64_t kv_len, bool causal) {
  const double q = static_cast<double>(q_len), k = static_cast<double>(kv_len);
  if (!causal) return q * k;
  // Query i (0-based) of the q_len at the end sees keys 0 .. kv_len - q_len + i.
  if (k >= q) return q * (k - q + 1) + q * (q - 1) / 2;
  return k * (k + 1) / 2;
}

namespace {

/// Appends a layer's kernels one by one, filling in what each costs.
class LayerBuilder {
 public:
  explicit LayerBuilder(const Workload& w)
      : w_(w), m_(w.model), bytes_(DTypeBytes(w.dtype)), tokens_(w.Tokens()) {}

  int64_t Tokens() const { return tokens_; }

  void Norm(const std::string& name, int64_t width, bool model_norm = true) {
    Kernel k = Vector(name, KernelKind::kRmsNorm, tokens_, width);
    if (model_norm && m_.norm == NormKind::kLayerNorm) {
      k.kind = KernelKind::kLayerNorm;
      k.weight_params = 2 * width;
    } else {
      k.weight_params = width;
    }
    k.weight_bytes = static_cast<double>(k.weight_params) * bytes_;
    out_.push_back(k);
  }

  /// `batch` products [rows x k] x [k x n], each with its own weights (and a bias of n).
  void Gemm(const std::string& name, int64_t rows, int64_t n, int64_t k, bool bias, int64_t batch = 1,
            int64_t bias_params = -1) {
    Kernel g;
    g.name = name;
    g.kind = rows <= 1 ? KernelKind::kGemv : KernelKind::kGemm;
    g.m = rows;
    g.n = n;
    g.k = k;
    g.batch = batch;
    g.flops = 2.0 * static_cast<double>(rows) * static_cast<double>(n) * static_cast<double>(k) *
              static_cast<double>(batch);
    g.weight_params = batch * k * n + (bias ? (bias_params >= 0 ? bias_params : batch * n) : 0);
    g.weight_bytes = static_cast<double>(g.weight_params) * bytes_;
    out_.push_back(g);
  }

  /// rows = tokens x top_k spread over the model's experts, [k x n] weights (and a bias) each.
  void Routed(const std::string& name, int64_t n, int64_t k, bool bias) {
    Kernel g;
    g.name = name;
    g.m = tokens_ * m_.top_k;
    g.n = n;
    g.k = k;
    g.experts = m_.experts;
    g.top_k = m_.top_k;
    const double touched = ExpectedExpertsTouched(m_.experts, m_.top_k, tokens_);
    g.kind = static_cast<double>(g.m) <= touched + 1e-9 ? KernelKind::kGemv : KernelKind::kGemm;
    g.flops = 2.0 * static_cast<double>(g.m) * static_cast<double>(n) * static_cast<double>(k);
    g.weight_params = m_.experts * (k * n + (bias ? n : 0));
    g.weight_bytes = static_cast<double>(g.weight_params) / static_cast<double>(m_.experts) * touched * bytes_;
    out_.push_back(g);
  }

  void Add(const std::string& name, KernelKind kind, int64_t rows, int64_t width, int64_t top_k = 0) {
    Kernel k = Vector(name, kind, rows, width);
    k.top_k = top_k;
    out_.push_back(k);
  }

  void KvAppend(int64_t width) {
    Kernel k = Vector("attn.kv_append", KernelKind::kKvAppend, tokens_, width);
    k.kv_bytes = static_cast<double>(tokens_) * static_cast<double>(width) * bytes_;
    out_.push_back(k);
  }

  void Attention(int64_t heads, int64_t kv_heads, int64_t qk_dim, int64_t v_dim) {
    Kernel a;
    a.name = "attn.attention";
    a.kind = KernelKind::kAttention;
    a.sequences = w_.batch;
    a.heads = heads;
    a.kv_heads = kv_heads;
    a.qk_dim = qk_dim;
    a.v_dim = v_dim;
    a.q_len = w_.TokensPerSequence();
    a.kv_len = w_.KvLength();
    a.causal = w_.phase == Phase::kPrefill;
    a.flops = 2.0 * static_cast<double>(w_.batch) * static_cast<double>(heads) *
              AttentionPairs(a.q_len, a.kv_len, a.causal) * static_cast<double>(qk_dim + v_dim);
    a.kv_bytes = static_cast<double>(w_.batch) * static_cast<double>(a.kv_len) *
                 static_cast<double>(KvBytesPerTokenPerLayer(m_, w_.dtype));
    out_.push_back(a);
  }

  std::vector<Kernel> Take() { return std::move(out_); }

 private:
  static Kernel Vector(const std::string& name, KernelKind kind, int64_t rows, int64_t width) {
    Kernel k;
    k.name = name;
    k.kind = kind;
    k.rows = rows;
    k.width = width;
    return k;
  }

  const Workload& w_;
  const ModelShape& m_;
  int bytes_;
  int64_t tokens_;
  std::vector<Kernel> out_;
};

void GqaAttention(const ModelShape& m, LayerBuilder& b) {
  const int64_t T = b.Tokens(), h = m.hidden, H = m.heads, kv = m.kv_heads, d = m.head_dim;
  b.Gemm("attn.qkv_proj", T, (H + 2 * kv) * d, h, m.bias);
  if (!m.learned_positions) b.Add("attn.rope", KernelKind::kRope, T, (H + kv) * d);
  b.KvAppend(2 * kv * d);
  b.Attention(H, kv, d, d);
  b.Gemm("attn.o_proj", T, h, H * d, m.bias);
}

void MlaAttention(const Workload& w, LayerBuilder& b) {
  const ModelShape& m = w.model;
  const int64_t T = b.Tokens(), h = m.hidden, H = m.heads;
  const int64_t nope = m.qk_nope_head_dim, rope = m.qk_rope_head_dim, v = m.v_head_dim, kvl = m.kv_lora_rank;
  if (m.q_lora_rank > 0) {
    b.Gemm("attn.q_a_proj", T, m.q_lora_rank, h, false);
    b.Norm("attn.q_a_norm", m.q_lora_rank, false);
    b.Gemm("attn.q_b_proj", T, H * (nope + rope), m.q_lora_rank, false);
  } else {
    b.Gemm("attn.q_proj", T, H * (nope + rope), h, false);
  }
  b.Gemm("attn.kv_a_proj", T, kvl + rope, h, false);
  b.Norm("attn.kv_a_norm", kvl, false);
  b.Add("attn.rope", KernelKind::kRope, T, (H + 1) * rope);
  b.KvAppend(kvl + rope);
  if (w.phase == Phase::kPrefill) {
    // Keys and values decompressed per head from the latents, then ordinary attention.
    b.Gemm("attn.kv_b_proj", T, H * (nope + v), kvl, false);
    b.Attention(H, H, nope + rope, v);
  } else {
    // The key up-projection folded into the query, attention over the cached latents (one
    // latent "head" shared by all query heads), the value up-projection applied after.
    b.Gemm("attn.q_absorb", T, kvl, nope, false, H);
    b.Attention(H, 1, kvl + rope, kvl);
    b.Gemm("attn.v_up", T, v, kvl, false, H);
  }
  b.Gemm("attn.o_proj", T, h, H * v, false);
}

void DenseFfn(const ModelShape& m, LayerBuilder& b) {
  const int64_t T = b.Tokens(), h = m.hidden, f = m.ffn;
  if (m.ffn_activation == FfnActivation::kSwiGlu) {
    b.Gemm("ffn.gate", T, f, h, m.bias);
    b.Gemm("ffn.up", T, f, h, m.bias);
    b.Add("ffn.silu_mul", KernelKind::kSiluMul, T, f);
  } else {
    b.Gemm("ffn.up", T, f, h, m.bias);
    b.Add("ffn.gelu", KernelKind::kGelu, T, f);
  }
  b.Gemm("ffn.down", T, h, f, m.bias);
}

void MoeFfn(const ModelShape& m, LayerBuilder& b) {
  const int64_t T = b.Tokens(), h = m.hidden, fe = m.expert_ffn, s = m.shared_experts;
  const bool swiglu = m.ffn_activation == FfnActivation::kSwiGlu;
  b.Gemm("moe.router", T, m.experts, h, false);
  b.Add("moe.topk", KernelKind::kTopK, T, m.experts, m.top_k);
  b.Add("moe.dispatch", KernelKind::kDispatch, T * m.top_k, h, m.top_k);
  if (swiglu) {
    b.Routed("moe.gate", fe, h, m.bias);
    b.Routed("moe.up", fe, h, m.bias);
    b.Add("moe.silu_mul", KernelKind::kSiluMul, T * m.top_k, fe);
  } else {
    b.Routed("moe.up", fe, h, m.bias);
    b.Add("moe.gelu", KernelKind::kGelu, T * m.top_k, fe);
  }
  b.Routed("moe.down", h, fe, m.bias);
  if (s > 0) {
    // The shared experts run as one FFN s x expert_ffn wide (each keeps its own down bias).
    if (swiglu) {
      b.Gemm("moe.shared_gate", T, s * fe, h, m.bias);
      b.Gemm("moe.shared_up", T, s * fe, h, m.bias);
      b.Add("moe.shared_silu_mul", KernelKind::kSiluMul, T, s * fe);
    } else {
      b.Gemm("moe.shared_up", T, s * fe, h, m.bias);
      b.Add("moe.shared_gelu", KernelKind::kGelu, T, s * fe);
    }
    b.Gemm("moe.shared_down", T, h, s * fe, m.bias, 1, s * h);
  }
  b.Add("moe.combine", KernelKind::kCombine, T, h, m.top_k);
}

}  // namespace

std::vector<Kernel> LayerKernels(const Workload& w, int layer) {
  const ModelShape& m = w.model;
  LayerBuilder b(w);
  const int64_t T = b.Tokens();
  b.Norm("attn.norm", m.hidden);
  if (m.attention == AttentionKind::kMla) {
    MlaAttention(w, b);
  } else {
    GqaAttention(m, b);
  }
  b.Add("attn.residual", KernelKind::kResidualAdd, T, m.hidden);
  b.Norm("ffn.norm", m.hidden);
  if (m.IsMoeLayer(layer)) {
    MoeFfn(m, b);
  } else {
    DenseFfn(m, b);
  }
  b.Add("ffn.residual", KernelKind::kResidualAdd, T, m.hidden);
  return b.Take();
}

std::vector<LayerGroup> GroupLayers(const Workload& w) {
  std::vector<LayerGroup> groups;
  for (int l = w.first_layer; l < w.first_layer + w.LayerCount(); ++l) {
    const bool moe = w.model.IsMoeLayer(l);
    if (groups.empty() || groups.back().moe != moe) {
      groups.push_back({l, l, moe});
    } else {
      groups.back().last = l;
    }
  }
  return groups;
}

}  // namespace wafersim::workload
