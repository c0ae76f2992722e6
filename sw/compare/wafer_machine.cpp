#include "compare/wafer_machine.h"

#include <stdexcept>

namespace wafersim::compare {

int WaferMachine::Lanes(workload::DType dtype) const {
  return dtype == workload::DType::kFp32 ? 1 : config.simd_width;
}

double WaferMachine::EdgeBytesPerS() const {
  const double links = 2.0 * (config.width + config.height);
  return links * config.edge_wavelets_per_cycle * 4.0 * config.clock_hz;
}

double WaferMachine::StreamBytesPerS() const {
  return params.stream_bytes_per_s > 0 ? params.stream_bytes_per_s : EdgeBytesPerS();
}

double WaferMachine::SramBytesPerS() const {
  return static_cast<double>(Tiles()) * config.sram_banks * config.bank_width_bytes * config.clock_hz;
}

double WaferMachine::PeakFlops(workload::DType dtype) const {
  return static_cast<double>(Tiles()) * Lanes(dtype) * 2.0 * config.clock_hz;
}

void RequireWaferDType(workload::DType dtype) {
  if (dtype == workload::DType::kFp8) {
    throw std::invalid_argument("--dtype fp8: the wafer's tiles compute in binary16 and binary32 only (fp16, bf16, fp32)");
  }
}

}  // namespace wafersim::compare
