// Helpers the kernel models share: size checks, launch cost, and how plans are reported.
#include <stdexcept>

#include <fmt/format.h>

#include "gpu/kernels/kernels.h"

namespace wafersim::gpu {

void RequireSize(const std::string& kernel, const std::string& flag, int64_t v) {
  if (v == 0) throw std::invalid_argument(fmt::format("--kernel {} needs {} (a positive integer)", kernel, flag));
  if (v < 0) throw std::invalid_argument(fmt::format("{} {}: must be a positive integer", flag, v));
}

double LaunchCycles(const GpuSpec& s) { return s.Cycles(s.launch_s); }

std::string LinkName(const GpuSpec& s) {
  switch (s.topology) {
    case Topology::kSwitch: return "NVLink";
    case Topology::kFullMesh: return "Infinity Fabric links";
    case Topology::kTorus: return "ICI links";
  }
  return "links";
}

int RequireNodeGpus(const GpuSpec& s, const KernelParams& p, const std::string& kernel) {
  const int g = GpusFor(s, p);
  if (g < 2) {
    throw std::invalid_argument(fmt::format("--gpus {}: {} needs 2..{} GPUs (give --gpus, or use {}-x{})", g, kernel,
                                            s.gpus_per_node, s.name, s.gpus_per_node));
  }
  return g;
}

std::string Bytes(double b) {
  if (b >= 1e9) return fmt::format("{:.3g} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.3g} MB", b / 1e6);
  if (b >= 1e3) return fmt::format("{:.3g} KB", b / 1e3);
  return fmt::format("{:.0f} B", b);
}

void DescribeGemm(const GpuSpec& s, const GemmPlan& g, KernelResult& r, const std::string& prefix) {
  const std::string p = prefix.empty() ? "" : prefix + " ";
  nlohmann::json j = {{"algorithm", g.algorithm}, {"split_k", g.split_k},         {"tiles", g.tiles},
                      {"k_iters", g.k_iters},     {"tile_cycles", g.tile_cycles}, {"makespan_cycles", g.makespan_cycles},
                      {"hbm_cycles", g.hbm_cycles}, {"reduce_cycles", g.reduce_cycles},
                      {"padded_flops", g.padded_flops}, {"limiter", g.limiter}};
  if (g.algorithm == "tiled") {
    j["tile"] = {{"bm", g.tile.bm}, {"bn", g.tile.bn}, {"bk", g.tile.bk}, {"stages", g.stages}};
    j["waves"] = g.schedule.waves;
    j["full_waves"] = g.schedule.full_waves;
    j["wave_efficiency"] = g.schedule.Utilization(s.sms);
    j["iter_cycles"] = {{"mma", g.mma_cycles_per_iter},
                        {"l2", g.l2_cycles_per_iter},
                        {"latency", g.latency_cycles_per_iter},
                        {"iteration", g.iter_cycles}};
    r.details.emplace_back(p + "tile", fmt::format("{}x{}x{} (BMxBNxBK), {} stages, split-K {}", g.tile.bm, g.tile.bn,
                                                   g.tile.bk, g.stages, g.split_k));
    r.details.emplace_back(
        p + "waves", fmt::format("{} tiles over {} SMs = {:.2f} -> {} waves ({:.1f}% of SM time busy)", g.tiles, s.sms,
                                 g.schedule.waves, g.schedule.full_waves, 100 * g.schedule.Utilization(s.sms)));
    r.details.emplace_back(p + "per iteration",
                           fmt::format("{:.0f} cycles: matrix {:.0f}, L2 {:.0f}, latency {:.0f}; {} iterations a tile",
                                       g.iter_cycles, g.mma_cycles_per_iter, g.l2_cycles_per_iter,
                                       g.latency_cycles_per_iter, g.k_iters));
  } else if (g.algorithm == "systolic") {
    j["mxu_dim"] = s.mxu_dim;
    r.details.emplace_back(p + "MXU tiles", fmt::format("{} weight tiles of {}x{} on {} MXUs (padded flops {:.3g})",
                                                        g.tiles, s.mxu_dim, s.mxu_dim, s.mxus_per_core, g.padded_flops));
  } else {
    j["rows_per_cta"] = g.tile.bn;
    r.details.emplace_back(p + "kernel", fmt::format("streaming GEMV: {} CTAs of {} rows, split-K {}", g.tiles,
                                                     g.tile.bn, g.split_k));
  }
  r.details.emplace_back(p + "HBM time", fmt::format("{:.0f} cycles for {} vs {:.0f} cycles on the SMs",
                                                     g.hbm_cycles, Bytes(g.hbm_bytes), g.makespan_cycles));
  if (prefix.empty()) {
    r.extra["gemm"] = j;
  } else {
    r.extra[prefix] = j;
  }
}

void DescribeAttention(const GpuSpec& s, const AttentionPlan& a, KernelResult& r) {
  nlohmann::json j = {{"algorithm", a.algorithm},
                      {"ctas", a.ctas},
                      {"splits", a.splits},
                      {"block", {{"br", a.br}, {"bc", a.bc}, {"stages", a.stages}}},
                      {"block_cycles", a.block_cycles},
                      {"mma_cycles_per_block", a.mma_cycles_per_block},
                      {"softmax_cycles_per_block", a.softmax_cycles_per_block},
                      {"memory_cycles_per_block", a.l2_cycles_per_block},
                      {"makespan_cycles", a.makespan_cycles},
                      {"hbm_cycles", a.hbm_cycles},
                      {"combine_cycles", a.combine_cycles},
                      {"waves", a.schedule.waves},
                      {"sm_busy", a.schedule.Utilization(s.sms)}};
  r.extra["attention"] = j;
  if (a.algorithm == "flash prefill") {
    r.details.emplace_back("blocks", fmt::format("Br {} x Bc {}, {} stage(s); {} CTAs over {} SMs = {:.2f} waves "
                                                 "({:.1f}% of SM time busy)",
                                                 a.br, a.bc, a.stages, a.ctas, s.sms, a.schedule.waves,
                                                 100 * a.schedule.Utilization(s.sms)));
    r.details.emplace_back("per block", fmt::format("{:.0f} cycles: matrix {:.0f}, softmax {:.0f} ({:.0f}% hidden), "
                                                    "L2 {:.0f}",
                                                    a.block_cycles, a.mma_cycles_per_block, a.softmax_cycles_per_block,
                                                    100 * s.softmax_overlap, a.l2_cycles_per_block));
  } else {
    r.details.emplace_back("split-KV", fmt::format("{} chunks of {} keys per sequence; {} CTAs of {} query rows",
                                                   a.splits, a.bc, a.ctas, a.br));
    r.details.emplace_back("per CTA", fmt::format("{:.0f} cycles: KV stream {:.0f}, matrix {:.0f}, softmax {:.0f}; "
                                                  "combine pass {:.0f}",
                                                  a.block_cycles, a.l2_cycles_per_block, a.mma_cycles_per_block,
                                                  a.softmax_cycles_per_block, a.combine_cycles));
  }
  r.details.emplace_back("HBM time", fmt::format("{:.0f} cycles for {} vs {:.0f} cycles on the SMs", a.hbm_cycles,
                                                 Bytes(a.hbm_bytes), a.makespan_cycles));
}

}  // namespace wafersim::gpu
