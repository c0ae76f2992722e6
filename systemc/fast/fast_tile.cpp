#include "fast_tile.h"

#include <stdexcept>

#include <fmt/format.h>

namespace wafersim::fabric {

namespace {
void Require(bool ok, int x, int y, const std::string& what) {
  if (!ok) throw std::invalid_argument(fmt::format("fast tile ({},{}): {}", x, y, what));
}
FastCoreParams CoreParams(int x, int y, const TileSpec& spec, int depth) {
  Require(spec.colors >= 1 && spec.colors <= kFastMaxColors, x, y,
          fmt::format("colors {} is out of range 1..{}", spec.colors, kFastMaxColors));
  Require(depth >= 1 && depth <= kFastMaxRxDepth, x, y,
          fmt::format("buffer depth {} is out of range 1..{}", depth, kFastMaxRxDepth));
  Require(spec.simd_width >= 1 && spec.simd_width <= kFastMaxLanes, x, y,
          fmt::format("simd_width {} is out of range 1..{}", spec.simd_width, kFastMaxLanes));
  const SramBankConfig& s = spec.sram;
  Require(s.banks >= 1 && s.banks <= kFastMaxBanks && (s.banks & (s.banks - 1)) == 0, x, y,
          fmt::format("sram banks {} is not a power of two in 1..{}", s.banks, kFastMaxBanks));
  Require(s.read_latency >= 1 && s.read_latency <= kFastMaxReadLatency, x, y,
          fmt::format("read latency {} is out of range 1..{}", s.read_latency, kFastMaxReadLatency));
  Require(s.bytes >= 4 && s.bytes % 4 == 0, x, y, fmt::format("sram bytes {} is not a positive multiple of 4", s.bytes));
  // 65,536 at most: the pc has 16 bits.
  Require(spec.imem_words >= 1 && spec.imem_words <= 65536 && (spec.imem_words & (spec.imem_words - 1)) == 0, x, y,
          fmt::format("imem_words {} is not a power of two in 1..65536", spec.imem_words));
  Require(spec.credit_limit >= 1 && spec.credit_limit <= depth, x, y,
          fmt::format("credit limit {} is out of range 1..{} (the buffer depth)", spec.credit_limit, depth));
  return FastCoreParams{spec.colors, depth, s.banks, s.read_latency, spec.simd_width, s.bytes, spec.imem_words};
}
}  // namespace

FastTile::FastTile(int x, int y, const TileSpec& spec, int buffer_depth)
    : x_(x),
      y_(y),
      core_(CoreParams(x, y, spec, buffer_depth > 0 ? buffer_depth : spec.credit_limit)),
      router_(spec.colors, buffer_depth > 0 ? buffer_depth : spec.credit_limit, x, y, spec.credit_limit),
      sram_(spec.sram),
      spec_(spec) {
  program_ = DecodedProgram::Intern({});
  core_.SetProgram(program_);
  core_.Reset(x_, y_, spec_.credit_limit);
}

void FastTile::Load(const isa::Program& program) {
  if (program.code.size() > static_cast<size_t>(spec_.imem_words)) {
    throw std::invalid_argument(fmt::format("tile ({},{}): the program has {} instructions; a tile holds {}", x_, y_,
                                            program.code.size(), spec_.imem_words));
  }
  program_ = DecodedProgram::Intern(program.code);
  core_.SetProgram(program_);
  core_.Reset(x_, y_, spec_.credit_limit);
  router_.Reset();
  LoadProgramData(program, x_, y_, sram_);
  for (auto& r : requests_) r = BankRequest{};
  last_req_mask_ = 0;
  sram_settled_ = false;  // the first edge decides
  rout_ = FastRouter::Outputs{};
  counters_ = TileCounters{};
  activity_ = Activity::Busy;
  wait_color_ = 0;
  moved_ = false;
  quiet_ = false;
  skipped_ = false;
  still_ = still_skipped_ = false;
  replay_skipped_ = false;
  still_hash_ = 0;
}

void FastTile::Evaluate(const std::array<const LinkBundle*, 4>& in, std::array<LinkBundle, 4>& out) {
  if (quiet_ && in[0]->Quiet() && in[1]->Quiet() && in[2]->Quiet() && in[3]->Quiet()) {
    // Halted with an empty router and nothing arriving: the cycle would change nothing.
    skipped_ = true;
    moved_ = false;
    activity_ = Activity::Halted;
    ++counters_.cycles[static_cast<int>(Activity::Halted)];
    out = {};
    return;
  }
  skipped_ = false;
  links_quiet_ = in[0]->Quiet() && in[1]->Quiet() && in[2]->Quiet() && in[3]->Quiet();
  if (still_ && links_quiet_) {
    still_skipped_ = true;
    moved_ = false;
    SkipCycles(1);
    out = {};
    return;
  }
  still_skipped_ = false;
  // Replaying a tensor operation with a quiet router and nothing arriving: only the replay
  // moves (the core drives nothing to the router in its Tensor state; the banks are ahead).
  if (links_quiet_ && core_.ReplayCanSkip() && router_.Quiet()) {
    replay_skipped_ = true;
    for (uint32_t m = last_req_mask_; m != 0; m &= m - 1) requests_[__builtin_ctz(m)].valid = false;
    activity_ = core_.SkipReplayCycle(requests_.data()) ? Activity::WaitSram : Activity::Busy;
    last_req_mask_ = core_.RequestMask();
    rout_.valid = 0;
    rout_.credit = {};
    ++counters_.cycles[static_cast<int>(activity_)];
    moved_ = activity_ == Activity::Busy;
    out = {};
    return;
  }
  replay_skipped_ = false;
  // An empty router drives nothing (no wavelet, no credit): its outputs need no settling.
  const bool router_empty = router_.Quiet();
  if (router_empty) {
    rout_.valid = 0;
    rout_.credit = {};
  } else {
    router_.Settle(rout_);
  }

  // The core, with the router's Local output and the banks.
  for (uint32_t m = last_req_mask_; m != 0; m &= m - 1) requests_[__builtin_ctz(m)].valid = false;
  const bool core_rx = (rout_.valid >> 4) & 1;
  const CoreToRouter& c = core_.Evaluate(core_rx, rout_.flit[4], sram_, requests_.data());
  last_req_mask_ = core_.RequestMask();

  // The router's inputs: the four links and the core's Local port. An empty router with
  // nothing arriving would not change: it is not stepped (router_idle_).
  router_idle_ = router_empty && links_quiet_ && !c.tx_valid && c.rx_credits == 0 && !c.cfg_valid;
  if (!router_idle_) {
    if (router_empty) router_.Settle(rout_);  // the same outputs; Update needs a Settle
    uint8_t valid = 0;
    for (int d = 0; d < 4; ++d) {
      const LinkBundle& b = *in[d];
      if (b.valid) {
        valid |= static_cast<uint8_t>(1u << d);
        rin_.flit[d] = b.flit;
      }
      rin_.credit[d] = b.credits;
    }
    if (c.tx_valid) {
      valid |= 1u << 4;
      rin_.flit[4] = c.tx_flit;
    }
    rin_.valid = valid;
    rin_.credit[4] = c.rx_credits;
    rin_.cfg_valid = c.cfg_valid;
    rin_.cfg_color = c.cfg_color;
    rin_.cfg_sel = c.cfg_sel;
    rin_.cfg_data = c.cfg_data;  // taken by the router's Update
  }

  // The cycle's classification, as RtlTile makes it from halted_o, idle_o and wait_o.
  if (core_.Halted()) {
    activity_ = Activity::Halted;
  } else if (core_.Idle()) {
    activity_ = Activity::Idle;
  } else {
    static constexpr Activity kWait[4] = {Activity::Busy, Activity::WaitFabricIn, Activity::WaitFabricOut,
                                          Activity::WaitSram};
    activity_ = kWait[core_.Wait() & 3];
  }
  wait_color_ = core_.WaitColor();
  ++counters_.cycles[static_cast<int>(activity_)];
  counters_.retired += core_.Retired();
  counters_.dispatched += core_.Dispatched();
  for (int d = 0; d < 4; ++d) {
    LinkBundle& o = out[d];
    o.valid = (rout_.valid >> d) & 1;
    o.flit = o.valid ? rout_.flit[d] : 0;
    o.credits = rout_.credit[d];
    counters_.sent[d] += o.valid;
  }
  counters_.sent[4] += core_rx;
  moved_ = activity_ == Activity::Busy || rout_.valid != 0;
}

void FastTile::SkipCycles(uint64_t cycles) {
  if (replay_skipped_) {  // asleep in a replay: the grid wakes it for the operation's last cycle
    const uint32_t stalls = core_.SkipReplay(static_cast<uint32_t>(cycles));
    counters_.cycles[static_cast<int>(Activity::WaitSram)] += stalls;
    counters_.cycles[static_cast<int>(Activity::Busy)] += cycles - stalls;
    if (cycles > 0) {  // the tile shows the last cycle it sat out
      activity_ = core_.ReplayStalledBefore() ? Activity::WaitSram : Activity::Busy;
      moved_ = activity_ == Activity::Busy;
    }
    return;
  }
  counters_.cycles[static_cast<int>(activity_)] += cycles;
  if (activity_ == Activity::Halted) return;  // a skipped halted tile's clocks stand, as the RTL's do
  core_.SkipStill(cycles);
  // Settled banks: nothing to count (see Update).
}

void FastTile::Update() {
  if (skipped_ || still_skipped_ || replay_skipped_) return;
  if (!router_idle_) router_.Update(rin_);
  const bool replaying = core_.Replaying();  // the banks are past this cycle already
  core_.Update(rout_.credit[4]);
  // Settled banks asked nothing keep their state: only their own cycle count would move,
  // which nothing can see while no access is in flight (every port is free, every time kept
  // is relative to it). Skipping the call keeps the banks' cache line out of most cycles.
  if (!replaying && (last_req_mask_ != 0 || !sram_settled_)) {
    sram_.Edge(requests_.data(), last_req_mask_);
    sram_settled_ = sram_.Settled();
  }
  if (core_.RunAheadDue()) {
    core_.RunAhead(sram_);
    sram_settled_ = sram_.Settled();
  }
  quiet_ = core_.Halted() && router_.Quiet();
  const bool waiting = activity_ == Activity::WaitFabricIn && !moved_ && links_quiet_ && router_idle_ &&
                       last_req_mask_ == 0 && sram_settled_;
  const uint64_t h = waiting ? core_.StillHash() : 0;
  still_ = waiting && h == still_hash_;
  still_hash_ = h;
}

uint64_t FastTile::BufferedMask() const {
  uint64_t m = 0;
  for (int p = 0; p < FastRouter::kPorts; ++p) m |= uint64_t{router_.Nonempty(p)} << (p * spec_.colors);
  return m;
}

uint64_t FastTile::FullMask() const {
  uint64_t m = 0;
  for (int p = 0; p < FastRouter::kPorts; ++p) m |= uint64_t{router_.Full(p)} << (p * spec_.colors);
  return m;
}

size_t FastTile::Bytes() const {
  const size_t banks = static_cast<size_t>(spec_.sram.banks);
  return sizeof(FastTile) + (router_.Bytes() - sizeof(FastRouter)) +  // the router's arrays
         static_cast<size_t>(spec_.colors) * static_cast<size_t>(router_.Depth()) * sizeof(uint32_t) +  // rx queues
         // SramBanks' vectors other than the data bytes (its object, RNG included, is in sizeof).
         banks * (static_cast<size_t>(spec_.sram.ports) * sizeof(uint64_t) +
                  static_cast<size_t>(spec_.sram.read_latency + 1) * (sizeof(uint32_t) + sizeof(uint64_t)) +
                  sizeof(uint32_t) + sizeof(uint8_t));
}

}  // namespace wafersim::fabric
