#include "tile/tile_waves.h"

#include <filesystem>

#include <fmt/format.h>

#include "io/file_io.h"
#include "isa/isa.h"
#include "waves/gtkw.h"

namespace wafersim::tile {

std::string PcFilterPathFor(const std::string& trace_path) {
  return std::filesystem::path(trace_path).replace_extension(".pc.txt").string();
}

void WriteTileWaves(const std::string& trace_path, const isa::Program& program) {
  using waves::Fmt;
  const std::string filter = PcFilterPathFor(trace_path);
  std::string text = "# pc (decimal) -> instruction, for GTKWave's translate filter\n";
  for (size_t pc = 0; pc < program.code.size(); ++pc) {
    text += fmt::format("{} {}: {}\n", pc, pc, isa::Disassemble(program.code[pc], static_cast<uint32_t>(pc)));
  }
  io::WriteFileAtomic(filter, text);
  waves::GtkwFile g(waves::SaveFilePathFor(trace_path), trace_path,
                    "wafersim tile waves: core, SRAM banks, router Local port, links");
  g.Zoom(-14);
  const std::string t = "tile.", core = "tile.pe_tile.u_core.";
  g.Group("core", [&] {
    g.Signal(Fmt::Bin, t + "clk_i");
    g.Translated(Fmt::Dec, t + "pc_o[15:0]", std::filesystem::path(filter).filename().string(), "pc");
    g.Signal(Fmt::Dec, t + "task_o[4:0]", "task");
    g.Signal(Fmt::Dec, core + "state_q[2:0]", "state (0 exec 1 load 2 tensor 3 dispatch 4 halted)");
    g.Signal(Fmt::Bin, t + "retire_o", "retire");
    g.Signal(Fmt::Bin, t + "dispatch_o", "dispatch");
    g.Signal(Fmt::Bin, t + "stall_o", "bank stall");
    g.Signal(Fmt::Bin, t + "idle_o", "idle");
    g.Signal(Fmt::Bin, t + "halted_o", "halted");
    g.Signal(Fmt::Dec, t + "err_o[2:0]", "err");
    g.Group("registers", [&] {
      for (int r = 1; r < isa::kNumRegs; ++r) {
        g.Signal(Fmt::Hex, fmt::format("{}regs_o[{}][31:0]", t, r), fmt::format("r{}", r));
      }
    });
  });
  g.Group("SRAM banks", [&] {
    g.Signal(Fmt::Bin, t + "mem_req_o[7:0]", "req");
    g.Signal(Fmt::Bin, t + "mem_we_o[7:0]", "write");
    g.Signal(Fmt::Bin, t + "mem_gnt_i[7:0]", "grant");
    for (int b = 0; b < 8; ++b) {
      g.Group(fmt::format("bank {}", b), [&] {
        g.Signal(Fmt::Hex, fmt::format("{}mem_addr_o[{}][13:0]", t, b), "word");
        g.Signal(Fmt::Hex, fmt::format("{}mem_wdata_o[{}][31:0]", t, b), "wdata");
        g.Signal(Fmt::Hex, fmt::format("{}mem_rdata_i[{}][31:0]", t, b), "rdata");
      });
    }
  });
  g.Group("router Local port", [&] {
    g.Signal(Fmt::Bin, "tile.pe_tile.r_valid_i[4:0]", "router in valid (bit 4: from core)");
    g.Signal(Fmt::Hex, "tile.pe_tile.r_flit_i[4][39:0]", "core -> router");
    g.Signal(Fmt::Bin, t + "core_rx_valid_o", "router -> core valid");
    g.Signal(Fmt::Hex, t + "core_rx_flit_o[39:0]", "router -> core");
  });
  g.Group("links", [&] {
    static const char* const kDir[] = {"North", "East", "South", "West"};
    g.Signal(Fmt::Bin, t + "valid_i[3:0]", "in valid");
    g.Signal(Fmt::Bin, t + "valid_o[3:0]", "out valid");
    for (int d = 0; d < 4; ++d) {
      g.Signal(Fmt::Hex, fmt::format("{}flit_i[{}][39:0]", t, d), fmt::format("{} in", kDir[d]));
      g.Signal(Fmt::Hex, fmt::format("{}flit_o[{}][39:0]", t, d), fmt::format("{} out", kDir[d]));
    }
  });
  g.Close();
}

}  // namespace wafersim::tile
