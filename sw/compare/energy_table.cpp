#include "compare/energy_table.h"

#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::compare {

namespace {

// Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm:
// fp16 add 0.4 pJ, fp16 multiply 1.1 pJ, fp32 add 0.9 pJ, fp32 multiply 3.7 pJ; a 64-bit read
// from an 8 KB SRAM 10 pJ, from a 1 MB SRAM 100 pJ. Both machines are 5 nm-class (WSE-3: TSMC
// 5 nm; H100: TSMC 4N); logic and SRAM energy are scaled by kNodeScale = 0.2 from 45 nm (supply
// 0.9 V -> ~0.75 V is 0.69x in V^2, switched capacitance ~0.3x): an assumption, stated once here.
constexpr double kNodeScale = 0.2;
const char* kHorowitz = "Horowitz ISSCC 2014 (45 nm)";

}  // namespace

EnergyTable EnergyTable::Default() {
  EnergyTable t;
  const std::string scaled = fmt::format("x {} for 5 nm (docs/energy.md)", kNodeScale);
  t.entries_ = {
      {"flop_fp16", (0.4 + 1.1) / 2 * kNodeScale, "FLOP",
       fmt::format("{}: fp16 add 0.4 + multiply 1.1 pJ per multiply-add (2 FLOPs), {}", kHorowitz, scaled)},
      {"flop_fp32", (0.9 + 3.7) / 2 * kNodeScale, "FLOP",
       fmt::format("{}: fp32 add 0.9 + multiply 3.7 pJ per multiply-add (2 FLOPs), {}", kHorowitz, scaled)},
      {"flop_fp8", (0.4 + 1.1) / 2 * kNodeScale / 2, "FLOP",
       "half of fp16 (assumed: the multiplier's energy falls with the mantissa's width squared, the adder's less)"},
      {"vector_op", (0.9 + 3.7) / 2 * kNodeScale, "op",
       "one fp32 arithmetic operation on the vector or scalar path, as flop_fp32"},
      {"sram_byte", 10.0 / 8 * kNodeScale, "byte",
       fmt::format("{}: 64-bit read of an 8 KB SRAM 10 pJ (a tile's 48 KB is 8 banks of 6 KB), {}", kHorowitz,
                   scaled)},
      {"l2_byte", 100.0 / 8 * kNodeScale, "byte",
       fmt::format("{}: 64-bit read of a 1 MB SRAM 100 pJ (an L2 slice; the wires across the die are not "
                   "counted, so this is low), {}",
                   kHorowitz, scaled)},
      {"hbm_byte", 3.9 * 8, "byte",
       "O'Connor et al., Fine-Grained DRAM, MICRO 2017: HBM2 3.9 pJ/bit (I/O and array; not scaled, HBM3 is "
       "similar)"},
      {"hop_byte", 0.3 * 8 * 0.227 + 2 * 10.0 / 8 * kNodeScale, "byte-hop",
       "one router hop of the wafer: a 0.227 mm wire (46,225 mm^2 / 893,064 tiles) at 0.3 pJ/bit/mm (assumed from "
       "Keckler et al., IEEE Micro 2011: 64 bits over 1 mm ~25 pJ at 40 nm; wires barely scale) plus an input "
       "buffer write and read at sram_byte each"},
      {"nvlink_byte", 2 * 5.5 * 8, "byte",
       "NVIDIA (Hot Chips 2022, NVLink-C2C vs SerDes): 5.5 pJ/bit per SerDes link; GPU -> NVSwitch -> GPU "
       "crosses two (the switch's core is not counted)"},
      {"wafer_link_byte", 2 * 5.5 * 8, "byte",
       "as nvlink_byte: wafer -> switch -> wafer over SerDes links at 5.5 pJ/bit each (assumed: no public "
       "figure for Cerebras's links)"},
      {"stream_byte", 3.9 * 8 + 2 * 5.5 * 8, "byte",
       "a weight streamed into the wafer: read from DRAM at HBM's 3.9 pJ/bit (optimistic: the external memory "
       "is DDR-class) plus two SerDes crossings at 5.5 pJ/bit"},
  };
  return t;
}

double EnergyTable::Pj(const std::string& key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return e.pj;
  }
  throw std::invalid_argument(fmt::format("energy table: no entry '{}'", key));
}

double EnergyTable::FlopPj(workload::DType dtype) const {
  switch (dtype) {
    case workload::DType::kFp32:
    case workload::DType::kTf32: return Pj("flop_fp32");
    case workload::DType::kFp8: return Pj("flop_fp8");
    case workload::DType::kFp16:
    case workload::DType::kBf16: return Pj("flop_fp16");
  }
  return Pj("flop_fp16");
}

void EnergyTable::Set(const std::string& key, double pj) {
  for (auto& e : entries_) {
    if (e.key == key) {
      e.pj = pj;
      return;
    }
  }
  throw std::invalid_argument(fmt::format("energy table: no entry '{}'", key));
}

EnergyBreakdown Energy(const OpCounts& c, const EnergyTable& t, workload::DType dtype) {
  EnergyBreakdown e;
  const std::pair<const char*, double> parts[] = {
      {"matrix_flops", c.matrix_flops * t.FlopPj(dtype)},
      {"vector_ops", c.vector_ops * t.Pj("vector_op")},
      {"sram_bytes", c.sram_bytes * t.Pj("sram_byte")},
      {"hop_bytes", c.hop_bytes * t.Pj("hop_byte")},
      {"wafer_link_bytes", c.wafer_link_bytes * t.Pj("wafer_link_byte")},
      {"stream_bytes", c.stream_bytes * t.Pj("stream_byte")},
      {"hbm_bytes", c.hbm_bytes * t.Pj("hbm_byte")},
      {"l2_bytes", c.l2_bytes * t.Pj("l2_byte")},
      {"nvlink_bytes", c.nvlink_bytes * t.Pj("nvlink_byte")},
  };
  for (const auto& [name, pj] : parts) {
    e.joules.emplace_back(name, pj * 1e-12);
    e.total_j += pj * 1e-12;
  }
  return e;
}

nlohmann::json EnergyTableJson(const EnergyTable& table) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : table.Entries()) {
    j.push_back({{"key", e.key}, {"pj", e.pj}, {"unit", e.unit}, {"source", e.source}});
  }
  return j;
}

}  // namespace wafersim::compare
