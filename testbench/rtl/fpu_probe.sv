// Testbench wrapper: every floating-point function of the core on one set of operands, so
// the C++ test can compare them with the golden arithmetic (isa/fp.h).
module fpu_probe (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  input  logic [31:0] c_i,
  output logic [31:0] fma_o,
  output logic [31:0] add_o,
  output logic [31:0] mul_o,
  output logic [31:0] max_o,
  output logic [31:0] min_o,
  output logic [2:0]  cmp_o,      // {eq, le, lt}
  output logic [31:0] i2f_o,
  output logic [31:0] f2i_o,
  output logic [31:0] h2f_o,
  output logic [31:0] f2h_o
);
  logic lt, le, eq;
  fp32_fma u_fma (.a_i(a_i), .b_i(b_i), .c_i(c_i), .r_o(fma_o));
  fp32_fma u_add (.a_i(a_i), .b_i(32'h3f80_0000), .c_i(b_i), .r_o(add_o));
  fp32_fma u_mul (.a_i(a_i), .b_i(b_i), .c_i(32'h8000_0000), .r_o(mul_o));
  fp_compare u_cmp (.a_i(a_i), .b_i(b_i), .lt_o(lt), .le_o(le), .eq_o(eq), .max_o(max_o),
                    .min_o(min_o));
  fp_convert u_cvt (.a_i(a_i), .int_to_f_o(i2f_o), .f_to_int_o(f2i_o), .h_to_f_o(h2f_o),
                    .f_to_h_o(f2h_o));
  assign cmp_o = {eq, le, lt};
endmodule
