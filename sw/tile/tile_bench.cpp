#include "tile/tile_bench.h"

#include <stdexcept>

#include <fmt/format.h>

#include "Vpe_tile.h"
#include "port_bits.h"
#include "router_errors.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace wafersim::tile {

namespace {
constexpr int kColors = WAFERSIM_TILE_COLORS;  // the Verilated tile's (rtl/CMakeLists.txt)
}  // namespace

TileBench::TileBench(const TileBenchConfig& config) : cfg_(config), ctx_(std::make_unique<VerilatedContext>()) {
  ctx_->fatalOnError(false);
  ctx_->traceEverOn(true);
  fabric::TileSpec spec;
  spec.credit_limit = config.credit_limit;
  spec.imem_words = WAFERSIM_TILE_IMEM_WORDS;
  spec.sram = config.sram;
  tile_ = std::make_unique<fabric::RtlTile>(ctx_.get(), "tile", config.x, config.y, spec);
  for (auto& l : links_) l.Reset(config.credit_limit);
}

TileBench::~TileBench() {
  // Verilated scopes unregister from the thread's current context: make it this model's
  // (another bench on this thread may have been evaluated, or destroyed, since).
  Verilated::threadContextp(ctx_.get());
  if (trace_) trace_->close();
  tile_.reset();
}

void TileBench::OpenTrace(const std::string& path, uint64_t c0, uint64_t c1) {
  trace_c0_ = c0;
  trace_c1_ = c1;
  trace_ = std::make_unique<VerilatedFstC>();
  tile_->Trace(trace_.get());
  trace_->open(path.c_str());
  if (!trace_->isOpen()) throw std::runtime_error(fmt::format("cannot open trace file {}", path));
}

void TileBench::Check() {
  if (ctx_->gotError()) {
    throw std::runtime_error(fmt::format(
        "RTL assertion failed in the tile at cycle {} (the %Error line above names it)", cycle_));
  }
}

void TileBench::Load(const isa::Program& program) {
  tile_->Load(program);
  tile_->Release();
  for (auto& l : links_) l.Reset(cfg_.credit_limit);
  cycle_ = 0;
  Check();
}

void TileBench::Step() {
  // The links' terminals stand where neighbours would: what they send goes in this cycle.
  std::array<fabric::LinkBundle, 4> in, out;
  for (int d = 0; d < 4; ++d) {
    if (const auto w = links_[d].TakeOutgoing()) {
      in[d].valid = true;
      in[d].flit = w->Pack();
    }
    in[d].credits = static_cast<uint32_t>(links_[d].TakeCreditReturns(kColors));
  }
  tile_->Evaluate({&in[0], &in[1], &in[2], &in[3]}, out);
  if (Dumping()) trace_->dump(time_);

  const Vpe_tile& m = tile_->Rtl();
  last_ = Events{};
  last_.cycle = cycle_;
  last_.retired = m.retire_o;
  last_.retire_pc = m.retire_pc_o;
  last_.dispatched = m.dispatch_o;
  last_.stalled = m.stall_o;
  if (m.core_rx_valid_o) last_.core_rx = noc::Wavelet::Unpack(m.core_rx_flit_o);
  for (int d = 0; d < 4; ++d) {
    std::optional<noc::Wavelet> got;
    if (out[d].valid) got = noc::Wavelet::Unpack(out[d].flit);
    links_[d].Arrive(got, out[d].credits, kColors);
  }
  tile_->Update();
  if (Dumping()) trace_->dump(time_ + 500);
  time_ += 1000;
  ++cycle_;
  Check();
}

bool TileBench::Idle() const { return tile_->Rtl().idle_o; }
uint32_t TileBench::Reg(int i) const {
  return static_cast<uint32_t>(noc::GetBits(tile_->Rtl().regs_o, static_cast<unsigned>(i * 32), 32));
}
std::string TileBench::RouterErrors() const { return noc::RouterErrorText(tile_->RouterErrorBits()); }

}  // namespace wafersim::tile
