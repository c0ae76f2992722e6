#include "tile/lockstep.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "isa/isa.h"

namespace wafersim::tb {

namespace {
golden::CoreConfig ModelConfig(const TileBenchConfig& t) {
  golden::CoreConfig c;
  c.x = t.x;
  c.y = t.y;
  c.sram_bytes = t.sram.bytes;
  return c;
}
}  // namespace

Lockstep::Lockstep(const isa::Program& program, const TileBenchConfig& tile)
    : program_(program), bench_(tile), model_(ModelConfig(tile), program) {
  bench_.Load(program);
  model_.on_send = [this](const noc::Wavelet& w) { model_sent_.push_back(w); };
}

void Lockstep::Diverge(const std::string& what) const {
  const uint32_t pc = static_cast<uint32_t>(last_pc_);
  const std::string instr = pc < program_.code.size() ? isa::Disassemble(program_.code[pc], pc) : "?";
  throw std::runtime_error(fmt::format("lockstep divergence at cycle {}, pc {} ({}): {}",
                                       bench_.Last().cycle, pc, instr, what));
}

void Lockstep::Compare(const char* after) {
  for (int i = 0; i < isa::kNumRegs; ++i) {
    if (bench_.Reg(i) != model_.Reg(i)) {
      Diverge(fmt::format("after {}: r{} is 0x{:08x} in RTL, 0x{:08x} in the model", after, i,
                          bench_.Reg(i), model_.Reg(i)));
    }
  }
  if (bench_.Pc() != model_.Pc() && !bench_.Halted()) {
    Diverge(fmt::format("after {}: pc is {} in RTL, {} in the model", after, bench_.Pc(), model_.Pc()));
  }
  const auto& a = bench_.Sram().Bytes();
  const auto& b = model_.Sram();
  if (std::memcmp(a.data(), b.data(), a.size()) != 0) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) {
        Diverge(fmt::format("after {}: SRAM byte 0x{:04x} is 0x{:02x} in RTL, 0x{:02x} in the model",
                            after, i, a[i], b[i]));
      }
    }
  }
}

void Lockstep::Arrived(int link, const noc::Wavelet& w) {
  out_[link].push_back(w);
  arrivals_.push_back(w);
}

LockstepStats Lockstep::Run(uint64_t max_cycles, uint64_t idle_limit) {
  LockstepStats st;
  uint64_t idle = 0;
  for (uint64_t c = 0; c < max_cycles; ++c) {
    for (int d = 0; d < 4; ++d) {
      auto& q = feed_[d];
      if (!q.empty() && bench_.Link(static_cast<noc::Dir>(d)).CanSend(q.front().color)) {
        bench_.Link(static_cast<noc::Dir>(d)).Send(q.front());
        q.pop_front();
      }
    }
    const bool was_halted = bench_.Halted();
    bench_.Step();
    const auto& ev = bench_.Last();
    st.stall_cycles += ev.stalled;
    for (int d = 0; d < 4; ++d) {
      if (const auto& w = bench_.Link(static_cast<noc::Dir>(d)).Received()) Arrived(d, *w);
    }
    if (ev.dispatched) {
      const auto r = model_.Step();
      if (r != golden::CoreModel::StepResult::Dispatched) {
        Diverge("the RTL dispatched a task, the model did not");
      }
      if (model_.CurrentTask() != bench_.Task()) {
        Diverge(fmt::format("the RTL started task {}, the model task {}", bench_.Task(), model_.CurrentTask()));
      }
      ++st.dispatches;
      Compare("dispatch");
    }
    if (ev.retired) {
      last_pc_ = ev.retire_pc;
      if (model_.Pc() != ev.retire_pc) {
        Diverge(fmt::format("the RTL retired pc {}, the model is at pc {}", ev.retire_pc, model_.Pc()));
      }
      model_.SetCycle(ev.cycle);
      const auto r = model_.Step();
      using R = golden::CoreModel::StepResult;
      if (r != R::Retired && r != R::Halted) {
        Diverge(r == R::Blocked ? "the RTL retired an instruction the model finds blocked"
                                : "the RTL retired an instruction the model did not run");
      }
      if (model_.Error() != 0) Diverge(fmt::format("the model halted with {}", model_.DescribeError()));
      ++st.retired;
      Compare("retire");
    }
    if (bench_.Halted() && !was_halted && !ev.retired) {
      // Halted by an error: the model must stop on the same instruction with the same error.
      last_pc_ = bench_.Pc();
      const auto r = model_.Step();
      if (r != golden::CoreModel::StepResult::Halted || model_.Error() != bench_.Error()) {
        Diverge(fmt::format("the RTL halted with error {}, the model with {} ({})", bench_.Error(),
                            model_.Error(), model_.DescribeError()));
      }
    }
    if (ev.core_rx) model_.Deliver(*ev.core_rx);
    if (!bench_.RouterErrors().empty()) Diverge("router error: " + bench_.RouterErrors());
    bool feeding = false;
    for (const auto& q : feed_) feeding |= !q.empty();
    idle = (bench_.Idle() && !feeding) ? idle + 1 : 0;
    if (bench_.Halted() || idle >= idle_limit) break;
  }
  st.cycles = bench_.Cycle();
  st.halted = bench_.Halted();
  st.error = bench_.Error();
  // Let wavelets already sent drain to the links, then compare them per color.
  for (int k = 0; k < 64; ++k) {
    bench_.Step();
    for (int d = 0; d < 4; ++d) {
      if (const auto& w = bench_.Link(static_cast<noc::Dir>(d)).Received()) Arrived(d, *w);
    }
  }
  // Per color, each wavelet's payload with its control, head and tail bits: a packet bit
  // the core got wrong changes the wavelet even where a static route ignores it.
  auto key = [](const noc::Wavelet& w) {
    return uint64_t{w.data} | uint64_t{w.ctrl} << 32 | uint64_t{w.head} << 33 | uint64_t{w.tail} << 34;
  };
  std::map<int, std::vector<uint64_t>> rtl_sent, model_sent;
  for (const auto& w : arrivals_) rtl_sent[w.color].push_back(key(w));
  for (const auto& w : model_sent_) model_sent[w.color].push_back(key(w));
  if (rtl_sent != model_sent) {
    std::string detail;
    for (int c = 0; c < 32; ++c) {
      const auto& r = rtl_sent[c];
      const auto& m = model_sent[c];
      if (r == m) continue;
      if (r.size() != m.size()) {
        detail = fmt::format("color {}: RTL sent {} wavelets, the model {}", c, r.size(), m.size());
      } else {
        const size_t i = static_cast<size_t>(std::mismatch(r.begin(), r.end(), m.begin()).first - r.begin());
        detail = fmt::format("color {}, wavelet {}: RTL 0x{:09x}, the model 0x{:09x} (tail, head, ctrl, payload)",
                             c, i, r[i], m[i]);
      }
      break;
    }
    Diverge("sent wavelets differ: " + detail);
  }
  return st;
}

}  // namespace wafersim::tb
