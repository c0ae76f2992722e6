// Testbench wrapper for the synthesis check of memory macros (rtl_synth_mem_macro): two
// macros of different sizes, one inside a generate block, whose bits the report must give
// (4,096 x 32 + 64 x 8 = 131,584) without synthesizing their bodies into flip-flops.
module mem_macro_probe (
  input  logic        clk_i,
  /// Write port, shared by both macros (the small one takes the low bits).
  input  logic        we_i,
  input  logic [11:0] addr_i,
  input  logic [31:0] wdata_i,
  /// Read data of each macro, registered.
  output logic [31:0] big_o,
  output logic [7:0]  small_o
);
  logic [31:0] big_d;
  logic [7:0]  small_d;
  mem_macro #(.Words(4096), .Width(32)) u_big (
    .clk_i, .we_i, .waddr_i(addr_i), .wdata_i, .raddr_i(~addr_i), .rdata_o(big_d)
  );
  for (genvar i = 0; i < 1; i++) begin : g_small
    mem_macro #(.Words(64), .Width(8)) u_small (
      .clk_i, .we_i, .waddr_i(addr_i[5:0]), .wdata_i(wdata_i[7:0]), .raddr_i(addr_i[11:6]),
      .rdata_o(small_d)
    );
  end
  always_ff @(posedge clk_i) begin
    big_o   <= big_d;
    small_o <= small_d;
  end
endmodule
