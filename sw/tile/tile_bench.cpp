#include "tile/tile_bench.h"

#include <stdexcept>

#include <fmt/format.h>

#include "Vpe_tile.h"
#include "isa/isa.h"
#include "noc/port_bits.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace wafersim::tile {

namespace {
// The Verilated tile's parameters (rtl/CMakeLists.txt).
constexpr int kColors = WAFERSIM_TILE_COLORS;
constexpr int kBanks = WAFERSIM_TILE_BANKS;
constexpr int kSramBytes = WAFERSIM_TILE_SRAM_BYTES;
constexpr int kImemWords = WAFERSIM_TILE_IMEM_WORDS;
constexpr int kReadLatency = WAFERSIM_TILE_READ_LATENCY;
constexpr int Clog2(int v) {  // as $clog2
  int r = 0;
  while ((1 << r) < v) ++r;
  return r;
}
constexpr int kAddrW = Clog2(kSramBytes / 4);  // pe_core's word-address width
}  // namespace

TileBench::TileBench(const TileBenchConfig& config)
    : cfg_(config), ctx_(std::make_unique<VerilatedContext>()), sram_(config.sram),
      requests_(static_cast<size_t>(config.sram.banks)) {
  if (config.sram.banks != kBanks || config.sram.bytes != kSramBytes ||
      config.sram.read_latency != kReadLatency) {
    throw std::invalid_argument(fmt::format(
        "the Verilated tile is built with {} banks, {} bytes of SRAM and read latency {}", kBanks,
        kSramBytes, kReadLatency));
  }
  ctx_->fatalOnError(false);
  ctx_->traceEverOn(true);
  rtl_ = std::make_unique<Vpe_tile>(ctx_.get(), "tile");
  rtl_->x_i = static_cast<uint16_t>(config.x);
  rtl_->y_i = static_cast<uint16_t>(config.y);
  rtl_->credit_limit_i = static_cast<uint8_t>(config.credit_limit);
  for (auto& l : links_) l.Reset(config.credit_limit);
}

TileBench::~TileBench() {
  // Verilated scopes unregister from the thread's current context: make it this model's
  // (another bench on this thread may have been evaluated, or destroyed, since).
  Verilated::threadContextp(ctx_.get());
  if (trace_) trace_->close();
  rtl_->final();
  rtl_.reset();
}

void TileBench::OpenTrace(const std::string& path, uint64_t c0, uint64_t c1) {
  trace_c0_ = c0;
  trace_c1_ = c1;
  trace_ = std::make_unique<VerilatedFstC>();
  rtl_->trace(trace_.get(), 99);
  trace_->open(path.c_str());
  if (!trace_->isOpen()) throw std::runtime_error(fmt::format("cannot open trace file {}", path));
}

void TileBench::Check() {
  if (ctx_->gotError()) {
    throw std::runtime_error(fmt::format(
        "RTL assertion failed in the tile at cycle {} (the %Error line above names it)", cycle_));
  }
}

// A whole clock cycle in reset, while loading: not traced, not counted.
void TileBench::Tick() {
  rtl_->clk_i = 0;
  rtl_->eval();
  rtl_->clk_i = 1;
  rtl_->eval();
}

// The rising edge; the falling one happens when the next cycle's inputs are settled.
void TileBench::Edge() {
  rtl_->clk_i = 1;
  rtl_->eval();
  if (Dumping()) trace_->dump(time_ + 500);
  time_ += 1000;
}

void TileBench::Load(const isa::Program& program) {
  if (program.code.size() > static_cast<size_t>(kImemWords)) {
    throw std::invalid_argument(fmt::format("program has {} instructions; the tile holds {}",
                                            program.code.size(), kImemWords));
  }
  rtl_->rst_ni = 0;
  rtl_->valid_i = 0;
  rtl_->credit_i = 0;
  for (int w = 0; w < kImemWords; ++w) {
    rtl_->imem_we_i = 1;
    rtl_->imem_addr_i = static_cast<uint16_t>(w);
    rtl_->imem_wdata_i = w < static_cast<int>(program.code.size()) ? program.code[w] : 0u;
    Tick();
  }
  rtl_->imem_we_i = 0;
  auto& bytes = sram_.Bytes();
  std::fill(bytes.begin(), bytes.end(), 0);
  for (const auto& seg : program.data) {
    if (seg.addr + seg.bytes.size() > bytes.size()) {
      throw std::invalid_argument(fmt::format("data segment at 0x{:x} ({} bytes) is beyond the SRAM",
                                              seg.addr, seg.bytes.size()));
    }
    std::copy(seg.bytes.begin(), seg.bytes.end(), bytes.begin() + seg.addr);
  }
  Tick();
  rtl_->rst_ni = 1;
  for (auto& l : links_) l.Reset(cfg_.credit_limit);
  cycle_ = 0;
  Check();
}

void TileBench::Step() {
  Vpe_tile& m = *rtl_;
  // Inputs for this cycle: the links, the SRAM's grants and read data.
  uint8_t valid = 0;
  for (int d = 0; d < 4; ++d) {
    if (const auto w = links_[d].TakeOutgoing()) {
      valid |= static_cast<uint8_t>(1u << d);
      noc::SetBits(m.flit_i, static_cast<unsigned>(d * noc::kFlitBits), noc::kFlitBits, w->Pack());
    }
    noc::SetBits(m.credit_i, static_cast<unsigned>(d * kColors), kColors, links_[d].TakeCreditReturns(kColors));
  }
  m.valid_i = valid;
  uint8_t gnt = 0;
  for (int b = 0; b < kBanks; ++b) {
    if (sram_.Grant(b)) gnt |= static_cast<uint8_t>(1u << b);
    noc::SetBits(m.mem_rdata_i, static_cast<unsigned>(b * 32), 32, sram_.ReadData(b));
  }
  m.mem_gnt_i = gnt;
  m.clk_i = 0;
  m.eval();  // the falling edge, and this cycle's outputs settled
  if (Dumping()) trace_->dump(time_);

  last_ = Events{};
  last_.cycle = cycle_;
  last_.retired = m.retire_o;
  last_.retire_pc = m.retire_pc_o;
  last_.dispatched = m.dispatch_o;
  last_.stalled = m.stall_o;
  if (m.core_rx_valid_o) last_.core_rx = noc::Wavelet::Unpack(m.core_rx_flit_o);
  auto& req = requests_;  // reused every cycle: no allocation on the hot path
  for (int b = 0; b < kBanks; ++b) {
    auto& r = req[b];
    r.valid = (m.mem_req_o >> b) & 1;
    r.write = (m.mem_we_o >> b) & 1;
    r.word = static_cast<uint32_t>(noc::GetBits(m.mem_addr_o, static_cast<unsigned>(b * kAddrW), kAddrW));
    r.wdata = static_cast<uint32_t>(noc::GetBits(m.mem_wdata_o, static_cast<unsigned>(b * 32), 32));
    r.be = static_cast<uint8_t>(noc::GetBits(m.mem_be_o, static_cast<unsigned>(b * 4), 4));
  }
  for (int d = 0; d < 4; ++d) {
    std::optional<noc::Wavelet> got;
    if ((m.valid_o >> d) & 1) {
      got = noc::Wavelet::Unpack(noc::GetBits(m.flit_o, static_cast<unsigned>(d * noc::kFlitBits), noc::kFlitBits));
    }
    links_[d].Arrive(got, noc::GetBits(m.credit_o, static_cast<unsigned>(d * kColors), kColors), kColors);
  }
  Edge();
  sram_.Edge(req);
  ++cycle_;
  Check();
}

bool TileBench::Halted() const { return rtl_->halted_o; }
int TileBench::Error() const { return rtl_->err_o; }
bool TileBench::Idle() const { return rtl_->idle_o; }
uint32_t TileBench::Reg(int i) const {
  return static_cast<uint32_t>(noc::GetBits(rtl_->regs_o, static_cast<unsigned>(i * 32), 32));
}
uint16_t TileBench::Pc() const { return rtl_->pc_o; }
int TileBench::Task() const { return rtl_->task_o; }

std::string TileBench::RouterErrors() const { return noc::RouterErrorText(rtl_->router_err_o); }

}  // namespace wafersim::tile
