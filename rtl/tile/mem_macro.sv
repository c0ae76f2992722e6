// A memory macro: Words x Width bits with one write port, written at the clock edge, and one
// read port whose data follows its address within the cycle (the timing the instruction
// memory has always had). Verilator simulates this body; synthesis reads the file as a black
// box (scripts/synth), so the area report counts the macro's bits instead of Words x Width
// flip-flops and their read multiplexer, as a memory compiler's macro would replace them.
module mem_macro #(
  /// Words of storage (at least 2).
  parameter int unsigned Words = 4096,
  /// Bits per word.
  parameter int unsigned Width = 32
) (
  input  logic                     clk_i,
  /// Write port: the word at waddr_i takes wdata_i at the clock edge when we_i is set.
  input  logic                     we_i,
  input  logic [$clog2(Words)-1:0] waddr_i,
  input  logic [Width-1:0]         wdata_i,
  /// Read port: the word at raddr_i, combinationally (no reset: contents are loaded).
  input  logic [$clog2(Words)-1:0] raddr_i,
  output logic [Width-1:0]         rdata_o
);
  logic [Width-1:0] mem_q [Words];

  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= wdata_i;
  end
  assign rdata_o = mem_q[raddr_i];

  // ------------------------------------------------------------------ assertions
`ifndef SYNTHESIS
  initial begin
    assert (Words >= 2) else $fatal(1, "mem_macro: Words must be at least 2");
  end
`endif

endmodule
