// gemm: C = A B as cuBLAS/CUTLASS run it (gemm_model.h). With a handful of rows (or columns)
// the streaming GEMV kernel is also considered and the faster one taken, as cuBLAS's heuristic
// dispatches M = 1 products to gemv. On a node (--gpus > 1) the product is column-parallel: each
// GPU computes N / gpus columns and no data moves (the all-reduce after a row-parallel layer is
// --kernel allreduce).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "gpu/kernel_registry.h"
#include "gpu/kernels/kernels.h"

namespace wafersim::gpu {

namespace {

constexpr int64_t kSkinny = 16;

KernelResult RunGemm(const GpuSpec& s, const KernelParams& p) {
  RequireSize("gemm", "--m", p.m);
  RequireSize("gemm", "--n", p.n);
  RequireSize("gemm", "--k", p.k);
  KernelResult r;
  r.gpus = GpusFor(s, p);
  const int64_t n_local = (p.n + r.gpus - 1) / r.gpus;
  GemmPlan g = PlanGemm(s, GemmProblem{{p.m}, n_local, p.k, p.dtype}, p.gemm);
  if (p.gemm.force.bm == 0 && p.gemm.split_k == 0 && s.arch == Arch::kSimt) {
    if (p.m <= kSkinny) {
      GemmPlan v = PlanStreamingGemv(s, p.m, n_local, p.k, p.dtype);
      if (v.total_cycles < g.total_cycles) g = v;
    } else if (n_local <= kSkinny) {
      GemmPlan v = PlanStreamingGemv(s, n_local, p.m, p.k, p.dtype);  // C^T = B^T A^T
      if (v.total_cycles < g.total_cycles) g = v;
    }
  }
  r.cycles = LaunchCycles(s) + g.total_cycles;
  r.flops = g.flops * r.gpus;
  r.hbm_bytes = g.hbm_bytes * r.gpus;
  r.l2_bytes = g.l2_bytes * r.gpus;
  r.bound = g.bound;
  r.limiter = g.limiter;
  r.details.emplace_back("shape", fmt::format("M {} x N {} x K {}, {}{}", p.m, p.n, p.k, DTypeName(p.dtype),
                                              r.gpus > 1 ? fmt::format(", column-parallel: N {} per GPU", n_local)
                                                         : ""));
  DescribeGemm(s, g, r);
  return r;
}

}  // namespace

double GemmFootprint(const GpuSpec& s, const KernelParams& p, int64_t m) {
  // A whole, B's and C's columns of this GPU.
  const double n_local = std::ceil(static_cast<double>(p.n) / GpusFor(s, p));
  const double mm = static_cast<double>(m), k = static_cast<double>(p.k);
  return (mm * k + k * n_local) * DTypeBytes(p.dtype) + mm * n_local * OutputBytes(p.dtype);
}

void RegisterGemm(KernelRegistry& reg) {
  reg.Add({"gemm", "tiled matrix product as cuBLAS/CUTLASS run it (tile choice, waves, split-K)",
           "--m --n --k [--dtype --tile BMxBNxBK --split-k S --gpus N]", RunGemm,
           [](const GpuSpec& s, const KernelParams& p) { return GemmFootprint(s, p, p.m); }});
}

}  // namespace wafersim::gpu
