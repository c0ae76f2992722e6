// What a mapper hands the runtime: a program per tile (code and data), the streams the host
// sends in at the mesh edge, where the results come out, the reference answer, and what the
// run should be measured against.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "isa/program.h"
#include "wavelet.h"

namespace wafersim::runtime {

/// One plan of a chain as the run reports it: its tiles store a cycle stamp per phase at
/// `stamps_addr` (`words` of them); the last, the latest over its tiles, is when it finished.
struct StageStamps {
  std::string label;  ///< "L3.attention"
  uint32_t stamps_addr = 0;
  int words = 0;
  std::vector<std::pair<int, int>> tiles;  ///< on the mesh
};

struct TileProgram {
  int x, y;
  isa::Program program;
};

/// Payloads the host sends into the mesh at an edge link, on one color, in order.
struct EdgeInput {
  int x, y;
  noc::Dir dir;
  int color;
  std::vector<uint32_t> payloads;
};

/// Results leaving the mesh at an edge link on one color: the first `count` payloads are
/// output elements offset, offset + 1, ... (binary32).
struct EdgeOutput {
  int x, y;
  noc::Dir dir;
  int color;
  size_t offset, count;
};

/// Results a kernel leaves in a tile's SRAM (where the next layer would use them): output
/// elements offset, offset + 1, ... are the binary32 words from byte `addr` on.
struct SramOutput {
  int x, y;
  uint32_t addr;
  size_t offset, count;
};

/// SRAM contents a run must leave in a tile (a cache the kernel appends to, say): `words`
/// from byte `addr` on, exactly; `name` says what they are in the failure message.
struct SramExpectation {
  int x, y;
  uint32_t addr;
  std::vector<uint32_t> words;
  std::string name;
};

/// Values a chained kernel leaves in SRAM along the way (each layer's output, kept where its
/// residual computed it), read after the run, and the check that judges each against its own
/// reference computed from the values before it as the fabric held them: a wrong result names
/// its layer, kernel and element, and the bounds stay those of one kernel, not of the whole
/// chain. `judge` gets the reads in order (elements offset ...) and the edge outputs, and
/// returns "" when right, else one line saying what is wrong.
struct ObservedCheck {
  std::vector<SramOutput> reads;
  size_t size = 0;
  std::function<std::string(const std::vector<float>& observed, const std::vector<double>& outputs)> judge;
  std::string what;  ///< appended to the report when right: what was checked
};

struct KernelMapping {
  std::string kernel;       ///< "gemv"
  std::string description;  ///< one line: the shape and the placement
  int region_width = 0, region_height = 0;
  std::vector<TileProgram> tiles;  ///< tiles without an entry run an empty program (halt)
  std::vector<EdgeInput> inputs;
  std::vector<EdgeOutput> outputs;
  size_t output_size = 0;
  std::vector<double> reference;  ///< the answer in double precision
  std::vector<double> tolerance;  ///< per element: the largest error binary32 arithmetic may make
  std::string output_name = "y";
  /// Each computing tile stores the cycle counter at the end of each phase (one word per
  /// phase, in order, at `stamps_addr`): the runtime reads them back for the phase breakdown.
  std::vector<std::string> phases;
  uint32_t stamps_addr = 0;
  std::vector<std::pair<int, int>> stamped_tiles;
  /// A chain's plans, in the order a token visits them, for the time line (empty otherwise).
  std::vector<StageStamps> stages;
  double flops = 0;                 ///< useful floating-point operations (2 per multiply-add)
  double compute_bound_cycles = 0;  ///< FLOPs over the region's multiply-add rate
  double macs_per_tile_cycle = 1;   ///< that rate per tile (1 binary32, SimdWidth binary16)
  double io_bound_cycles = 0;       ///< edge words over the edge links' bandwidth
  double estimated_cycles = 0;      ///< the mapper's own estimate of the run's cycles (0: it has none)
  uint32_t sram_bytes_per_tile = 0; ///< the most any tile needs
  nlohmann::json parameters;
  std::string report_line;  ///< one more line of the report, if any (MoE: tokens per expert, imbalance)
  std::vector<SramExpectation> sram_expected;  ///< checked after the run, besides the outputs
  std::vector<SramOutput> sram_outputs;       ///< read after the run, with the edge outputs
  ObservedCheck observed;                      ///< checked after the run (none without a judge)
};

}  // namespace wafersim::runtime
