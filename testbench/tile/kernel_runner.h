// Runs a PE program from firmware/kernels on the RTL tile, in lockstep with the reference
// model: inputs written at the program's symbols before it starts, outputs read back.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "asm/assembler.h"
#include "isa/fp.h"
#include "tile/lockstep.h"

#ifndef WAFERSIM_FIRMWARE_DIR
#error "WAFERSIM_FIRMWARE_DIR must name firmware/kernels"
#endif

namespace wafersim::tb {

class KernelRun {
 public:
  explicit KernelRun(const std::string& kernel)
      : program_(assembler::AssembleFile(std::string(WAFERSIM_FIRMWARE_DIR) + "/" + kernel + ".s")),
        ls_(std::make_unique<Lockstep>(program_, TileBenchConfig{})) {}

  void Word(const std::string& sym, uint32_t v, uint32_t index = 0) {
    const uint32_t addr = program_.Address(sym) + 4 * index;
    std::memcpy(ls_->Bench().Sram().Bytes().data() + addr, &v, 4);
    std::memcpy(ls_->Model().Sram().data() + addr, &v, 4);
  }
  void Float(const std::string& sym, float f, uint32_t index = 0) { Word(sym, isa::AsBits(f), index); }
  void Floats(const std::string& sym, const std::vector<float>& v) {
    for (size_t i = 0; i < v.size(); ++i) Float(sym, v[i], static_cast<uint32_t>(i));
  }
  void Halves(const std::string& sym, const std::vector<float>& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      const uint16_t h = isa::F32ToF16(isa::AsBits(v[i]));
      const uint32_t addr = program_.Address(sym) + 2 * static_cast<uint32_t>(i);
      std::memcpy(ls_->Bench().Sram().Bytes().data() + addr, &h, 2);
      std::memcpy(ls_->Model().Sram().data() + addr, &h, 2);
    }
  }
  float ReadFloat(const std::string& sym, uint32_t index = 0) const {
    uint32_t v;
    std::memcpy(&v, ls_->Bench().Sram().Bytes().data() + program_.Address(sym) + 4 * index, 4);
    return isa::AsFloat(v);
  }
  Lockstep& Ls() { return *ls_; }
  LockstepStats Run(uint64_t max_cycles = 2'000'000) { return stats_ = ls_->Run(max_cycles); }
  const LockstepStats& Stats() const { return stats_; }

 private:
  isa::Program program_;
  std::unique_ptr<Lockstep> ls_;
  LockstepStats stats_;
};

}  // namespace wafersim::tb
