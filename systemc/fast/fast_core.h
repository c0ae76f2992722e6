// The fast model of the PE core (rtl/tile/pe_core.sv), cycle-exact: the same five states
// (Exec, LoadWait, Tensor, Dispatch, Halted), receive queues per color, send credits, task
// table and scheduler, operand checks, SRAM bank requests and errors. Evaluate computes the
// cycle's outputs and decisions from the registers and the inputs (the RTL's combinational
// logic); Update commits them (its clock edge). The tensor datapath is FastTensor.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "fast_core_program.h"
#include "fast_tensor.h"
#include "sram_banks.h"
#include "tensor_replay.h"

namespace wafersim::fabric {

inline constexpr int kFastMaxRxDepth = 16;

/// The core's parameters (pe_core's, plus the tile's coordinates and credit strap).
struct FastCoreParams {
  int colors = 8;           ///< receive queues and send colors (up to kFastMaxColors)
  int rx_depth = 4;         ///< receive-queue depth: the router's buffer depth (up to kFastMaxRxDepth)
  int banks = 8;
  int read_latency = 1;
  int lanes = 4;            ///< SimdWidth
  int sram_bytes = 49152;
  int imem_words = 4096;    ///< a power of two
};

/// What the core drives onto the router's Local port in a cycle.
struct CoreToRouter {
  uint64_t tx_flit = 0;     ///< mesh_pkg::flit_t
  bool tx_valid = false;
  uint32_t rx_credits = 0;  ///< per color: a wavelet taken from the router
  bool cfg_valid = false;
  uint8_t cfg_color = 0;
  uint8_t cfg_sel = 0;
  uint16_t cfg_data = 0;
};

class FastCore {
 public:
  enum class State : uint8_t { kExec, kLoadWait, kTensor, kDispatch, kHalted };

  explicit FastCore(const FastCoreParams& params);

  /// The RTL's reset: every register cleared, straps sampled.
  void Reset(int x, int y, int tx_credits);
  void SetProgram(std::shared_ptr<const DecodedProgram> program) { program_ = std::move(program); }

  /// The cycle's outputs: `rx_valid`/`rx_flit` is the router's Local output register, the
  /// banks' grants and read data come from `sram`; bank requests go to `req` (their mask is
  /// returned by RequestMask()).
  const CoreToRouter& Evaluate(bool rx_valid, uint64_t rx_flit, const SramBanks& sram, BankRequest* req);
  /// The clock edge; `tx_credits` are the router's credits back for the Local input.
  void Update(uint32_t tx_credits);

  // The RTL core's status and trace outputs for the cycle last evaluated (registers until
  // the next Update).
  bool Halted() const { return state_ == State::kHalted; }
  int Error() const { return err_; }
  bool Idle() const { return idle_; }
  bool Retired() const { return d_.retire; }
  uint16_t RetirePc() const { return pc_; }
  bool Dispatched() const { return d_.dispatch; }
  int Task() const { return current_; }
  uint16_t Pc() const { return pc_; }
  uint32_t Reg(int i) const { return regs_[i]; }
  bool Stalled() const { return d_.stall; }
  int Wait() const { return d_.wait; }
  int WaitColor() const { return d_.wait_color; }
  uint32_t RequestMask() const { return d_.req_mask; }
  State CoreState() const { return state_; }
  uint64_t CycleCount() const { return cycle_; }
  /// A hash of every register and of the last cycle's decisions, but the cycle and stall
  /// counters: equal after two cycles with the same inputs means the core (and its tensor
  /// datapath) stands still, waiting.
  uint64_t StillHash() const;
  /// `cycles` more cycles standing still: the counters move as they would.
  void SkipStill(uint64_t cycles) {
    cycle_ += cycles;
    if (d_.stall) stalls_ += static_cast<uint32_t>(cycles);
  }
  /// Closed tensor operations run ahead and are replayed (TensorReplay); on by default.
  /// Off, every operation steps the datapath cycle by cycle (the lockstep tests compare both).
  void SetRunAhead(bool on) { run_ahead_ = on; }
  /// A replay shows the bank requests of each cycle (RequestMask and the request array), as
  /// stepping would; for lockstep harnesses, at the cost of keeping them.
  void SetShowReplayRequests(bool on) { replay_.SetKeepRequests(on); }
  /// A closed tensor operation started at the last clock edge: RunAhead must run it now,
  /// after the banks took that cycle's edge.
  bool RunAheadDue() const { return run_ahead_due_; }
  void RunAhead(SramBanks& sram) {
    replay_.Record(tensor_, sram);
    run_ahead_due_ = false;
    ++run_aheads_;
  }
  /// Tensor operations run ahead since the reset, and of them those timed by the memo.
  uint64_t RunAheads() const { return run_aheads_; }
  uint64_t MemoTimed() const { return replay_.MemoHits(); }
  /// Replaying a closed operation: the banks are already past its end, so the tile gives
  /// them no edge until it is done; its bank requests are not shown (RequestMask is 0)
  /// unless SetShowReplayRequests.
  bool Replaying() const { return state_ == State::kTensor && replay_.Active(); }
  /// The replay's next cycle is not its last: with quiet inputs the tile may sit it out.
  bool ReplayCanSkip() const { return Replaying() && !replay_.DoneNow(); }
  /// Cycles the replay can still sit out before its last one.
  uint32_t ReplaySkippable() const { return Replaying() ? replay_.Length() - 1 - replay_.Position() : 0; }
  /// One replayed cycle sat out (not the last), its outputs shown as Evaluate would show
  /// them (requests into `req` when shown); returns whether it stalled.
  bool SkipReplayCycle(BankRequest* req);
  /// The replayed cycle before the current one stalled.
  bool ReplayStalledBefore() const { return replay_.StalledBefore(); }
  /// `cycles` replayed cycles sat out (not the last); returns how many of them stalled.
  uint32_t SkipReplay(uint32_t cycles) {
    const uint32_t stalls = replay_.Advance(cycles);
    cycle_ += cycles;
    stalls_ += stalls;
    return stalls;
  }
  uint32_t Instret() const { return instret_; }
  uint32_t Stalls() const { return stalls_; }
  /// Wavelets waiting in the receive queues, per color.
  uint32_t RxNonEmpty() const { return rx_valid_; }

 private:
  struct RxQueue {
    uint8_t head, count;
  };
  /// The cycle's combinational decisions, from Evaluate for Update.
  struct Decisions {
    State state_d;
    uint16_t pc_d;
    bool retire, wr_en, stall, dispatch, desc_we, t_start, load_start, s_send;
    uint8_t wr_rd, err_now, wait, wait_color, sched_task;
    bool sched_has_wavelet;
    uint32_t wr_data;
    uint32_t rx_pop;
    uint32_t req_mask;
    uint8_t tx_color;  // the color a sent wavelet used (tx_valid)
    bool tx_valid;
    bool rx_ctrl, rx_push;
    uint8_t rx_color;
    uint32_t rx_data;
    Descriptor desc_new;
  };

  void Exec(const DecodedInstr& in, const SramBanks& sram, BankRequest* req);
  /// A replayed cycle's outputs, as stepping would show them: its stall and wait (never on the
  /// fabric), and its bank requests when they are kept (into `req`).
  void ShowReplayedCycle(BankRequest* req);
  uint8_t TensorError(uint8_t fn, const Descriptor& a, const Descriptor& b, const Descriptor& d) const;
  uint8_t ArrayError(const Descriptor& d, uint32_t n, int64_t lo, int64_t hi) const;
  bool Owned(uint32_t color) const;
  uint32_t OwnedMask() const;
  uint32_t Csr(uint32_t n) const;
  void Schedule(bool& found, uint8_t& task, bool& has_wavelet) const;

  // Parameters.
  FastCoreParams p_;
  std::shared_ptr<const DecodedProgram> program_;

  // Registers.
  State state_ = State::kExec;
  uint16_t pc_ = 0;
  std::array<uint32_t, 16> regs_{};
  std::array<Descriptor, 8> desc_{};
  std::array<uint16_t, 16> task_entry_{};
  std::array<uint8_t, 16> task_color_{};
  uint16_t task_ctrl_ = 0, task_bound_ = 0, task_active_ = 0, task_blocked_ = 0;
  uint8_t current_ = 16;
  uint32_t taskdata_ = 0;
  uint8_t err_ = 0;
  uint64_t cycle_ = 0;
  uint32_t instret_ = 0, stalls_ = 0;
  uint8_t ld_wait_ = 0, ld_rd_ = 0, ld_bank_ = 0;
  bool ld_half_ = false, ld_upper_ = false;
  uint8_t ld_pending_bank_ = 0;  // a load served this cycle: its bank and half, for Update
  bool ld_pending_upper_ = false;
  uint8_t t_rd_ = 0;
  uint16_t x_ = 0, y_ = 0;
  std::array<uint8_t, kFastMaxColors> tx_cred_{};
  uint32_t tx_ready_ = 0;  // per color: a send credit left
  std::array<RxQueue, kFastMaxColors> rxq_{};
  std::unique_ptr<uint32_t[]> rx_data_;             // [color][rx_depth] queued payloads
  std::array<uint32_t, kFastMaxColors> rx_head_{};  // each queue's head wavelet
  uint32_t rx_valid_ = 0;                           // per color: the queue holds a wavelet

  // This cycle.
  Decisions d_{};
  CoreToRouter out_;
  bool idle_ = false;

  bool run_ahead_ = true, run_ahead_due_ = false;

  // Last: the replay and the datapath (1 KB) are cold in every cycle outside a tensor
  // operation (the state, checked first, says so).
  TensorReplay replay_;
  uint64_t run_aheads_ = 0;
  FastTensor tensor_;
};

}  // namespace wafersim::fabric
