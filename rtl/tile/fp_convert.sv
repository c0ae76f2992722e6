// Conversions (docs/isa.md): signed integer to binary32 (nearest even), binary32 to signed
// integer (toward zero, saturating, NaN to 0x7fffffff), and binary16 to and from binary32
// (fp16_to_fp32, fp32_to_fp16).
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

  // ------------------------------------------------------------ binary16
  fp16_to_fp32 u_h2f (.h_i(a_i[15:0]), .f_o(h_to_f_o));
  logic [15:0] half;
  fp32_to_fp16 u_f2h (.f_i(a_i), .h_o(half));
  assign f_to_h_o = {16'd0, half};

endmodule
