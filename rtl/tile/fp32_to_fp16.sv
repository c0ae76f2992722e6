// binary32 to binary16, rounding to nearest even; subnormal halves are produced, overflow
// gives infinity and a NaN the canonical binary16 NaN 0x7e00.
module fp32_to_fp16 (
  input  logic [31:0] f_i,
  output logic [15:0] h_o
);
  logic [23:0] fsig;
  int          fe;
  int          sh;
  logic [9:0]  fr;
  logic        fguard, fsticky;
  logic [14:0] packed_f2h;
  always_comb begin
    h_o = '0;
    sh       = 0;
    fsig    = {1'b1, f_i[22:0]};
    fe      = int'(f_i[30:23]) - 112;  // biased binary16 exponent
    fr      = '0;
    fguard  = 1'b0;
    fsticky = 1'b0;
    packed_f2h = '0;
    if (fe >= 1) begin
      // Normal: keep 10 mantissa bits.
      packed_f2h = {5'(fe), f_i[22:13]};
      fguard     = f_i[12];
      fsticky    = f_i[11:0] != '0;
    end else begin
      // Subnormal (or zero) half: shift the significand right by 14 - fe.
      sh = 14 - fe;
      if (sh <= 24) begin
        fr      = 10'(fsig >> sh);
        fguard  = fsig[sh - 1];
        fsticky = (sh >= 2) && ((fsig & ~(24'hff_ffff << (sh - 1))) != '0);
      end
      packed_f2h = {5'd0, fr};
    end
    if (f_i[30:23] == 8'hff) begin
      h_o = (f_i[22:0] != '0) ? 16'h7e00 : {f_i[31], 15'h7c00};
    end else if (fe >= 31) begin
      h_o = {f_i[31], 15'h7c00};
    end else if (f_i[30:0] == '0) begin
      h_o = {f_i[31], 15'd0};
    end else begin
      // Rounding carries into the exponent: subnormal to normal, and the largest to infinity.
      h_o = {f_i[31], packed_f2h + 15'(fguard && (fsticky || packed_f2h[0]))};
    end
  end

endmodule
