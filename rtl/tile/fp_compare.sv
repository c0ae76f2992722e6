// binary32 comparisons, maximum and minimum (docs/isa.md): comparisons are false with a NaN
// and treat -0 and +0 as equal; max/min return the number when one operand is NaN (the
// canonical NaN if both are) and order -0 below +0.
module fp_compare (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic        lt_o,
  output logic        le_o,
  output logic        eq_o,
  output logic [31:0] max_o,
  output logic [31:0] min_o
);
  logic nan_a, nan_b, both_zero, a_below_b;

  always_comb begin
    nan_a     = (a_i[30:23] == 8'hff) && (a_i[22:0] != '0);
    nan_b     = (b_i[30:23] == 8'hff) && (b_i[22:0] != '0);
    both_zero = (a_i[30:0] == '0) && (b_i[30:0] == '0);
    // Sign-magnitude order; for two zeros, -0 below +0.
    if (a_i[31] != b_i[31]) begin
      a_below_b = a_i[31];
    end else if (a_i[31]) begin
      a_below_b = a_i[30:0] > b_i[30:0];
    end else begin
      a_below_b = a_i[30:0] < b_i[30:0];
    end
    eq_o = !nan_a && !nan_b && (both_zero || a_i == b_i);
    lt_o = !nan_a && !nan_b && !both_zero && a_below_b;
    le_o = lt_o || eq_o;
    if (nan_a && nan_b) begin
      max_o = 32'h7fc0_0000;
      min_o = 32'h7fc0_0000;
    end else if (nan_a) begin
      max_o = b_i;
      min_o = b_i;
    end else if (nan_b) begin
      max_o = a_i;
      min_o = a_i;
    end else begin
      max_o = a_below_b ? b_i : a_i;
      min_o = a_below_b ? a_i : b_i;
    end
  end

endmodule
