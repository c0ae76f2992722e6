// IEEE 754 binary32 fused multiply-add, r = a * b + c with one rounding to nearest even.
// Subnormal inputs and results are supported in full; any NaN result is the canonical quiet
// NaN 0x7fc00000. Add and multiply are this unit with b = 1.0 and c = -0.0 respectively.
// Combinational: the core spends one cycle per operation.
module fp32_fma (
  /// Operands, binary32 bit patterns.
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  input  logic [31:0] c_i,
  /// a * b + c, rounded once.
  output logic [31:0] r_o
);
  /// The aligned sum window, in bits: the 48-bit product, the 24-bit addend and guard room,
  /// plus one sticky bit below and one carry bit above (derived).
  localparam int unsigned Win = 76;
  localparam int unsigned RW  = Win + 2;

  logic        sa, sb, sc, sp;
  logic [7:0]  ea, eb, ec;
  logic [22:0] ma, mb, mc;
  logic        nan_a, nan_b, nan_c, inf_a, inf_b, inf_c, zero_a, zero_b, zero_c;
  logic [23:0] sig_a, sig_b, sig_c;
  logic [47:0] prod;

  // Unbiased exponents of the least significant bits (derived from the biased fields).
  logic signed [11:0] lsb_x, lsb_y, top_x, top_y, top, shift_x, shift_y, res_lsb, lead_exp;
  logic signed [11:0] pos, biased;
  logic [Win-1:0]     win_x, win_y;
  logic               sticky_x, sticky_y;
  logic [RW-1:0]      ext_x, ext_y, sum;
  logic               sign;
  logic [6:0]         lead;
  logic [23:0]        sig_bits;
  logic [RW-1:0]      low_mask;
  logic               guard, sticky, round_up;
  logic [30:0]        packed_val;

  always_comb begin
    r_o      = '0;
    low_mask = '0;
    sa = a_i[31];  ea = a_i[30:23];  ma = a_i[22:0];
    sb = b_i[31];  eb = b_i[30:23];  mb = b_i[22:0];
    sc = c_i[31];  ec = c_i[30:23];  mc = c_i[22:0];
    nan_a  = (ea == 8'hff) && (ma != '0);
    nan_b  = (eb == 8'hff) && (mb != '0);
    nan_c  = (ec == 8'hff) && (mc != '0);
    inf_a  = (ea == 8'hff) && (ma == '0);
    inf_b  = (eb == 8'hff) && (mb == '0);
    inf_c  = (ec == 8'hff) && (mc == '0);
    zero_a = (ea == '0) && (ma == '0);
    zero_b = (eb == '0) && (mb == '0);
    zero_c = (ec == '0) && (mc == '0);
    sig_a  = {ea != '0, ma};
    sig_b  = {eb != '0, mb};
    sig_c  = {ec != '0, mc};
    sp     = sa ^ sb;
    prod   = sig_a * sig_b;

    // Exponent of each operand's least significant bit (a subnormal has exponent field 1).
    lsb_x = $signed({4'b0, (ea == '0) ? 8'd1 : ea}) + $signed({4'b0, (eb == '0) ? 8'd1 : eb})
            - 12'sd300;
    lsb_y = $signed({4'b0, (ec == '0) ? 8'd1 : ec}) - 12'sd150;
    top_x = lsb_x + 12'sd47;
    top_y = lsb_y + 12'sd23;
    top   = (zero_c || top_x > top_y) ? top_x : top_y;

    // Place both operands in a window whose top bit has exponent `top`; bits that fall
    // below it only count as sticky.
    shift_x  = lsb_x - top + 12'sd75;
    shift_y  = lsb_y - top + 12'sd75;
    win_x    = '0;
    win_y    = '0;
    sticky_x = 1'b0;
    sticky_y = 1'b0;
    if (shift_x >= 0) begin
      win_x = Win'(prod) << shift_x;
    end else begin
      win_x    = Win'(prod) >> (-shift_x);
      sticky_x = (prod & ~(48'hffff_ffff_ffff << (-shift_x))) != '0;
      if (-shift_x >= 48) sticky_x = prod != '0;
    end
    if (zero_c) begin
      win_y = '0;
    end else if (shift_y >= 0) begin
      win_y = Win'(sig_c) << shift_y;
    end else begin
      win_y    = Win'(sig_c) >> (-shift_y);
      sticky_y = (sig_c & ~(24'hff_ffff << (-shift_y))) != '0;
      if (-shift_y >= 24) sticky_y = sig_c != '0;
    end
    ext_x = {1'b0, win_x, sticky_x};
    ext_y = {1'b0, win_y, sticky_y};

    // Add or subtract magnitudes.
    if (sp == sc) begin
      sum  = ext_x + ext_y;
      sign = sp;
    end else if (ext_x >= ext_y) begin
      sum  = ext_x - ext_y;
      sign = sp;
    end else begin
      sum  = ext_y - ext_x;
      sign = sc;
    end

    // Leading one, and the exponent of the result's least significant bit: 24 bits below the
    // leading one, but never below 2^-149 (subnormal results).
    lead = '0;
    for (int i = 0; i < int'(RW); i++) begin
      if (sum[i]) lead = 7'(i);
    end
    // Bit 0 of `sum` has exponent top - 76.
    lead_exp = $signed({5'b0, lead}) + top - 12'sd76;
    res_lsb  = (lead_exp - 12'sd23 > -12'sd149) ? lead_exp - 12'sd23 : -12'sd149;
    pos      = res_lsb - (top - 12'sd76);

    // Truncate at `pos`, then round to nearest even with guard and sticky.
    sig_bits = '0;
    guard    = 1'b0;
    sticky   = 1'b0;
    if (pos <= 0) begin
      sig_bits = 24'(sum << (-pos));
    end else if (pos < 12'(RW)) begin
      sig_bits = 24'(sum >> pos);
      guard    = sum[pos - 1];
      low_mask = ~({RW{1'b1}} << (pos - 1));
      sticky   = (sum & low_mask) != '0;
    end else begin
      guard  = (pos == 12'(RW)) ? sum[RW-1] : 1'b0;
      sticky = (pos == 12'(RW)) ? ((sum & {1'b0, {(RW-1){1'b1}}}) != '0) : (sum != '0);
    end
    round_up = guard && (sticky || sig_bits[0]);

    // The biased exponent field: 0 for a subnormal (no leading one at bit 23 of sig_bits).
    biased     = res_lsb + 12'sd150;
    packed_val = '0;
    if (sig_bits[23]) begin
      packed_val = {biased[7:0], sig_bits[22:0]};
    end else begin
      packed_val = {8'd0, sig_bits[22:0]};
    end

    // Rounding carries across the exponent field: subnormal to normal, binade to binade,
    // and the largest finite value to infinity.
    if (nan_a || nan_b || nan_c || (inf_a && zero_b) || (inf_b && zero_a) ||
        ((inf_a || inf_b) && inf_c && (sp != sc))) begin
      r_o = 32'h7fc0_0000;
    end else if (inf_a || inf_b) begin
      r_o = {sp, 8'hff, 23'd0};
    end else if (inf_c) begin
      r_o = c_i;
    end else if (zero_a || zero_b) begin
      // The product is an exact zero: c unchanged, or a zero whose sign needs both negative.
      r_o = zero_c ? {sp & sc, 31'd0} : c_i;
    end else if (sum == '0) begin
      r_o = 32'd0;  // exact cancellation rounds to +0
    end else if (sig_bits[23] && biased >= 12'sd255) begin
      r_o = {sign, 8'hff, 23'd0};
    end else begin
      r_o = {sign, packed_val + 31'(round_up)};
    end
  end

endmodule
