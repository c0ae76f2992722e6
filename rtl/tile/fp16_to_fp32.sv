// binary16 to binary32, exact; a NaN becomes the canonical binary32 NaN.
module fp16_to_fp32 (
  input  logic [15:0] h_i,
  output logic [31:0] f_o
);
  logic [4:0]  he;
  logic [9:0]  hm;
  int          hlead;
  logic [9:0]  hnorm;
  always_comb begin
    he    = h_i[14:10];
    hm    = h_i[9:0];
    hlead = 0;
    for (int i = 0; i < 10; i++) begin
      if (hm[i]) hlead = i;
    end
    hnorm = hm << (10 - hlead);
    if (he == 5'h1f) begin
      f_o = (hm != '0) ? 32'h7fc0_0000 : {h_i[15], 8'hff, 23'd0};
    end else if (he == '0) begin
      // A subnormal half 0.m x 2^-14 is normal in binary32: exponent from its leading one.
      f_o = (hm == '0) ? {h_i[15], 31'd0}
                            : {h_i[15], 8'(103 + hlead), hnorm, 13'd0};
    end else begin
      f_o = {h_i[15], 8'(32'(he) + 112), hm, 13'd0};
    end
  end

endmodule
