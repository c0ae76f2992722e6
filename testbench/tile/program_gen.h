// Random PE programs that respect the ISA's rules (docs/isa.md), for lockstep testing: every
// instruction kind, descriptors and tensor operations over legal arrays, fabric streams,
// forward branches and bounded loops, data and control tasks, and sometimes a deliberate
// error at the end. Comes with the wavelets the harness must feed for the program to finish.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wavelet.h"

namespace wafersim::tb {

struct GeneratedProgram {
  std::string source;               ///< assembly text
  std::vector<noc::Wavelet> feed;   ///< wavelets for the tile's West link, in order per color
  bool expects_error = false;       ///< ends with an instruction that halts with an error
};

struct ProgramGenOptions {
  int body_min = 20;
  int body_max = 80;
  double task_probability = 0.5;
  double error_probability = 0.06;
};

GeneratedProgram GenerateProgram(uint64_t seed, const ProgramGenOptions& options = {});

}  // namespace wafersim::tb
