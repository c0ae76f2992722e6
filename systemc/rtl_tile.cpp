#include "rtl_tile.h"

#include <stdexcept>

#include <fmt/format.h>

#include "Vpe_tile.h"
#include "port_bits.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace wafersim::fabric {

namespace {
constexpr int kColors = WAFERSIM_TILE_COLORS;
constexpr int kBanks = WAFERSIM_TILE_BANKS;
constexpr int kSramBytes = WAFERSIM_TILE_SRAM_BYTES;
constexpr int kImemWords = WAFERSIM_TILE_IMEM_WORDS;
constexpr int kFlitBits = 40;
constexpr int Clog2(int v) {
  int r = 0;
  while ((1 << r) < v) ++r;
  return r;
}
constexpr int kAddrW = Clog2(kSramBytes / 4);
using noc::GetBits;
using noc::SetBits;
}  // namespace

CompiledTile CompiledTileParameters() {
  return {WAFERSIM_TILE_COLORS,      WAFERSIM_TILE_BUF_DEPTH,    WAFERSIM_TILE_BANKS,
          WAFERSIM_TILE_SRAM_BYTES,  WAFERSIM_TILE_IMEM_WORDS,   WAFERSIM_TILE_READ_LATENCY,
          WAFERSIM_TILE_SIMD_WIDTH};
}

RtlTile::RtlTile(VerilatedContext* context, const std::string& scope, int x, int y, const TileSpec& spec)
    : x_(x), y_(y), spec_(spec), sram_(spec.sram), requests_(static_cast<size_t>(spec.sram.banks)) {
  if (spec.sram.banks != kBanks || spec.sram.bytes != kSramBytes || spec.sram.read_latency != WAFERSIM_TILE_READ_LATENCY) {
    throw std::invalid_argument(fmt::format("the RTL tile is built with {} banks, {} bytes of SRAM and read latency {}",
                                            kBanks, kSramBytes, WAFERSIM_TILE_READ_LATENCY));
  }
  rtl_ = std::make_unique<Vpe_tile>(context, scope.c_str());
  rtl_->x_i = static_cast<uint16_t>(x);
  rtl_->y_i = static_cast<uint16_t>(y);
  rtl_->credit_limit_i = static_cast<uint8_t>(spec.credit_limit);
  rtl_->rst_ni = 0;
}

RtlTile::~RtlTile() { rtl_->final(); }

void RtlTile::Trace(VerilatedFstC* trace) {
  traced_ = true;
  rtl_->trace(trace, 99);
}

void RtlTile::Tick() {
  rtl_->clk_i = 0;
  rtl_->eval();
  rtl_->clk_i = 1;
  rtl_->eval();
}

void RtlTile::Load(const isa::Program& program) {
  if (program.code.size() > static_cast<size_t>(spec_.imem_words)) {
    throw std::invalid_argument(fmt::format("tile ({},{}): the program has {} instructions; a tile holds {}", x_, y_,
                                            program.code.size(), spec_.imem_words));
  }
  Vpe_tile& m = *rtl_;
  m.rst_ni = 0;
  m.valid_i = 0;
  m.credit_i = 0;
  // The program and one halt word after it (all zeros), so a run off its end stops; and
  // zeros over what an earlier program left (a fresh model's memory is all zeros).
  const size_t words = std::min(std::max(program.code.size() + 1, imem_written_), static_cast<size_t>(kImemWords));
  for (size_t w = 0; w < words; ++w) {
    m.imem_we_i = 1;
    m.imem_addr_i = static_cast<uint16_t>(w);
    m.imem_wdata_i = w < program.code.size() ? program.code[w] : 0u;
    Tick();
  }
  imem_written_ = std::min(program.code.size() + 1, static_cast<size_t>(kImemWords));
  m.imem_we_i = 0;
  LoadProgramData(program, x_, y_, sram_);
  Tick();
  Tick();
  counters_ = TileCounters{};
  quiet_ = false;
  skipped_ = false;
}

void RtlTile::Release() { rtl_->rst_ni = 1; }

void RtlTile::Evaluate(const std::array<const LinkBundle*, 4>& in, std::array<LinkBundle, 4>& out) {
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
  Vpe_tile& m = *rtl_;
  uint8_t valid = 0;
  for (int d = 0; d < 4; ++d) {
    const LinkBundle& b = *in[d];
    if (b.valid) {
      valid |= static_cast<uint8_t>(1u << d);
      SetBits(m.flit_i, static_cast<unsigned>(d * kFlitBits), kFlitBits, b.flit);
    }
    SetBits(m.credit_i, static_cast<unsigned>(d * kColors), kColors, b.credits);
  }
  m.valid_i = valid;
  uint8_t gnt = 0;
  for (int b = 0; b < kBanks; ++b) {
    if (sram_.Grant(b)) gnt |= static_cast<uint8_t>(1u << b);
    SetBits(m.mem_rdata_i, static_cast<unsigned>(b * 32), 32, sram_.ReadData(b));
  }
  m.mem_gnt_i = gnt;
  m.clk_i = 0;
  m.eval();  // the falling edge: this cycle's outputs settle

  if (m.halted_o) {
    activity_ = Activity::Halted;
  } else if (m.idle_o) {
    activity_ = Activity::Idle;
  } else {
    static constexpr Activity kWait[4] = {Activity::Busy, Activity::WaitFabricIn, Activity::WaitFabricOut,
                                          Activity::WaitSram};
    activity_ = kWait[m.wait_o & 3];
  }
  wait_color_ = m.wait_color_o;
  ++counters_.cycles[static_cast<int>(activity_)];
  counters_.retired += m.retire_o;
  counters_.dispatched += m.dispatch_o;
  const uint8_t valid_o = m.valid_o;
  for (int d = 0; d < 4; ++d) {
    LinkBundle& o = out[d];
    o.valid = (valid_o >> d) & 1;
    o.flit = o.valid ? GetBits(m.flit_o, static_cast<unsigned>(d * kFlitBits), kFlitBits) : 0;
    o.credits = static_cast<uint32_t>(GetBits(m.credit_o, static_cast<unsigned>(d * kColors), kColors));
    counters_.sent[d] += o.valid;
  }
  counters_.sent[4] += m.core_rx_valid_o;
  moved_ = activity_ == Activity::Busy || valid_o != 0 || m.core_rx_valid_o;

  const uint8_t req = m.mem_req_o;
  for (int b = 0; b < kBanks; ++b) {
    BankRequest& r = requests_[b];
    r.valid = (req >> b) & 1;
    if (!r.valid) continue;
    r.write = (m.mem_we_o >> b) & 1;
    r.word = static_cast<uint32_t>(GetBits(m.mem_addr_o, static_cast<unsigned>(b * kAddrW), kAddrW));
    r.wdata = static_cast<uint32_t>(GetBits(m.mem_wdata_o, static_cast<unsigned>(b * 32), 32));
    r.be = static_cast<uint8_t>(GetBits(m.mem_be_o, static_cast<unsigned>(b * 4), 4));
  }
}

void RtlTile::Update() {
  if (skipped_) return;
  Vpe_tile& m = *rtl_;
  m.clk_i = 1;
  m.eval();
  sram_.Edge(requests_);
  quiet_ = !traced_ && m.halted_o && !OutputPending() && BufferedMask() == 0;
}

bool RtlTile::Halted() const { return rtl_->halted_o; }
int RtlTile::Error() const { return rtl_->err_o; }
uint16_t RtlTile::Pc() const { return rtl_->pc_o; }
int RtlTile::Task() const { return rtl_->task_o; }
uint64_t RtlTile::BufferedMask() const { return GetBits(rtl_->nonempty_o, 0, 5 * kColors); }
bool RtlTile::OutputPending() const { return rtl_->valid_o != 0 || rtl_->core_rx_valid_o; }
uint64_t RtlTile::FullMask() const { return GetBits(rtl_->full_o, 0, 5 * kColors); }
uint32_t RtlTile::FullColors(int port) const {
  return static_cast<uint32_t>(GetBits(rtl_->full_o, static_cast<unsigned>(port * kColors), kColors));
}
uint32_t RtlTile::RouterErrorBits() const { return rtl_->router_err_o; }

}  // namespace wafersim::fabric
