// Round-robin arbiter: grants the first requester after the last one granted, so every
// requester that keeps asking is served within NumReq grants.
module rr_arbiter #(
  /// Number of requesters.
  parameter int unsigned NumReq = 8
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  /// One bit per requester.
  input  logic [NumReq-1:0] req_i,
  /// One-hot grant, or zero when nobody requests.
  output logic [NumReq-1:0] gnt_o
);
  // Requesters above the last grant have priority this cycle.
  logic [NumReq-1:0] above_q, above_d;
  logic [NumReq-1:0] masked, pick;

  always_comb begin
    masked  = req_i & above_q;
    pick    = (masked != '0) ? masked : req_i;
    gnt_o   = pick & (~pick + 1'b1);               // lowest set bit
    above_d = above_q;
    if (gnt_o != '0) begin
      above_d = ~((gnt_o << 1) - 1'b1);            // every bit above the winner
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      above_q <= '1;
    end else begin
      above_q <= above_d;
    end
  end

  // ---------------------------------------------------------------- assertions
`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert ($onehot0(gnt_o)) else $error("rr_arbiter: grant is not one-hot");
      assert ((gnt_o & ~req_i) == '0) else $error("rr_arbiter: grant without a request");
      assert ((req_i == '0) || (gnt_o != '0)) else $error("rr_arbiter: requests but no grant");
    end
  end
`endif

endmodule
