// One color's input buffer: a small FIFO of wavelets. Space is guaranteed by the
// upstream credit counter, so a push into a full buffer is a protocol error.
module flit_fifo #(
  /// Wavelets the buffer holds.
  parameter int unsigned Depth = 4,
  /// Bits per wavelet.
  parameter int unsigned Width = mesh_pkg::FlitW
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  /// Write a wavelet at the tail.
  input  logic             push_i,
  input  logic [Width-1:0] flit_i,
  /// Drop the wavelet at the head.
  input  logic             pop_i,
  /// The wavelet at the head, meaningful when valid_o.
  output logic [Width-1:0] flit_o,
  /// The buffer holds at least one wavelet.
  output logic             valid_o,
  /// The buffer holds Depth wavelets.
  output logic             full_o
);
  /// Pointer width (derived).
  localparam int unsigned PtrW = (Depth > 1) ? $clog2(Depth) : 1;
  /// Occupancy counter width (derived).
  localparam int unsigned CntW = $clog2(Depth + 1);
  /// Last slot index (derived).
  localparam logic [PtrW-1:0] LastSlot = PtrW'(Depth - 1);

  logic [Width-1:0] mem_q [Depth];
  logic [PtrW-1:0] rd_ptr_q, rd_ptr_d, wr_ptr_q, wr_ptr_d;
  logic [CntW-1:0] count_q, count_d;

  always_comb begin
    rd_ptr_d = rd_ptr_q;
    wr_ptr_d = wr_ptr_q;
    count_d  = count_q;
    if (push_i) begin
      wr_ptr_d = (wr_ptr_q == LastSlot) ? '0 : wr_ptr_q + 1'b1;
    end
    if (pop_i) begin
      rd_ptr_d = (rd_ptr_q == LastSlot) ? '0 : rd_ptr_q + 1'b1;
    end
    if (push_i && !pop_i) begin
      count_d = count_q + 1'b1;
    end else if (pop_i && !push_i) begin
      count_d = count_q - 1'b1;
    end
  end

  assign flit_o  = mem_q[rd_ptr_q];
  assign valid_o = (count_q != '0);
  assign full_o  = (count_q == CntW'(Depth));

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      rd_ptr_q <= '0;
      wr_ptr_q <= '0;
      count_q  <= '0;
    end else begin
      rd_ptr_q <= rd_ptr_d;
      wr_ptr_q <= wr_ptr_d;
      count_q  <= count_d;
    end
  end

  // Storage: a memory, written in place (no reset, no copy of the whole array per cycle).
  always_ff @(posedge clk_i) begin
    if (push_i) begin
      mem_q[wr_ptr_q] <= flit_i;
    end
  end

  // ---------------------------------------------------------------- assertions
`ifndef SYNTHESIS
  initial begin
    assert (Depth >= 1) else $fatal(1, "flit_fifo: Depth must be at least 1");
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(push_i && full_o && !pop_i))
        else $error("flit_fifo: push into a full buffer (upstream ignored its credits)");
      assert (!(pop_i && !valid_o)) else $error("flit_fifo: pop from an empty buffer");
    end
  end
`endif

endmodule
