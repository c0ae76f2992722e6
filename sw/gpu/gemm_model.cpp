#include "gpu/gemm_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "gpu/memory_model.h"

namespace wafersim::gpu {

namespace {

constexpr int kMaxStages = 8;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t RoundUp(int64_t a, int64_t b) { return CeilDiv(a, b) * b; }

/// CTA tiles a library would consider, largest first (ties keep the earlier one).
constexpr GemmTile kSimtTiles[] = {
    {128, 256, 0}, {256, 128, 0}, {128, 128, 0}, {64, 256, 0}, {256, 64, 0},
    {64, 128, 0},  {128, 64, 0},  {64, 64, 0},   {256, 256, 0},
};

/// BK choices: a 128-byte row of K per operand, or half of it (more pipeline stages).
std::vector<int> BkChoices(DType t) {
  const int base = 128 / DTypeBytes(t);
  return {base, base / 2};
}

/// HBM bytes for reading A and B of one group. If both fit in L2 they are read once; otherwise
/// the `in_flight` concurrent tiles cover an r x c block of the tile grid, and each A row-panel
/// is read once per block column, each B column-panel once per block row.
double ReadBytes(const GpuSpec& s, int64_t m, int64_t n, int64_t k, int bm, int bn, int64_t in_flight, int b) {
  const double a = static_cast<double>(m) * k * b;
  const double w = static_cast<double>(k) * n * b;
  if (a + w <= UsableL2Bytes(s)) return a + w;
  const int64_t tm = CeilDiv(m, bm), tn = CeilDiv(n, bn);
  const int64_t conc = std::max<int64_t>(1, std::min(in_flight, tm * tn));
  int64_t r = std::min<int64_t>(tm, static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(conc)))));
  int64_t c = std::min<int64_t>(tn, CeilDiv(conc, r));
  if (c == tn) r = std::min<int64_t>(tm, CeilDiv(conc, c));
  return a * static_cast<double>(CeilDiv(tn, c)) + w * static_cast<double>(CeilDiv(tm, r));
}

std::string Limiter(double mma, double l2, double lat) {
  if (mma >= l2 && mma >= lat) return "tensor cores";
  return l2 >= lat ? "L2 bandwidth" : "memory latency";
}

/// One candidate tile and split on a SIMT machine; returns false when it does not fit.
bool EvaluateSimt(const GpuSpec& s, const GemmProblem& p, GemmTile t, int split, GemmPlan& out) {
  const int b = DTypeBytes(p.dtype);
  const int bo = OutputBytes(p.dtype);
  const double stage_bytes = static_cast<double>(t.bm + t.bn) * t.bk * b;
  const int stages = std::min(kMaxStages, static_cast<int>(s.smem_bytes_per_sm / stage_bytes));
  if (stages < 2) return false;
  if (4.0 * t.bm * t.bn > 0.5 * s.regs_bytes_per_sm) return false;
  const int64_t kb = CeilDiv(p.k, t.bk);
  if (split > kb) return false;

  const int64_t tn = CeilDiv(p.n, t.bn);
  int64_t tiles_mn = 0;
  double m_sum = 0;
  for (int64_t m : p.ms) {
    tiles_mn += CeilDiv(m, t.bm) * tn;
    m_sum += static_cast<double>(m);
  }
  GemmPlan g;
  g.algorithm = "tiled";
  g.tile = t;
  g.stages = stages;
  g.split_k = split;
  g.k_iters = CeilDiv(kb, split);
  g.tiles = tiles_mn * split;
  const int64_t in_flight = std::min<int64_t>(g.tiles, s.sms);

  const double l2_per_sm = L2BytesPerClkPerSm(s, static_cast<double>(in_flight));
  double load = stage_bytes;  // bytes one tile pulls from L2 per iteration
  if (s.cluster_multicast > 1 && g.tiles >= s.cluster_multicast) {
    load -= std::max(t.bm, t.bn) * static_cast<double>(t.bk) * b * (1.0 - 1.0 / s.cluster_multicast);
  }
  const double lat = LatencyCycles(s);
  g.mma_cycles_per_iter = 2.0 * t.bm * t.bn * t.bk / (s.MatrixFlopsPerClk(p.dtype) * s.tensor_efficiency);
  g.l2_cycles_per_iter = load / l2_per_sm;
  g.latency_cycles_per_iter = lat / (stages - 1);
  g.iter_cycles = std::max({g.mma_cycles_per_iter, g.l2_cycles_per_iter, g.latency_cycles_per_iter});
  const double prologue = lat;  // the first stages' loads, in flight together
  const double epilogue = static_cast<double>(t.bm) * t.bn * (split > 1 ? 4 : bo) / l2_per_sm;
  if (s.persistent_gemm) {
    g.tile_cycles = static_cast<double>(g.k_iters) * g.iter_cycles;
    g.schedule = UniformSchedule(g.tiles, g.tile_cycles, s.sms);
    g.makespan_cycles = g.schedule.makespan_cycles + (g.tiles > 0 ? prologue + epilogue : 0);
  } else {
    g.tile_cycles = static_cast<double>(g.k_iters) * g.iter_cycles + prologue + epilogue;
    g.schedule = UniformSchedule(g.tiles, g.tile_cycles, s.sms);
    g.makespan_cycles = g.schedule.makespan_cycles;
  }

  double reads = 0;
  for (int64_t m : p.ms) {
    if (m > 0) reads += ReadBytes(s, m, p.n, p.k, t.bm, t.bn, in_flight, b);
  }
  const double c_bytes = m_sum * static_cast<double>(p.n);
  const double writes = split > 1 ? c_bytes * 4 * split : c_bytes * bo;
  g.hbm_cycles = StreamCycles(s, reads + writes, static_cast<double>(in_flight));
  g.hbm_bytes = reads + writes;
  if (split > 1) {
    const double reduce_bytes = c_bytes * 4 * split + c_bytes * bo;
    g.reduce_cycles = s.Cycles(s.sync_s) + StreamCycles(s, reduce_bytes, s.sms);
    g.hbm_bytes += reduce_bytes;
  }
  g.total_cycles = std::max(g.makespan_cycles, g.hbm_cycles) + g.reduce_cycles;
  g.l2_bytes = static_cast<double>(g.tiles) * static_cast<double>(g.k_iters) * load;
  g.padded_flops = 2.0 * static_cast<double>(g.tiles) * t.bm * t.bn * static_cast<double>(g.k_iters) * t.bk;
  for (int64_t m : p.ms) g.flops += 2.0 * static_cast<double>(m) * p.n * p.k;
  if (g.hbm_cycles > g.makespan_cycles) {
    g.bound = "memory";
    g.limiter = "HBM bandwidth";
  } else {
    g.limiter = Limiter(g.mma_cycles_per_iter, g.l2_cycles_per_iter, g.latency_cycles_per_iter);
    g.bound = g.limiter == "tensor cores" ? "compute" : "memory";
  }
  out = g;
  return true;
}

GemmPlan PlanSystolic(const GpuSpec& s, const GemmProblem& p) {
  const int b = DTypeBytes(p.dtype);
  const int bo = OutputBytes(p.dtype);
  const int64_t d = s.mxu_dim;
  // Passes of the bf16 array per product (fp32 runs as several bf16 passes).
  const double passes = s.tensor_flops_per_clk.bf16 / s.MatrixFlopsPerClk(p.dtype);
  GemmPlan g;
  g.algorithm = "systolic";
  g.tile = {static_cast<int>(d), static_cast<int>(d), static_cast<int>(d)};
  const int64_t weight_tiles = CeilDiv(p.k, d) * CeilDiv(p.n, d);
  double mxu_cycles = 0;
  double reads = 0, c_bytes = 0;
  for (int64_t m : p.ms) {
    if (m <= 0) continue;
    const int64_t rows = std::max<int64_t>(RoundUp(m, 8), d);
    mxu_cycles += static_cast<double>(CeilDiv(weight_tiles, s.mxus_per_core)) * static_cast<double>(rows);
    g.padded_flops += 2.0 * rows * RoundUp(p.k, d) * RoundUp(p.n, d);
    g.flops += 2.0 * static_cast<double>(m) * p.n * p.k;
    c_bytes += static_cast<double>(m) * p.n * bo;
    // VMEM blocking: the block pair with the least HBM traffic that fits half the VMEM.
    double best = std::numeric_limits<double>::infinity();
    const int64_t bk = std::min<int64_t>(RoundUp(p.k, d), 512);
    for (int64_t bm = d; bm <= 4096; bm *= 2) {
      for (int64_t bn = d; bn <= 4096; bn *= 2) {
        const double vmem = 2.0 * (bm * bk + bk * bn) * b + 4.0 * bm * bn;
        if (vmem > UsableL2Bytes(s)) continue;
        const double traffic = static_cast<double>(m) * p.k * b * static_cast<double>(CeilDiv(p.n, bn)) +
                               static_cast<double>(p.k) * p.n * b * static_cast<double>(CeilDiv(m, bm));
        best = std::min(best, traffic);
        if (bn >= p.n) break;
      }
      if (bm >= m) break;
    }
    reads += best;
  }
  g.tiles = weight_tiles;
  g.k_iters = CeilDiv(p.k, d);
  g.mma_cycles_per_iter = 0;
  const double compute = mxu_cycles * passes / s.tensor_efficiency;
  g.hbm_bytes = reads + c_bytes;
  g.hbm_cycles = StreamCycles(s, g.hbm_bytes, 1);
  g.makespan_cycles = compute + LatencyCycles(s);
  g.schedule = UniformSchedule(1, g.makespan_cycles, 1);
  g.total_cycles = std::max(g.makespan_cycles, g.hbm_cycles);
  g.l2_bytes = g.hbm_bytes;
  if (g.hbm_cycles > g.makespan_cycles) {
    g.bound = "memory";
    g.limiter = "HBM bandwidth";
  } else {
    g.bound = "compute";
    g.limiter = "MXUs";
  }
  return g;
}

void CheckProblem(const GemmProblem& p) {
  if (p.ms.empty()) throw std::invalid_argument("--m: a GEMM needs at least one group of rows");
  for (int64_t m : p.ms) {
    if (m < 0 || (m == 0 && p.ms.size() == 1)) {
      throw std::invalid_argument(fmt::format("--m {}: must be a positive integer", m));
    }
  }
  if (p.n <= 0) throw std::invalid_argument(fmt::format("--n {}: must be a positive integer", p.n));
  if (p.k <= 0) throw std::invalid_argument(fmt::format("--k {}: must be a positive integer", p.k));
}

}  // namespace

GemmTile ParseTile(const std::string& text) {
  GemmTile t;
  std::vector<int> parts;
  std::stringstream in(text);
  bool ok = !text.empty() && text.back() != 'x';
  for (std::string part; ok && std::getline(in, part, 'x');) {
    size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    ok = !part.empty() && used == part.size() && v > 0 && v <= 512;
    parts.push_back(v);
  }
  ok = ok && (parts.size() == 2 || parts.size() == 3);
  if (ok) {
    t = {parts[0], parts[1], parts.size() == 3 ? parts[2] : 0};
    ok = t.bm % 16 == 0 && t.bn % 16 == 0 && t.bk % 8 == 0;
  }
  if (!ok) {
    throw std::invalid_argument(fmt::format(
        "--tile {}: expected BMxBN or BMxBNxBK, multiples of 16 (BK of 8) up to 512, e.g. 128x256x64", text));
  }
  return t;
}

GemmPlan PlanGemm(const GpuSpec& s, const GemmProblem& p, const GemmOptions& o) {
  CheckProblem(p);
  RequireDType(s, p.dtype);
  if (s.arch == Arch::kSystolic) return PlanSystolic(s, p);

  std::vector<GemmTile> tiles;
  if (o.force.bm > 0) {
    tiles.push_back(o.force);
  } else {
    tiles.assign(std::begin(kSimtTiles), std::end(kSimtTiles));
  }
  GemmPlan best;
  bool found = false;
  for (GemmTile t : tiles) {
    const std::vector<int> bks = t.bk > 0 ? std::vector<int>{t.bk} : BkChoices(p.dtype);
    for (int bk : bks) {
      t.bk = bk;
      int64_t tiles_mn = 0;
      for (int64_t m : p.ms) tiles_mn += CeilDiv(m, t.bm) * CeilDiv(p.n, t.bn);
      std::vector<int> splits = {1};
      if (o.split_k > 0) {
        splits = {o.split_k};
      } else if (tiles_mn < s.sms) {
        for (int sp : {2, 3, 4, 6, 8, 12, 16, 24, 32}) {
          if (tiles_mn * sp <= 2 * s.sms && CeilDiv(p.k, bk) >= 2 * sp) splits.push_back(sp);
        }
      }
      for (int sp : splits) {
        GemmPlan g;
        if (!EvaluateSimt(s, p, t, sp, g)) continue;
        if (!found || g.total_cycles < best.total_cycles) {  // ties keep the earlier candidate
          best = g;
          found = true;
        }
      }
    }
  }
  if (!found) {
    if (o.force.bm > 0) {
      const int bk = o.force.bk > 0 ? o.force.bk : BkChoices(p.dtype).back();
      throw std::invalid_argument(fmt::format(
          "--tile {}x{}x{}: does not fit {}: needs 2 stages of {} bytes of shared memory (has {:.0f}) and "
          "{} bytes of accumulators (half the register file is {:.0f}){}",
          o.force.bm, o.force.bn, bk, s.name, (o.force.bm + o.force.bn) * bk * DTypeBytes(p.dtype),
          s.smem_bytes_per_sm, 4 * o.force.bm * o.force.bn, 0.5 * s.regs_bytes_per_sm,
          o.split_k > 0 ? fmt::format(", with --split-k {} at most K/BK", o.split_k) : ""));
    }
    throw std::invalid_argument(fmt::format("--kernel gemm: no tile fits {}", s.name));
  }
  return best;
}

GemmPlan PlanStreamingGemv(const GpuSpec& s, int64_t m, int64_t n, int64_t k, DType t) {
  CheckProblem(GemmProblem{{m}, n, k, t});
  RequireDType(s, t);
  if (s.arch == Arch::kSystolic) return PlanSystolic(s, GemmProblem{{m}, n, k, t});
  const int b = DTypeBytes(t);
  const int bo = OutputBytes(t);
  GemmPlan g;
  g.algorithm = "streaming gemv";
  constexpr int64_t kRowsPerCta = 32;
  const int64_t ctas_n = CeilDiv(n, kRowsPerCta);
  int split = 1;
  if (ctas_n < s.sms) {
    split = static_cast<int>(std::min<int64_t>(CeilDiv(s.sms, ctas_n), std::max<int64_t>(1, k / 1024)));
  }
  g.split_k = split;
  g.tile = {static_cast<int>(std::min<int64_t>(m, 1 << 20)), static_cast<int>(kRowsPerCta), 0};
  g.tiles = ctas_n * split;
  const double active = static_cast<double>(std::min<int64_t>(g.tiles, s.sms));
  const double weights = static_cast<double>(n) * k * b;
  const double x = static_cast<double>(m) * k * b;
  const double y = static_cast<double>(m) * n * (split > 1 ? 4 * split : bo);
  g.hbm_bytes = weights + x + y;
  g.hbm_cycles = StreamCycles(s, g.hbm_bytes, active);
  g.flops = 2.0 * m * static_cast<double>(n) * k;
  g.padded_flops = g.flops;
  // CUDA cores, or the tensor cores with the rows padded to one matrix instruction.
  const double vector_rate = std::max(s.vector_flops_per_clk.Of(t), s.vector_flops_per_clk.fp32);
  const double tensor_rate = s.tensor_flops_per_clk.Of(t) * s.tensor_efficiency *
                             std::min(1.0, static_cast<double>(m) / s.min_mma_m);
  const double rate = std::max(t == DType::kFp8 ? 0.0 : vector_rate, tensor_rate);
  const double cta_cycles = g.flops / (rate * static_cast<double>(g.tiles));
  g.schedule = UniformSchedule(g.tiles, cta_cycles, s.sms);
  g.makespan_cycles = g.schedule.makespan_cycles + LatencyCycles(s);
  if (split > 1) {
    const double reduce_bytes = static_cast<double>(m) * n * (4.0 * split + bo);
    g.reduce_cycles = s.Cycles(s.sync_s) + StreamCycles(s, reduce_bytes, s.sms);
    g.hbm_bytes += reduce_bytes;
  }
  g.total_cycles = std::max(g.makespan_cycles, g.hbm_cycles) + g.reduce_cycles;
  g.l2_bytes = weights + x * static_cast<double>(ctas_n);
  const bool mem = g.hbm_cycles >= g.makespan_cycles;
  g.bound = mem ? "memory" : "compute";
  g.limiter = mem ? "HBM bandwidth" : (tensor_rate > vector_rate ? "tensor cores" : "CUDA cores");
  return g;
}

}  // namespace wafersim::gpu
