// Conversions (docs/isa.md): signed integer to binary32 (nearest even), binary32 to signed
// integer (toward zero, saturating, NaN to 0x7fffffff), and binary16 to and from binary32
// (nearest even, subnormals kept, canonical NaNs).
module fp_convert (
  input  logic [31:0] a_i,
  /// fcvt.s.w: a_i as a signed integer.
  output logic [31:0] int_to_f_o,
  /// fcvt.w.s
  output logic [31:0] f_to_int_o,
  /// fcvt.s.h: a_i[15:0] as binary16.
  output logic [31:0] h_to_f_o,
  /// fcvt.h.s: binary16 in the low half, upper half zero.
  output logic [31:0] f_to_h_o
);
  // ------------------------------------------------------------ integer to float
  logic [31:0] mag;
  int          lead;
  logic [22:0] shifted;
  logic        guard, sticky;
  logic [30:0] packed_i2f;
  always_comb begin
    mag  = a_i[31] ? (~a_i + 32'd1) : a_i;
    lead = 0;
    for (int i = 0; i < 32; i++) begin
      if (mag[i]) lead = i;
    end
    shifted = '0;
    guard   = 1'b0;
    sticky  = 1'b0;
    if (lead <= 23) begin
      shifted = 23'(mag << (23 - lead));
    end else begin
      shifted = 23'(mag >> (lead - 23));
      guard   = mag[lead - 24];
      sticky  = (lead >= 25) && ((mag & ~(32'hffff_ffff << (lead - 24))) != '0);
    end
    packed_i2f = {8'(127 + lead), shifted};
    if (mag == '0) begin
      int_to_f_o = '0;
    end else begin
      int_to_f_o = {a_i[31], packed_i2f + 31'(guard && (sticky || shifted[0]))};
    end
  end

  // ------------------------------------------------------------ float to integer
  logic [7:0]  ea;
  logic [23:0] sig;
  logic [31:0] int_mag;
  always_comb begin
    ea      = a_i[30:23];
    sig     = {1'b1, a_i[22:0]};
    int_mag = '0;
    if (ea >= 8'd127 && ea < 8'd158) begin
      int_mag = (ea >= 8'd150) ? (32'(sig) << (ea - 8'd150)) : (32'(sig) >> (8'd150 - ea));
    end
    if (ea == 8'hff && a_i[22:0] != '0) begin
      f_to_int_o = 32'h7fff_ffff;
    end else if (ea >= 8'd158) begin
      f_to_int_o = a_i[31] ? 32'h8000_0000 : 32'h7fff_ffff;
    end else begin
      f_to_int_o = a_i[31] ? (~int_mag + 32'd1) : int_mag;
    end
  end

  // ------------------------------------------------------------ half to float
  logic [4:0]  he;
  logic [9:0]  hm;
  int          hlead;
  logic [9:0]  hnorm;
  always_comb begin
    he    = a_i[14:10];
    hm    = a_i[9:0];
    hlead = 0;
    for (int i = 0; i < 10; i++) begin
      if (hm[i]) hlead = i;
    end
    hnorm = hm << (10 - hlead);
    if (he == 5'h1f) begin
      h_to_f_o = (hm != '0) ? 32'h7fc0_0000 : {a_i[15], 8'hff, 23'd0};
    end else if (he == '0) begin
      // A subnormal half 0.m x 2^-14 is normal in binary32: exponent from its leading one.
      h_to_f_o = (hm == '0) ? {a_i[15], 31'd0}
                            : {a_i[15], 8'(103 + hlead), hnorm, 13'd0};
    end else begin
      h_to_f_o = {a_i[15], 8'(32'(he) + 112), hm, 13'd0};
    end
  end

  // ------------------------------------------------------------ float to half
  logic [23:0] fsig;
  int          fe;
  int          sh;
  logic [9:0]  fr;
  logic        fguard, fsticky;
  logic [14:0] packed_f2h;
  always_comb begin
    f_to_h_o = '0;
    sh       = 0;
    fsig    = {1'b1, a_i[22:0]};
    fe      = int'(a_i[30:23]) - 112;  // biased binary16 exponent
    fr      = '0;
    fguard  = 1'b0;
    fsticky = 1'b0;
    packed_f2h = '0;
    if (fe >= 1) begin
      // Normal: keep 10 mantissa bits.
      packed_f2h = {5'(fe), a_i[22:13]};
      fguard     = a_i[12];
      fsticky    = a_i[11:0] != '0;
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
    if (a_i[30:23] == 8'hff) begin
      f_to_h_o = (a_i[22:0] != '0) ? 32'h0000_7e00 : {16'd0, a_i[31], 15'h7c00};
    end else if (fe >= 31) begin
      f_to_h_o = {16'd0, a_i[31], 15'h7c00};
    end else if (a_i[30:0] == '0) begin
      f_to_h_o = {16'd0, a_i[31], 15'd0};
    end else begin
      // Rounding carries into the exponent: subnormal to normal, and the largest to infinity.
      f_to_h_o = {16'd0, a_i[31], packed_f2h + 15'(fguard && (fsticky || packed_f2h[0]))};
    end
  end

endmodule
