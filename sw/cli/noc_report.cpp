#include "cli/noc_report.h"

#include <fmt/format.h>

#include "io/file_io.h"

namespace wafersim::cli {

std::string DescribeNocConfig(const noc::NocConfig& c) {
  return fmt::format("{}x{} mesh of {} routers, {} traffic, {}-flit packets, {} dynamic colors x "
                     "{}-deep buffers, {} cycles ({} warmup), seed {}",
                     c.width, c.height, c.routers == noc::RouterModel::Rtl ? "RTL" : "fast", c.traffic, c.packet_flits, c.vcs, c.buffer_depth, c.cycles,
                     c.warmup, c.seed);
}

void PrintNocResult(const noc::NocConfig& c, const noc::NocResult& r) {
  const double router_cycles = static_cast<double>(r.cycles_simulated) * c.width * c.height;
  fmt::print("wafersim noc: {}\n", DescribeNocConfig(c));
  fmt::print("  offered rate      {:.4f} flits/node/cycle (requested {:.4f})\n", r.offered_rate, r.rate);
  fmt::print("  accepted rate     {:.4f} flits/node/cycle\n", r.accepted_rate);
  fmt::print("  avg latency       {:.2f} cycles, creation to tail delivery (network only {:.2f})\n",
             r.avg_latency_cycles, r.avg_network_latency_cycles);
  fmt::print("  p99 latency       {:.0f} cycles (max {:.0f})\n", r.p99_latency_cycles, r.max_latency_cycles);
  fmt::print("  avg hops          {:.3f}\n", r.avg_hops);
  fmt::print("  packets           {} delivered of {} measured{}\n", r.packets, r.packets_measured,
             r.interrupted ? "  interrupted (Ctrl-C): the figures so far, not judged stable or not"
             : r.stable    ? ""
                           : "  UNSTABLE: past saturation (accepted < offered or packets still queued)");
  fmt::print("  simulated         {} cycles in {:.2f} s ({:.0f} cycles/s, {:.0f} router-cycles/s)\n",
             r.cycles_simulated, r.wall_seconds, r.cycles_simulated / r.wall_seconds,
             router_cycles / r.wall_seconds);
}

void PrintNocSweep(const noc::NocConfig& c, const std::vector<noc::NocResult>& rs) {
  fmt::print("wafersim noc sweep: {}\n", DescribeNocConfig(c));
  fmt::print("  {:>7} {:>9} {:>9} {:>10} {:>9} {:>8} {:>9}  {}\n", "rate", "offered", "accepted",
             "avg_lat", "p99_lat", "hops", "packets", "");
  for (const auto& r : rs) {
    fmt::print("  {:>7.3f} {:>9.4f} {:>9.4f} {:>10.2f} {:>9.0f} {:>8.3f} {:>9}  {}\n", r.rate,
               r.offered_rate, r.accepted_rate, r.avg_latency_cycles, r.p99_latency_cycles,
               r.avg_hops, r.packets,
               r.interrupted ? "interrupted (Ctrl-C): so far" : r.stable ? "" : "unstable (past saturation)");
  }
}

nlohmann::json NocConfigJson(const noc::NocConfig& c) {
  return {{"routers", noc::RouterModelName(c.routers)},
          {"mesh", fmt::format("{}x{}", c.width, c.height)},
          {"traffic", c.traffic},
          {"packet_flits", c.packet_flits},
          {"vcs", c.vcs},
          {"buf", c.buffer_depth},
          {"cycles", c.cycles},
          {"warmup", c.warmup},
          {"seed", c.seed},
          {"routing", "dimension-ordered X then Y, wormhole"},
          {"latency_definition", "packet creation (source queueing included) to tail delivery"}};
}

nlohmann::json NocResultJson(const noc::NocResult& r) {
  return {{"rate", r.rate},
          {"offered_rate", r.offered_rate},
          {"accepted_rate", r.accepted_rate},
          {"avg_latency_cycles", r.avg_latency_cycles},
          {"p99_latency_cycles", r.p99_latency_cycles},
          {"max_latency_cycles", r.max_latency_cycles},
          {"avg_network_latency_cycles", r.avg_network_latency_cycles},
          {"avg_hops", r.avg_hops},
          {"packets", r.packets},
          {"packets_measured", r.packets_measured},
          {"stable", r.stable},
          {"interrupted", r.interrupted},
          {"cycles_simulated", r.cycles_simulated},
          {"wall_seconds", r.wall_seconds},
          {"skipped_eval_fraction", r.skipped_eval_fraction},
          {"tag_waits", r.tag_waits}};
}

void WriteJson(const std::string& path, const nlohmann::json& j, const std::string& flag) {
  io::WriteFileAtomic(path, j.dump(2) + "\n", flag);
}

}  // namespace wafersim::cli
