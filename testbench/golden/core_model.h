// The PE core's instruction-set reference model (docs/isa.md): functional, with the task
// model, descriptors and the tensor operations. It is the golden model the RTL core runs in
// lockstep against: it executes one instruction (or one task dispatch) per Step and has no
// notion of cycles beyond the counter the harness gives it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "isa/isa.h"
#include "isa/program.h"
#include "wavelet.h"

namespace wafersim::golden {

struct CoreConfig {
  int imem_words = isa::kDefaultImemWords;
  int sram_bytes = isa::kDefaultSramBytes;
  int simd_width = 4;  ///< f16 elements per tensor step (lanes of a reduction)
  int colors = 8;      ///< colors the tile implements (send, recv and fabric streams)
  int x = 0, y = 0;
};

struct Descriptor {
  bool fabric = false;
  bool out = false;
  bool f16 = false;
  uint32_t base = 0;   // array: byte address
  uint8_t color = 0;   // fabric
  uint16_t len = 0;
  int16_t stride = 0;  // array: elements
  bool operator==(const Descriptor&) const = default;
};

struct TaskEntry {
  uint16_t entry = 0;
  uint8_t color = 0;
  bool control = false;
  bool bound = false;
  bool active = false;
  bool blocked = false;
  bool operator==(const TaskEntry&) const = default;
};

/// A store the core made, for comparing against another implementation.
struct MemWrite {
  uint32_t addr;
  uint32_t bytes;  // 2 or 4
  uint32_t value;
  bool operator==(const MemWrite&) const = default;
};

class CoreModel {
 public:
  enum class State { Running, Dispatch, Halted };
  enum class StepResult {
    Retired,     ///< one instruction executed
    Dispatched,  ///< a task was started
    Blocked,     ///< the next instruction waits for the fabric (nothing changed)
    Idle,        ///< no task is ready (nothing changed)
    Halted,      ///< the core has halted (by halt or an error)
  };

  CoreModel(const CoreConfig& config, const isa::Program& program);

  /// A wavelet reaching the core from the router: control wavelets activate a task,
  /// others join their color's receive queue.
  void Deliver(const noc::Wavelet& w);
  StepResult Step();

  // Where the core's sends and route writes go (default: dropped).
  std::function<void(const noc::Wavelet&)> on_send;
  std::function<void(int color, int sel, uint32_t data)> on_route_write;
  std::function<void(const MemWrite&)> on_mem_write;

  // Architectural state.
  uint32_t Pc() const { return pc_; }
  uint32_t Reg(int i) const { return regs_[i]; }
  const std::array<uint32_t, isa::kNumRegs>& Regs() const { return regs_; }
  const Descriptor& Desc(int i) const { return descs_[i]; }
  const TaskEntry& Task(int i) const { return tasks_[i]; }
  int CurrentTask() const { return current_; }
  State GetState() const { return state_; }
  int Error() const { return err_; }
  uint64_t Instret() const { return instret_; }
  uint32_t TaskData() const { return taskdata_; }
  const std::vector<uint8_t>& Sram() const { return sram_; }
  std::vector<uint8_t>& Sram() { return sram_; }
  size_t Waiting(int color) const { return queues_[color].size(); }
  /// The cycle counter CSRs read (the harness keeps it in step with its clock).
  void SetCycle(uint64_t c) { cycle_ = c; }
  void SetStalls(uint32_t s) { stalls_ = s; }
  std::string DescribeError() const;

 private:
  StepResult Execute(uint32_t word);
  StepResult Tensor(const isa::Instr& in);
  StepResult Halt(int err);
  bool Dispatch();
  bool OwnedByDataTask(int color) const;
  // Element access; false on an error (err_ set).
  bool ReadMem(uint32_t addr, int bytes, uint32_t& value);
  bool WriteMem(uint32_t addr, int bytes, uint32_t value);
  bool ArrayAddr(const Descriptor& d, uint32_t i, uint32_t& addr);
  void WriteReg(int rd, uint32_t v) {
    if (rd != 0) regs_[rd] = v;
  }

  CoreConfig cfg_;
  std::vector<uint32_t> imem_;
  std::vector<uint8_t> sram_;
  std::array<uint32_t, isa::kNumRegs> regs_{};
  std::array<Descriptor, isa::kNumDescs> descs_{};
  std::array<TaskEntry, isa::kNumTasks> tasks_{};
  std::array<std::deque<uint32_t>, 32> queues_;
  uint32_t pc_ = 0;
  int current_ = isa::kMainTask;
  State state_ = State::Running;
  int err_ = isa::kErrNone;
  uint32_t err_pc_ = 0;
  uint32_t taskdata_ = 0;
  uint64_t instret_ = 0;
  uint64_t cycle_ = 0;
  uint32_t stalls_ = 0;
};

}  // namespace wafersim::golden
