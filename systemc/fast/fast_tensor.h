// The fast model of the PE's tensor datapath (rtl/tile/pe_tensor.sv), cycle-exact: the same
// step buffer of ReadLatency + 2 entries, issue stage, delay line of reads in flight, write
// stage with E lanes and the lane combination of reductions, each computed from the same
// registers in Evaluate and committed in Update. Idle (no operation) costs nothing.
#pragma once

#include <array>
#include <cstdint>

#include "sram_banks.h"

namespace wafersim::fabric {

/// Limits of the fast core's fixed-size state.
inline constexpr int kFastMaxLanes = 8;
inline constexpr int kFastMaxBanks = 16;
inline constexpr int kFastMaxReadLatency = 4;
inline constexpr int kFastMaxColors = 24;

/// A descriptor register (pe_pkg::DescW, unpacked).
struct Descriptor {
  uint32_t base = 0;
  uint16_t len = 0;
  uint16_t stride = 0;  ///< elements, two's complement
  uint8_t color = 0;
  bool f16 = false;
  bool out = false;
  bool fabric = false;
};

struct FastTensorParams {
  int lanes = 4;         ///< SimdWidth: E of the f16 path
  int banks = 8;         ///< a power of two
  int read_latency = 1;  ///< cycles from a served read to its data
};

/// What the datapath drives in a cycle (pe_tensor's outputs), valid after Evaluate.
struct TensorOutputs {
  bool done = false;
  uint32_t result = 0;
  bool stall = false;
  uint8_t wait = 0;        ///< pe_pkg::Wait*
  uint8_t wait_color = 0;
  uint32_t rx_pop = 0;     ///< per color
  bool tx_valid = false;
  uint8_t tx_color = 0;
  uint32_t tx_data = 0;
  uint32_t req_mask = 0;   ///< banks requested (written into the caller's BankRequest array)
};

/// What decides how a closed operation runs, cycle by cycle, from settled banks: its
/// timing never depends on the values, only on these (TensorTimingMemo's key).
struct TensorTimingKey {
  uint8_t fn = 0;
  bool simd = false;
  uint8_t f16 = 0;        ///< bit 0: a, 1: b, 2: d
  uint32_t n = 0;
  uint16_t stride[3] = {};  ///< a, b, d (unused ones 0)
  uint16_t bank_offset[3] = {};  ///< each base modulo the bank interleave (4 bytes x banks)
  /// b's base minus a's when their words may coincide (a read then serves both), else 0
  /// with `apart` set.
  int32_t b_minus_a = 0;
  bool apart = false;
  // The datapath's and the banks' parameters.
  uint8_t lanes = 0, banks = 0, read_latency = 0, write_latency = 0;
  bool operator==(const TensorTimingKey& o) const;
  size_t Hash() const;
};

class FastTensor {
 public:
  explicit FastTensor(const FastTensorParams& params);

  bool Busy() const { return active_; }
  /// The operation started reads and writes SRAM only (no fabric operand): nothing outside
  /// the datapath and the banks can change how it runs (see TensorReplay).
  bool Closed() const { return !a_.fabric && !(has_b_ && b_.fabric) && (reduction_ || !d_.fabric); }
  /// The core's start_i: latched at the clock edge, as the RTL does.
  void Start(uint8_t fn, const Descriptor& a, const Descriptor& b, const Descriptor& d, uint32_t scalar);
  /// This cycle's outputs from the registers and the inputs: grants and read data from
  /// `sram`, the receive queues' heads (`rx_valid` per color, `rx_head` values), the send
  /// credits (`tx_ready` per color). Bank requests go to `req[bank]`. Only while Busy().
  const TensorOutputs& Evaluate(const SramBanks& sram, uint32_t rx_valid, const uint32_t* rx_head,
                                uint32_t tx_ready, BankRequest* req);
  /// The clock edge (after Evaluate; only while Busy()).
  void Update();

  /// A closed operation whose values do not depend on when its accesses happen (every one
  /// but an elementwise operation writing one address over and over, which may be read back).
  bool TimingIndependentOfValues() const { return Closed() && (reduction_ || static_cast<int16_t>(d_.stride) != 0); }
  TensorTimingKey TimingKey(const SramBankConfig& banks) const;
  /// The values of the closed operation just started, computed whole, in the order the
  /// datapath computes them, with its results stored through the backdoor (and the SRAM's
  /// peak noted); ends the operation (not Busy()). Returns a reduction's result.
  uint32_t ComputeClosed(SramBanks& sram);
  void Reset();

 private:
  static constexpr int kMaxSlots = 2 * kFastMaxLanes;
  static constexpr int kMaxDepth = kFastMaxReadLatency + 2;

  struct Entry {
    std::array<uint32_t, kMaxSlots> val;
    uint32_t dbase;   // byte address of the step's first D element
    uint32_t elem;    // index of the step's first element
    uint32_t wait;    // slots awaiting data; bit Slots: the no-read marker
    uint16_t half;    // the slot's element is the upper half of its word
    uint8_t cnt;      // elements in the step
    uint8_t wpend;    // lanes still to write
    bool valid, issued, done;
  };
  struct Stage {      // reads served in one cycle, in flight
    uint32_t banks;   // banks that deliver a word
    std::array<uint16_t, kFastMaxBanks> mask;  // per bank: the slots the word fills
    uint8_t ent;
    bool virt;        // a step without reads completes its latency here
    uint8_t virt_ent;
  };

  uint32_t Lane(int k, const Entry& e) const;
  uint32_t Result32(const Entry& e, int k) const { return Result32(e.val[k], e.val[lanes_ + k]); }
  uint32_t Result32(uint32_t va, uint32_t vb) const;
  uint32_t AccNext(uint32_t va, uint32_t vb, uint32_t acc) const;
  uint32_t AccNext(const Entry& e, int k) const;
  uint32_t CombR() const;
  int Bank(uint32_t addr) const { return static_cast<int>((addr >> 2) & bank_mask_); }
  int NextEnt(int i) const { return i == depth_ - 1 ? 0 : i + 1; }

  // Parameters (derived once).
  int lanes_, depth_, slots_, read_latency_;
  uint32_t bank_mask_;

  // Registers.
  bool active_ = false;
  uint8_t fn_ = 0;
  Descriptor a_, b_, d_;
  uint32_t s_ = 0;
  uint32_t n_ = 0, next_ = 0;
  uint32_t ptr_a_ = 0, ptr_b_ = 0, ptr_d_ = 0;
  uint32_t sb_a_ = 0, sb_b_ = 0, sb_d_ = 0;
  bool simd_ = false, has_b_ = false, reduction_ = false;
  bool issuing_ = false;
  int cur_ = 0;
  uint32_t pend_ = 0;
  std::array<Entry, kMaxDepth> ent_{};
  int head_ = 0, tail_ = 0, count_ = 0;
  std::array<Stage, kFastMaxReadLatency> dl_{};
  int dl_pos_ = 0;  // the stage that entered last; the oldest (arriving) is the next one
  std::array<uint32_t, kFastMaxLanes> acc_{};
  bool combining_ = false;
  int comb_k_ = 0;
  uint32_t total_ = 0;

  // This cycle's combinational values, from Evaluate for Update.
  TensorOutputs out_;
  bool head_ready_ = false, retire_step_ = false, last_step_ = false;
  bool begin_step_ = false, issue_done_ = false;
  int iss_ent_ = 0, iss_cnt_ = 0, step_cnt_ = 0;
  uint32_t r_need_ = 0, r_left_ = 0, w_served_ = 0;
  uint32_t r_half_ = 0;  // per slot: bit 1 of its read address
  std::array<uint16_t, kFastMaxBanks> r_bank_mask_{};
  uint32_t r_banks_ = 0;
  uint32_t fab_a_val_ = 0, fab_b_val_ = 0;
  bool a_fab_ = false, b_fab_ = false;
  // Arrivals this cycle.
  int arr_ent_ = 0;
  uint32_t arr_slots_ = 0;
  std::array<uint32_t, kMaxSlots> arr_val_{};
  bool arr_virt_ = false;
  int arr_virt_ent_ = 0;
  std::array<uint32_t, kFastMaxLanes> acc_next_{};
};

}  // namespace wafersim::fabric
