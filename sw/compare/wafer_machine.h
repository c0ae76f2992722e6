// The wafer as the compare model sees it: the fabric configuration (systemc/fabric_config.h:
// tiles, SRAM per tile, lanes, clock, edge links) and the modelling parameters that are not in
// it, each documented once here with its default, unit and source.
#pragma once

#include <cstdint>
#include <string>

#include "fabric_config.h"
#include "workload/dtype.h"

namespace wafersim::compare {

struct WaferParams {
  /// Share of a tile's SRAM that may hold weights and KV cache; the rest holds the input piece,
  /// the partial sums, stamps and buffers. Measured: the largest binary32 GEMV block that maps,
  /// 107 x 107 on 8x8 tiles, uses 45,796 of 49,152 bytes (docs/mapping.md): 0.93.
  double sram_usable_fraction = 0.93;
  /// Cycles per router hop (docs/validation.md: zero-load latency is two cycles per hop).
  double hop_cycles = 2;
  /// Cycles for one exponential on a tile: the ISA has none (docs/isa.md), so it is a short
  /// polynomial on the scalar FPU; assumed.
  double exp_cycles = 20;
  /// Between the wafers of a layer pipeline, bytes/s each way: a CS-3 system's 12 x 100 GbE
  /// (1.2 Tb/s, Cerebras's published system I/O); assumed to link neighbouring wafers.
  double wafer_link_bytes_per_s = 150e9;
  /// Latency of one transfer between wafers, s (switch and SerDes; assumed).
  double wafer_link_latency_s = 2e-6;
  /// Bytes/s at which weights stream into the wafer; 0: the fabric's edge bandwidth (every edge
  /// link at edge.wavelets_per_cycle, 4 payload bytes per wavelet, at clock.hz).
  double stream_bytes_per_s = 0;
};

/// The fabric configuration with what the model derives from it.
struct WaferMachine {
  fabric::FabricConfig config;
  WaferParams params;

  int64_t Tiles() const { return config.Tiles(); }
  double ClockHz() const { return config.clock_hz; }
  /// Multiply-adds per tile per cycle: tile.simd_width for 2-byte formats (the binary16 path),
  /// 1 for binary32 (docs/isa.md, "Lanes").
  int Lanes(workload::DType dtype) const;
  double UsableBytesPerTile() const { return config.sram_bytes * params.sram_usable_fraction; }
  double UsableBytes() const { return UsableBytesPerTile() * static_cast<double>(Tiles()); }
  /// Edge links (one per tile side on the rim) x wavelets per cycle x 4 bytes x clock.
  double EdgeBytesPerS() const;
  double StreamBytesPerS() const;
  /// Every tile's banks at one access per cycle: the SRAM bandwidth.
  double SramBytesPerS() const;
  double PeakFlops(workload::DType dtype) const;
};

/// Throws std::invalid_argument "--dtype fp8: the wafer's tiles compute in binary16 and binary32
/// only" for a format the tile has no path for.
void RequireWaferDType(workload::DType dtype);

}  // namespace wafersim::compare
