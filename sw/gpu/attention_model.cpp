#include "gpu/attention_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "gpu/memory_model.h"

namespace wafersim::gpu {

namespace {

/// Vector operations per attention score besides the exponential: scale and subtract the
/// running max (one FMA), the max itself, the row-sum add, the conversion of P for the product.
constexpr double kSoftmaxOpsPerScore = 4;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t RoundUp(int64_t a, int64_t b) { return CeilDiv(a, b) * b; }

void Check(const GpuSpec& s, const AttentionProblem& p) {
  auto positive = [](const char* flag, int64_t v) {
    if (v <= 0) throw std::invalid_argument(fmt::format("{} {}: must be a positive integer", flag, v));
  };
  positive("--batch", p.batch);
  positive("--heads", p.heads);
  positive("--kv-heads", p.kv_heads);
  positive("--head-dim", p.head_dim);
  if (p.heads % p.kv_heads != 0) {
    throw std::invalid_argument(
        fmt::format("--kv-heads {}: must divide --heads {} (grouped-query attention)", p.kv_heads, p.heads));
  }
  if (p.head_dim > 512) throw std::invalid_argument(fmt::format("--head-dim {}: at most 512", p.head_dim));
  RequireDType(s, p.dtype);
}

/// Matrix-unit flops per clock for attention's products (the head dimension is padded to the
/// systolic array on a TPU, and to 16 elsewhere).
int64_t PaddedHeadDim(const GpuSpec& s, int64_t d) {
  return s.arch == Arch::kSystolic ? RoundUp(d, s.mxu_dim) : RoundUp(d, 16);
}

double Overlapped(double a, double b, double overlap) {
  return std::max(a, b) + (1.0 - overlap) * std::min(a, b);
}

}  // namespace

double AttentionPairs(const AttentionProblem& p) {
  const double sq = static_cast<double>(p.seq_q), sk = static_cast<double>(p.seq_k);
  if (!p.causal) return sq * sk;
  // Queries are aligned to the end of the keys: query i (0-based) sees keys 0 .. sk - sq + i.
  if (sk >= sq) return sq * (sk - sq + 1) + sq * (sq - 1) / 2;
  return sk * (sk + 1) / 2;
}

AttentionPlan PlanPrefillAttention(const GpuSpec& s, const AttentionProblem& p) {
  Check(s, p);
  if (p.seq_q <= 0) throw std::invalid_argument(fmt::format("--seq {}: must be a positive integer", p.seq_q));
  const int b = DTypeBytes(p.dtype);
  const int64_t d = p.head_dim;
  const int64_t dm = PaddedHeadDim(s, d);
  AttentionPlan a;
  a.algorithm = "flash prefill";
  a.br = s.arch == Arch::kSystolic ? s.mxu_dim : 128;
  a.bc = s.arch == Arch::kSystolic ? s.mxu_dim : (d <= 128 ? 128 : 64);
  a.stages = 2;
  // Q block plus double-buffered K and V blocks must fit in shared memory.
  auto smem = [&] { return static_cast<double>(a.br) * d * b + a.stages * 2.0 * a.bc * d * b; };
  while (smem() > s.smem_bytes_per_sm) {
    if (a.stages > 1) {
      a.stages = 1;
    } else if (a.bc > 32) {
      a.bc /= 2;
    } else if (a.br > 64) {
      a.br /= 2;
    } else {
      throw std::invalid_argument(fmt::format("--head-dim {}: a query block does not fit {}'s {:.0f} bytes of "
                                              "shared memory",
                                              d, s.name, s.smem_bytes_per_sm));
    }
  }
  const int64_t q_blocks = CeilDiv(p.seq_q, a.br);
  const int64_t kv_blocks = CeilDiv(p.seq_k, a.bc);
  a.ctas = p.batch * p.heads * q_blocks;
  const int64_t in_flight = std::min<int64_t>(a.ctas, s.sms);
  const double l2 = L2BytesPerClkPerSm(s, static_cast<double>(in_flight));
  const double vec = s.VectorOpsPerClk();
  const double scores = static_cast<double>(a.br) * a.bc;

  a.mma_cycles_per_block = 4.0 * scores * dm / (s.MatrixFlopsPerClk(p.dtype) * s.tensor_efficiency);
  a.softmax_cycles_per_block = scores / s.sfu_ops_per_clk + scores * kSoftmaxOpsPerScore / vec +
                               static_cast<double>(a.br) * d / vec;
  a.l2_cycles_per_block = 2.0 * a.bc * d * b / l2;
  a.block_cycles = std::max(Overlapped(a.mma_cycles_per_block, a.softmax_cycles_per_block, s.softmax_overlap),
                            a.l2_cycles_per_block);
  const double lat = LatencyCycles(s);
  const double prologue = lat + (static_cast<double>(a.br) * d * b + 2.0 * a.bc * d * b) / l2;
  const double epilogue = static_cast<double>(a.br) * d / vec + static_cast<double>(a.br) * d * b / l2;
  // Causal: the Br / Bc key blocks on the diagonal are peeled out of the pipelined loop to apply
  // the mask (a compare and a select per score); they overlap nothing, as in FA3.
  const double masked_blocks = p.causal ? std::ceil(static_cast<double>(a.br) / a.bc) : 0.0;
  const double mask_extra =
      masked_blocks * (a.mma_cycles_per_block + a.softmax_cycles_per_block + 2 * scores / vec - a.block_cycles);

  double total_blocks = static_cast<double>(a.ctas) * kv_blocks;
  if (!p.causal) {
    a.schedule = UniformSchedule(a.ctas, prologue + kv_blocks * a.block_cycles + epilogue, s.sms);
  } else {
    total_blocks = 0;
    // Longest first: query block i sees the key blocks up to its last query.
    std::vector<double> one_head;
    for (int64_t i = q_blocks - 1; i >= 0; --i) {
      const int64_t last_key = std::min(p.seq_k, p.seq_k - p.seq_q + (i + 1) * a.br);
      const int64_t blocks = std::max<int64_t>(1, CeilDiv(std::max<int64_t>(last_key, 1), a.bc));
      const double peeled = std::min<double>(static_cast<double>(blocks), masked_blocks) / masked_blocks;
      one_head.push_back(prologue + blocks * a.block_cycles + peeled * std::max(0.0, mask_extra) + epilogue);
      total_blocks += static_cast<double>(blocks) * p.batch * p.heads;
    }
    std::vector<double> all;
    all.reserve(static_cast<size_t>(a.ctas));
    for (double c : one_head) all.insert(all.end(), static_cast<size_t>(p.batch * p.heads), c);
    a.schedule = ListSchedule(all, s.sms);
  }
  a.makespan_cycles = a.schedule.makespan_cycles;

  // HBM: Q, O and the softmax statistics once; K and V once per kv head while the CTAs that share
  // them are in flight together, otherwise once per wave of them.
  const double q_bytes = static_cast<double>(p.batch) * p.heads * p.seq_q * d * b;
  const double kv_head_bytes = 2.0 * p.seq_k * d * b;
  const double kv_bytes = static_cast<double>(p.batch) * p.kv_heads * kv_head_bytes;
  const int64_t ctas_per_kv_head = q_blocks * (p.heads / p.kv_heads);
  const double heads_in_flight = std::ceil(static_cast<double>(in_flight) / ctas_per_kv_head) + 1;
  double reread = 1;
  if (heads_in_flight * kv_head_bytes > UsableL2Bytes(s)) {
    reread = std::max(1.0, std::ceil(static_cast<double>(ctas_per_kv_head) / in_flight));
  }
  a.hbm_bytes = 2 * q_bytes + kv_bytes * reread + static_cast<double>(p.batch) * p.heads * p.seq_q * 4;
  a.hbm_cycles = StreamCycles(s, a.hbm_bytes, static_cast<double>(in_flight));
  a.total_cycles = std::max(a.makespan_cycles, a.hbm_cycles);
  a.flops = 4.0 * p.batch * p.heads * AttentionPairs(p) * d;
  a.l2_bytes = total_blocks * 2.0 * a.bc * d * b + 2 * q_bytes;
  if (a.hbm_cycles > a.makespan_cycles) {
    a.bound = "memory";
    a.limiter = "HBM bandwidth";
  } else if (a.l2_cycles_per_block >= Overlapped(a.mma_cycles_per_block, a.softmax_cycles_per_block,
                                                 s.softmax_overlap)) {
    a.bound = "memory";
    a.limiter = "L2 bandwidth";
  } else {
    a.bound = "compute";
    a.limiter = a.mma_cycles_per_block >= a.softmax_cycles_per_block ? "tensor cores" : "softmax (exp)";
  }
  return a;
}

AttentionPlan PlanDecodeAttention(const GpuSpec& s, const AttentionProblem& p) {
  Check(s, p);
  if (p.seq_k <= 0) throw std::invalid_argument(fmt::format("--context {}: must be a positive integer", p.seq_k));
  const int b = DTypeBytes(p.dtype);
  const int64_t d = p.head_dim;
  const int64_t group = p.heads / p.kv_heads;
  const int64_t rows = group * std::max<int64_t>(1, p.seq_q);  // query rows sharing one kv head
  const double lat = LatencyCycles(s);
  const double vec = s.VectorOpsPerClk();
  const double kv_total = static_cast<double>(p.batch) * p.kv_heads * p.seq_k * d * b * 2.0;
  const double q_bytes = static_cast<double>(p.batch) * p.heads * std::max<int64_t>(1, p.seq_q) * d * b;

  AttentionPlan best;
  bool found = false;
  for (int splits : {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128}) {
    if (splits > 1 && CeilDiv(p.seq_k, splits) < 16) break;
    AttentionPlan a;
    a.algorithm = "split-kv decode";
    a.splits = splits;
    const int64_t chunk = CeilDiv(p.seq_k, splits);
    a.br = static_cast<int>(rows);
    a.bc = static_cast<int>(chunk);
    a.ctas = p.batch * p.kv_heads * splits;
    const double active = static_cast<double>(std::min<int64_t>(a.ctas, s.sms));
    const double per_sm_bw = StreamBytesPerClk(s, kv_total, active) / active;
    const double unit_bytes = 2.0 * chunk * d * b + static_cast<double>(rows) * d * b;
    const double scores = static_cast<double>(rows) * chunk;
    const double tensor = 4.0 * RoundUp(rows, s.min_mma_m) * chunk * PaddedHeadDim(s, d) /
                          (s.MatrixFlopsPerClk(p.dtype) * s.tensor_efficiency);
    const double simt = 4.0 * scores * d / s.vector_flops_per_clk.fp32;
    a.mma_cycles_per_block = s.arch == Arch::kSystolic ? tensor : std::min(tensor, simt);
    a.softmax_cycles_per_block = scores / s.sfu_ops_per_clk + scores * kSoftmaxOpsPerScore / vec;
    a.l2_cycles_per_block = unit_bytes / per_sm_bw;
    a.block_cycles = lat + std::max(a.l2_cycles_per_block,
                                    Overlapped(a.mma_cycles_per_block, a.softmax_cycles_per_block, s.softmax_overlap));
    a.schedule = UniformSchedule(a.ctas, a.block_cycles, s.sms);
    a.makespan_cycles = a.schedule.makespan_cycles;
    const double out_bytes = q_bytes;
    a.hbm_bytes = kv_total + q_bytes + out_bytes;
    a.hbm_cycles = StreamCycles(s, a.hbm_bytes, active);
    if (splits > 1) {
      // Partial outputs (fp32) and their log-sum-exps, written then read by the combine pass.
      const double partials =
          static_cast<double>(p.batch) * p.heads * std::max<int64_t>(1, p.seq_q) * splits * (d + 1) * 4.0;
      a.combine_cycles = s.Cycles(s.sync_s) + StreamCycles(s, partials + out_bytes, s.sms);
      a.hbm_bytes += 2 * partials;
    }
    a.total_cycles = std::max(a.makespan_cycles, a.hbm_cycles) + a.combine_cycles;
    a.flops = 4.0 * p.batch * p.heads * std::max<int64_t>(1, p.seq_q) * static_cast<double>(p.seq_k) * d;
    a.l2_bytes = kv_total;
    const double compute = Overlapped(a.mma_cycles_per_block, a.softmax_cycles_per_block, s.softmax_overlap);
    if (a.hbm_cycles >= a.makespan_cycles || a.l2_cycles_per_block >= compute) {
      a.bound = "memory";
      const bool latency_limited = active * s.inflight_bytes_per_sm / lat < s.HbmBytesPerClk();
      a.limiter = latency_limited ? "HBM latency (too few CTAs to fill the GPU)" : "HBM bandwidth";
    } else {
      a.bound = "compute";
      a.limiter = a.mma_cycles_per_block >= a.softmax_cycles_per_block ? "matrix units" : "softmax (exp)";
    }
    if (!found || a.total_cycles < best.total_cycles) {
      best = a;
      found = true;
    }
  }
  return best;
}

}  // namespace wafersim::gpu
