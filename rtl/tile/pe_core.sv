// The PE core (docs/isa.md): an in-order, one-instruction-at-a-time core with a scalar
// control path, descriptor registers, a task table and scheduler, and the tensor datapath
// (pe_tensor). Instruction memory is inside the core; data SRAM is outside, reached through
// one port per bank. The core talks to the fabric through its router's Local port.
module pe_core #(
  /// Colors of the receive queues and the send port.
  parameter int unsigned NumColors   = 8,
  /// Receive-queue depth per color (the router's buffer depth).
  parameter int unsigned RxDepth     = 4,
  /// SRAM banks (a power of two, word-interleaved).
  parameter int unsigned NumBanks    = 8,
  /// Cycles from a served read to its data.
  parameter int unsigned ReadLatency = 1,
  /// Lanes of the f16 tensor path.
  parameter int unsigned SimdWidth   = 4,
  /// Data SRAM size in bytes.
  parameter int unsigned SramBytes   = 49152,
  /// Instruction memory size in words.
  parameter int unsigned ImemWords   = 4096
) (
  input  logic                                clk_i,
  input  logic                                rst_ni,
  /// The tile's coordinates (CSRs x and y); straps sampled in reset.
  input  mesh_pkg::coord_t                    x_i,
  input  mesh_pkg::coord_t                    y_i,
  /// Credits per color for sending: the router's buffer depth in use; a strap.
  input  logic [$clog2(RxDepth+1)-1:0]        tx_credits_i,
  /// Instruction memory load port (the runtime writes programs through it).
  input  logic                                imem_we_i,
  input  logic [$clog2(ImemWords)-1:0]        imem_addr_i,
  input  logic [31:0]                         imem_wdata_i,
  /// SRAM bank ports.
  output logic [NumBanks-1:0]                 mem_req_o,
  output logic [NumBanks-1:0]                 mem_we_o,
  output logic [NumBanks-1:0][AddrW-1:0]      mem_addr_o,
  output logic [NumBanks-1:0][31:0]           mem_wdata_o,
  output logic [NumBanks-1:0][3:0]            mem_be_o,
  input  logic [NumBanks-1:0]                 mem_gnt_i,
  input  logic [NumBanks-1:0][31:0]           mem_rdata_i,
  /// To the router's Local input: a wavelet, and credits back per color.
  output logic [mesh_pkg::FlitW-1:0]          tx_flit_o,
  output logic                                tx_valid_o,
  input  logic [NumColors-1:0]                tx_credit_i,
  /// From the router's Local output: a wavelet, and credits returned per color.
  input  logic [mesh_pkg::FlitW-1:0]          rx_flit_i,
  input  logic                                rx_valid_i,
  output logic [NumColors-1:0]                rx_credit_o,
  /// Route register writes (rcfg) to the router's configuration port.
  output logic                                cfg_valid_o,
  output mesh_pkg::color_t                    cfg_color_o,
  output logic [2:0]                          cfg_sel_o,
  output logic [mesh_pkg::CfgDataW-1:0]       cfg_data_o,
  /// Status: halted (by halt or an error), the error, and waiting for a task.
  output logic                                halted_o,
  output logic [2:0]                          err_o,
  output logic                                idle_o,
  /// Trace and lockstep: an instruction retired (its pc), a task started, the registers.
  output logic                                retire_o,
  output logic [15:0]                         retire_pc_o,
  output logic                                dispatch_o,
  output logic [4:0]                          task_o,
  output logic [15:0]                         pc_o,
  output logic [15:0][31:0]                   regs_o,
  output logic                                stall_o,
  /// Why the core made no progress this cycle (pe_pkg::Wait*), and the color waited on.
  output logic [1:0]                          wait_o,
  output logic [4:0]                          wait_color_o
);
  /// Word-address width of the SRAM (derived).
  localparam int unsigned AddrW  = $clog2(SramBytes / 4);
  /// Instruction-address width (derived).
  localparam int unsigned IaW    = $clog2(ImemWords);
  /// Color-index width (derived).
  localparam int unsigned CIdxW  = (NumColors > 1) ? $clog2(NumColors) : 1;
  /// Bank index width (derived).
  localparam int unsigned BankW  = (NumBanks > 1) ? $clog2(NumBanks) : 1;
  /// Send-credit counter width (derived).
  localparam int unsigned CredW  = $clog2(RxDepth + 1);
  /// Load-wait counter width (derived).
  localparam int unsigned LatW   = $clog2(ReadLatency + 1);

  typedef enum logic [2:0] { Exec, LoadWait, Tensor, Dispatch, Halted } state_e;

  // ------------------------------------------------------------------ state
  state_e                          state_q, state_d;
  logic [15:0]                     pc_q, pc_d;
  logic [15:0][31:0]               regs_q;
  logic [7:0][pe_pkg::DescW-1:0]   desc_q;
  logic [15:0][15:0]               task_entry_q;
  logic [15:0][4:0]                task_color_q;
  logic [15:0]                     task_ctrl_q, task_bound_q, task_active_q, task_blocked_q;
  logic [4:0]                      current_q;
  logic [31:0]                     taskdata_q;
  logic [2:0]                      err_q;
  logic [63:0]                     cycle_q;
  logic [31:0]                     instret_q, stalls_q;
  logic [LatW-1:0]                 ld_wait_q;
  logic [3:0]                      ld_rd_q;
  logic                            ld_half_q, ld_upper_q;
  logic [BankW-1:0]                ld_bank_q;
  logic [3:0]                      t_rd_q;
  mesh_pkg::coord_t                x_q, y_q;
  logic [NumColors-1:0][CredW-1:0] tx_cred_q;

  // ------------------------------------------------------------------ receive queues
  logic [NumColors-1:0]            rxq_valid, rxq_pop, rxq_push;
  logic [NumColors-1:0][31:0]      rxq_data;
  /* verilator lint_off UNUSEDSIGNAL */
  mesh_pkg::flit_t                 rx_view;  // head and tail marks mean nothing to the core
  /* verilator lint_on UNUSEDSIGNAL */
  logic                            rx_ctrl;
  always_comb begin
    rx_view  = rx_flit_i;
    rx_ctrl  = rx_valid_i && rx_view.ctrl;
    rxq_push = '0;
    if (rx_valid_i && !rx_view.ctrl) rxq_push[rx_view.color[CIdxW-1:0]] = 1'b1;
  end
  for (genvar c = 0; c < NumColors; c++) begin : g_rxq
    logic unused_full;
    flit_fifo #(.Depth(RxDepth), .Width(32)) u_q (
      .clk_i,
      .rst_ni,
      .push_i  (rxq_push[c]),
      .flit_i  (rx_view.data),
      .pop_i   (rxq_pop[c]),
      .flit_o  (rxq_data[c]),
      .valid_o (rxq_valid[c]),
      .full_o  (unused_full)
    );
  end
  // A credit goes back for every wavelet taken: popped from a queue, or a control wavelet
  // taken by the task unit on arrival.
  always_comb begin
    rx_credit_o = rxq_pop;
    if (rx_ctrl) rx_credit_o[rx_view.color[CIdxW-1:0]] = 1'b1;
  end

  // ------------------------------------------------------------------ instruction memory
  // A macro (mem_macro.sv): the runtime writes it through the load port, the core reads the
  // word at pc within the cycle.
  logic [31:0] imem_rdata;
  mem_macro #(.Words(ImemWords), .Width(32)) u_imem (
    .clk_i,
    .we_i    (imem_we_i),
    .waddr_i (imem_addr_i),
    .wdata_i (imem_wdata_i),
    .raddr_i (pc_q[IaW-1:0]),
    .rdata_o (imem_rdata)
  );

  // ------------------------------------------------------------------ decode
  logic [31:0] instr;
  logic [5:0]  op;
  logic [3:0]  rd, rs1, rs2, rs3, fn;
  logic [2:0]  dd, da, db;
  logic [3:0]  t_rs, t_rd;
  logic [31:0] imm18, imm22u, a, b, c;
  logic [9:0]  imm10;
  assign instr  = ({1'b0, pc_q} < 17'(ImemWords)) ? imem_rdata : 32'hffff_ffff;
  assign op     = instr[31:26];
  assign rd     = instr[25:22];
  assign rs1    = instr[21:18];
  assign rs2    = instr[17:14];
  assign rs3    = instr[13:10];
  assign fn     = instr[3:0];
  assign dd     = instr[25:23];
  assign da     = instr[22:20];
  assign db     = instr[19:17];
  assign t_rs   = instr[16:13];
  assign t_rd   = instr[12:9];
  assign imm18  = {{14{instr[17]}}, instr[17:0]};
  assign imm22u = {10'd0, instr[21:0]};
  assign imm10  = instr[13:4];
  assign a      = regs_q[rs1];
  assign b      = (op == pe_pkg::OpSw || op == pe_pkg::OpSh || op == pe_pkg::OpBeq ||
                   op == pe_pkg::OpBne || op == pe_pkg::OpBlt || op == pe_pkg::OpBge ||
                   op == pe_pkg::OpBltu || op == pe_pkg::OpBgeu) ? regs_q[rd] : regs_q[rs2];
  assign c      = regs_q[rs3];

  // ------------------------------------------------------------------ scalar units
  logic [31:0] fma_a, fma_b, fma_c, fma_r, cmp_max, cmp_min, i2f, f2i, h2f, f2h;
  logic        cmp_lt, cmp_le, cmp_eq;
  always_comb begin
    fma_a = a;
    fma_b = 32'h3f80_0000;
    fma_c = b;
    if (op == pe_pkg::OpFfma) begin
      fma_b = b;
      fma_c = c;
    end else if (fn == pe_pkg::FnFsub) begin
      fma_c = b ^ 32'h8000_0000;
    end else if (fn == pe_pkg::FnFmul) begin
      fma_b = b;
      fma_c = 32'h8000_0000;
    end
  end
  fp32_fma   u_fma (.a_i(fma_a), .b_i(fma_b), .c_i(fma_c), .r_o(fma_r));
  fp_compare u_cmp (.a_i(a), .b_i(b), .lt_o(cmp_lt), .le_o(cmp_le), .eq_o(cmp_eq),
                    .max_o(cmp_max), .min_o(cmp_min));
  fp_convert u_cvt (.a_i(a), .int_to_f_o(i2f), .f_to_int_o(f2i), .h_to_f_o(h2f), .f_to_h_o(f2h));

  // ------------------------------------------------------------------ tensor datapath
  logic                            t_start, t_busy, t_done, t_stall;
  logic [1:0]                      t_wait;
  logic [4:0]                      t_wait_color;
  logic [31:0]                     t_result;
  logic [NumBanks-1:0]             t_mem_req, t_mem_we;
  logic [NumBanks-1:0][AddrW-1:0]  t_mem_addr;
  logic [NumBanks-1:0][31:0]       t_mem_wdata;
  logic [NumBanks-1:0][3:0]        t_mem_be;
  logic [NumColors-1:0]            t_rx_pop;
  logic                            t_tx_valid;
  logic [4:0]                      t_tx_color;
  logic [31:0]                     t_tx_data;
  logic [NumColors-1:0]            tx_ready;
  always_comb begin
    for (int unsigned k = 0; k < NumColors; k++) tx_ready[k] = tx_cred_q[k] != '0;
  end
  pe_tensor #(
    .NumBanks    (NumBanks),
    .ReadLatency (ReadLatency),
    .SimdWidth   (SimdWidth),
    .NumColors   (NumColors),
    .AddrW       (AddrW)
  ) u_tensor (
    .clk_i,
    .rst_ni,
    .start_i     (t_start),
    .fn_i        (fn),
    .desc_a_i    (desc_q[da]),
    .desc_b_i    (desc_q[db]),
    .desc_d_i    (desc_q[dd]),
    .scalar_i    (regs_q[t_rs]),
    .busy_o      (t_busy),
    .done_o      (t_done),
    .result_o    (t_result),
    .stall_o     (t_stall),
    .wait_o      (t_wait),
    .wait_color_o(t_wait_color),
    .mem_req_o   (t_mem_req),
    .mem_we_o    (t_mem_we),
    .mem_addr_o  (t_mem_addr),
    .mem_wdata_o (t_mem_wdata),
    .mem_be_o    (t_mem_be),
    .mem_gnt_i,
    .mem_rdata_i,
    .rx_valid_i  (rxq_valid),
    .rx_data_i   (rxq_data),
    .rx_pop_o    (t_rx_pop),
    .tx_ready_i  (tx_ready),
    .tx_valid_o  (t_tx_valid),
    .tx_color_o  (t_tx_color),
    .tx_data_o   (t_tx_data)
  );

  // ------------------------------------------------------------------ operand checks
  // A tensor operation's operands, checked whole in its setup cycle (docs/isa.md, Errors).
  logic [15:0] t_len;
  logic        t_has_b, t_reduction;
  logic [2:0]  t_err;
  logic [31:0] data_owned;  // colors bound to data tasks (a mask over every 5-bit color)
  logic [pe_pkg::DescW-1:0] ta, tb, td;

  // The byte range [lo, hi) an array's first t_len elements cover (one multiplier each).
  logic signed [40:0] lo_a, hi_a, lo_b, hi_b, lo_d, hi_d;
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic signed [40:0] span_edge(logic [pe_pkg::DescW-1:0] d, logic [15:0] n,
                                                   logic upper);
    logic signed [40:0] first, last, size;
    size  = d[69] ? 41'sd2 : 41'sd4;
    first = $signed({9'd0, d[31:0]});
    last  = first + $signed({{25{d[63]}}, d[63:48]}) * $signed({25'd0, n - 16'd1}) * size;
    if (upper) begin
      span_edge = ((first < last) ? last : first) + size;
    end else begin
      span_edge = (first < last) ? first : last;
    end
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */
  function automatic logic [2:0] array_error(logic is_fabric, logic f16, logic [1:0] base_lo,
                                             logic [15:0] n, logic signed [40:0] lo,
                                             logic signed [40:0] hi);
    if (is_fabric || n == '0) begin
      array_error = pe_pkg::ErrNone;
    end else if ((f16 && base_lo[0]) || (!f16 && base_lo != 2'b00)) begin
      array_error = pe_pkg::ErrMisaligned;
    end else if (lo < 0 || hi > $signed(41'(SramBytes))) begin
      array_error = pe_pkg::ErrAddress;
    end else begin
      array_error = pe_pkg::ErrNone;
    end
  endfunction
  // A destination overlapping a source array, other than exactly in place.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic overlapping(logic [pe_pkg::DescW-1:0] src, logic [pe_pkg::DescW-1:0] dst,
                                       logic [15:0] n, logic signed [40:0] s_lo,
                                       logic signed [40:0] s_hi, logic signed [40:0] d_lo,
                                       logic signed [40:0] d_hi);
    if (src[71] || dst[71] || n == '0 ||
        (src[31:0] == dst[31:0] && src[63:48] == dst[63:48] && src[69] == dst[69])) begin
      overlapping = 1'b0;
    end else begin
      overlapping = (s_lo < d_hi) && (d_lo < s_hi);
    end
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  logic [2:0] err_a, err_b, err_d;
  always_comb begin
    data_owned = '0;
    for (int unsigned t = 0; t < pe_pkg::NumTasks; t++) begin
      if (task_bound_q[t] && !task_ctrl_q[t]) data_owned[task_color_q[t]] = 1'b1;
    end
    ta          = desc_q[da];
    tb          = desc_q[db];
    td          = desc_q[dd];
    t_reduction = fn >= pe_pkg::FnTfdot;
    t_has_b     = (fn == pe_pkg::FnTfmac) || (fn == pe_pkg::FnTfadd) || (fn == pe_pkg::FnTfmul) ||
                  (fn == pe_pkg::FnTfmax) || (fn == pe_pkg::FnTfdot);
    t_len       = t_reduction ? ta[47:32] : td[47:32];
    lo_a        = span_edge(ta, t_len, 1'b0);
    hi_a        = span_edge(ta, t_len, 1'b1);
    lo_b        = span_edge(tb, t_len, 1'b0);
    hi_b        = span_edge(tb, t_len, 1'b1);
    lo_d        = span_edge(td, t_len, 1'b0);
    hi_d        = span_edge(td, t_len, 1'b1);
    err_a       = array_error(ta[71], ta[69], ta[1:0], t_len, lo_a, hi_a);
    err_b       = t_has_b ? array_error(tb[71], tb[69], tb[1:0], t_len, lo_b, hi_b) : pe_pkg::ErrNone;
    err_d       = t_reduction ? pe_pkg::ErrNone : array_error(td[71], td[69], td[1:0], t_len, lo_d, hi_d);
    t_err       = pe_pkg::ErrNone;
    // Colors the tile lacks, lengths and directions, owned colors, then alignment and range
    // (the golden model's order).
    if ((ta[71] && ta[68:64] >= 5'(NumColors)) || (t_has_b && tb[71] && tb[68:64] >= 5'(NumColors)) ||
        (!t_reduction && td[71] && td[68:64] >= 5'(NumColors))) begin
      t_err = pe_pkg::ErrIllegal;
    end else if (ta[47:32] < t_len || (ta[71] && ta[70])) begin
      t_err = pe_pkg::ErrShortOperand;
    end else if (ta[71] && data_owned[ta[68:64]]) begin
      t_err = pe_pkg::ErrOwnedColor;
    end else if (t_has_b && (tb[47:32] < t_len || (tb[71] && tb[70]))) begin
      t_err = pe_pkg::ErrShortOperand;
    end else if (t_has_b && tb[71] && data_owned[tb[68:64]]) begin
      t_err = pe_pkg::ErrOwnedColor;
    end else if (t_has_b && ta[71] && tb[71]) begin
      t_err = pe_pkg::ErrShortOperand;
    end else if (!t_reduction && (td[47:32] < t_len || (td[71] && !td[70]))) begin
      t_err = pe_pkg::ErrShortOperand;
    end else if (err_a != pe_pkg::ErrNone) begin
      t_err = err_a;
    end else if (t_has_b && err_b != pe_pkg::ErrNone) begin
      t_err = err_b;
    end else if (err_d != pe_pkg::ErrNone) begin
      t_err = err_d;
    end else if (!t_reduction && (overlapping(ta, td, t_len, lo_a, hi_a, lo_d, hi_d) ||
                                  (t_has_b && overlapping(tb, td, t_len, lo_b, hi_b, lo_d, hi_d)))) begin
      t_err = pe_pkg::ErrOverlap;
    end
  end

  // ------------------------------------------------------------------ scalar memory
  logic [31:0]      m_addr;
  logic             m_size4, m_misaligned, m_range;
  logic [BankW-1:0] m_bank;
  assign m_addr       = a + imm18;
  assign m_size4      = (op == pe_pkg::OpLw) || (op == pe_pkg::OpSw);
  assign m_misaligned = m_size4 ? (m_addr[1:0] != 2'b00) : m_addr[0];
  assign m_range      = ({1'b0, m_addr} + (m_size4 ? 33'd4 : 33'd2)) > 33'(SramBytes);
  assign m_bank       = (NumBanks > 1) ? m_addr[2 +: BankW] : '0;

  // ------------------------------------------------------------------ scheduler
  logic        sched_found;
  logic [3:0]  sched_task;
  logic        sched_has_wavelet;
  always_comb begin
    sched_found       = 1'b0;
    sched_task        = '0;
    sched_has_wavelet = 1'b0;
    for (int t = pe_pkg::NumTasks - 1; t >= 0; t--) begin
      if (task_bound_q[t] && !task_blocked_q[t] &&
          (task_active_q[t] ||
           (!task_ctrl_q[t] && task_color_q[t] < 5'(NumColors) &&
            rxq_valid[task_color_q[t][CIdxW-1:0]]))) begin
        sched_found       = 1'b1;
        sched_task        = 4'(t);
        sched_has_wavelet = !task_ctrl_q[t] && task_color_q[t] < 5'(NumColors) &&
                            rxq_valid[task_color_q[t][CIdxW-1:0]];
      end
    end
  end

  // ------------------------------------------------------------------ execute
  logic        retire, wr_en, illegal, halt_now, stall_mem;
  logic [3:0]  wr_rd;
  logic [31:0] wr_data;
  logic [2:0]  err_now;
  logic        s_send;
  logic [4:0]  s_send_color;
  logic        s_send_ctrl, s_send_head, s_send_tail;
  logic        desc_we, task_we, dispatch_now;
  logic [pe_pkg::DescW-1:0] desc_new;
  logic [31:0] csr_val;

  always_comb begin
    wait_o       = pe_pkg::WaitNone;
    wait_color_o = imm10[4:0];
    state_d      = state_q;
    pc_d         = pc_q;
    retire       = 1'b0;
    wr_en        = 1'b0;
    wr_rd        = rd;
    wr_data      = '0;
    illegal      = 1'b0;
    halt_now     = 1'b0;
    err_now      = pe_pkg::ErrNone;
    stall_mem    = 1'b0;
    s_send       = 1'b0;
    s_send_color = imm10[4:0];
    s_send_ctrl  = imm10[5];
    s_send_head  = imm10[6];
    s_send_tail  = imm10[7];
    desc_we      = 1'b0;
    desc_new     = '0;
    task_we      = 1'b0;
    dispatch_now = 1'b0;
    t_start      = 1'b0;
    rxq_pop      = t_rx_pop;
    cfg_valid_o  = 1'b0;
    cfg_color_o  = a[4:0];
    cfg_sel_o    = imm10[2:0];
    cfg_data_o   = b[mesh_pkg::CfgDataW-1:0];
    mem_req_o    = t_busy ? t_mem_req : '0;
    mem_we_o     = t_busy ? t_mem_we : '0;
    mem_addr_o   = t_busy ? t_mem_addr : '0;
    mem_wdata_o  = t_busy ? t_mem_wdata : '0;
    mem_be_o     = t_busy ? t_mem_be : '0;
    csr_val      = '0;

    case (imm10)
      pe_pkg::CsrX:        csr_val = 32'(x_q);
      pe_pkg::CsrY:        csr_val = 32'(y_q);
      pe_pkg::CsrCycle:    csr_val = cycle_q[31:0];
      pe_pkg::CsrCycleH:   csr_val = cycle_q[63:32];
      pe_pkg::CsrTask:     csr_val = 32'(current_q);
      pe_pkg::CsrTaskData: csr_val = taskdata_q;
      pe_pkg::CsrInstret:  csr_val = instret_q;
      pe_pkg::CsrStalls:   csr_val = stalls_q;
      pe_pkg::CsrErr:      csr_val = 32'(err_q);
      default:             csr_val = '0;
    endcase

    unique case (state_q)
      Exec: begin
        if ({1'b0, pc_q} >= 17'(ImemWords)) begin  // 17 bits: ImemWords may be 65,536
          illegal = 1'b1;
        end else begin
          pc_d = pc_q + 16'd1;
          unique case (op)
            pe_pkg::OpHalt: begin
              if (instr != '0) illegal = 1'b1;
              else begin
                halt_now = 1'b1;
                retire   = 1'b1;
              end
            end
            pe_pkg::OpAlu: begin
              wr_en  = fn < 4'(pe_pkg::NumAluFns);
              retire = fn < 4'(pe_pkg::NumAluFns);
              illegal = fn >= 4'(pe_pkg::NumAluFns);
              case (fn)
                pe_pkg::FnAdd:  wr_data = a + b;
                pe_pkg::FnSub:  wr_data = a - b;
                pe_pkg::FnAnd:  wr_data = a & b;
                pe_pkg::FnOr:   wr_data = a | b;
                pe_pkg::FnXor:  wr_data = a ^ b;
                pe_pkg::FnSll:  wr_data = a << b[4:0];
                pe_pkg::FnSrl:  wr_data = a >> b[4:0];
                pe_pkg::FnSra:  wr_data = $unsigned($signed(a) >>> b[4:0]);
                pe_pkg::FnSlt:  wr_data = 32'($signed(a) < $signed(b));
                pe_pkg::FnSltu: wr_data = 32'(a < b);
                pe_pkg::FnMul:  wr_data = a * b;
                default:        wr_data = '0;
              endcase
            end
            pe_pkg::OpAddi, pe_pkg::OpAndi, pe_pkg::OpOri, pe_pkg::OpXori, pe_pkg::OpSlli,
            pe_pkg::OpSrli, pe_pkg::OpSrai, pe_pkg::OpSlti: begin
              wr_en  = 1'b1;
              retire = 1'b1;
              case (op)
                pe_pkg::OpAddi: wr_data = a + imm18;
                pe_pkg::OpAndi: wr_data = a & imm18;
                pe_pkg::OpOri:  wr_data = a | imm18;
                pe_pkg::OpXori: wr_data = a ^ imm18;
                pe_pkg::OpSlli: wr_data = a << imm18[4:0];
                pe_pkg::OpSrli: wr_data = a >> imm18[4:0];
                pe_pkg::OpSrai: wr_data = $unsigned($signed(a) >>> imm18[4:0]);
                default:        wr_data = 32'($signed(a) < $signed(imm18));
              endcase
            end
            pe_pkg::OpLui: begin
              wr_en   = 1'b1;
              retire  = 1'b1;
              wr_data = imm22u << 10;
            end
            pe_pkg::OpJal: begin
              wr_en   = 1'b1;
              retire  = 1'b1;
              wr_data = 32'(pc_q) + 32'd1;
              pc_d    = pc_q + instr[15:0];  // the 22-bit offset, modulo the 16-bit pc
            end
            pe_pkg::OpJalr: begin
              wr_en   = 1'b1;
              retire  = 1'b1;
              wr_data = 32'(pc_q) + 32'd1;
              pc_d    = 16'(a + imm18);
            end
            pe_pkg::OpBeq, pe_pkg::OpBne, pe_pkg::OpBlt, pe_pkg::OpBge, pe_pkg::OpBltu,
            pe_pkg::OpBgeu: begin
              logic taken;
              case (op)
                pe_pkg::OpBeq:  taken = a == b;
                pe_pkg::OpBne:  taken = a != b;
                pe_pkg::OpBlt:  taken = $signed(a) < $signed(b);
                pe_pkg::OpBge:  taken = $signed(a) >= $signed(b);
                pe_pkg::OpBltu: taken = a < b;
                default:        taken = a >= b;
              endcase
              retire = 1'b1;
              if (taken) pc_d = pc_q + imm18[15:0];
            end
            pe_pkg::OpLw, pe_pkg::OpLhu, pe_pkg::OpSw, pe_pkg::OpSh: begin
              if (m_misaligned) begin
                err_now = pe_pkg::ErrMisaligned;
              end else if (m_range) begin
                err_now = pe_pkg::ErrAddress;
              end else if (!mem_gnt_i[m_bank]) begin
                stall_mem = 1'b1;
                wait_o    = pe_pkg::WaitSram;
                pc_d      = pc_q;
              end else begin
                mem_req_o[m_bank]  = 1'b1;
                mem_addr_o[m_bank] = AddrW'(m_addr[31:2]);
                if (op == pe_pkg::OpSw || op == pe_pkg::OpSh) begin
                  mem_we_o[m_bank]    = 1'b1;
                  mem_wdata_o[m_bank] = m_size4 ? b : {b[15:0], b[15:0]};
                  mem_be_o[m_bank]    = m_size4 ? 4'b1111 : (m_addr[1] ? 4'b1100 : 4'b0011);
                  retire              = 1'b1;
                end else begin
                  mem_be_o[m_bank] = 4'b1111;
                  state_d          = LoadWait;
                  pc_d             = pc_q;
                end
              end
            end
            pe_pkg::OpFp: begin
              wr_en   = fn < 4'(pe_pkg::NumFpFns);
              retire  = fn < 4'(pe_pkg::NumFpFns);
              illegal = fn >= 4'(pe_pkg::NumFpFns);
              case (fn)
                pe_pkg::FnFadd, pe_pkg::FnFsub, pe_pkg::FnFmul: wr_data = fma_r;
                pe_pkg::FnFmax:   wr_data = cmp_max;
                pe_pkg::FnFmin:   wr_data = cmp_min;
                pe_pkg::FnFlt:    wr_data = 32'(cmp_lt);
                pe_pkg::FnFle:    wr_data = 32'(cmp_le);
                pe_pkg::FnFeq:    wr_data = 32'(cmp_eq);
                pe_pkg::FnFcvtSW: wr_data = i2f;
                pe_pkg::FnFcvtWS: wr_data = f2i;
                pe_pkg::FnFcvtSH: wr_data = h2f;
                pe_pkg::FnFcvtHS: wr_data = f2h;
                default:          wr_data = '0;
              endcase
            end
            pe_pkg::OpFfma: begin
              wr_en   = 1'b1;
              retire  = 1'b1;
              wr_data = fma_r;
            end
            pe_pkg::OpDmem: begin
              desc_we  = 1'b1;
              retire   = 1'b1;
              // base, len, stride, color 0, f16, out 0, fabric 0
              desc_new = {1'b0, 1'b0, instr[0], 5'd0, c[15:0], b[15:0], a};
            end
            pe_pkg::OpDfab: begin
              desc_we  = 1'b1;
              retire   = 1'b1;
              desc_new = {1'b1, instr[5], instr[6], instr[4:0], 16'd0, b[15:0], 32'd0};
            end
            pe_pkg::OpDadd: begin
              desc_we  = 1'b1;
              retire   = 1'b1;
              desc_new = desc_q[dd];
              if (!desc_new[71]) desc_new[31:0] = desc_new[31:0] + a;
            end
            pe_pkg::OpTensor: begin
              if (fn >= 4'(pe_pkg::NumTensorFns)) begin
                illegal = 1'b1;
              end else if (t_err != pe_pkg::ErrNone) begin
                err_now = t_err;
              end else begin
                t_start = 1'b1;
                state_d = Tensor;
                pc_d    = pc_q;
              end
            end
            pe_pkg::OpTbind: begin
              task_we = 1'b1;
              retire  = 1'b1;
            end
            pe_pkg::OpTask: begin
              if (fn >= 4'(pe_pkg::NumTaskFns)) begin
                illegal = 1'b1;
              end else begin
                task_we = 1'b1;
                retire  = 1'b1;
                if (fn == pe_pkg::FnTdone) state_d = Dispatch;
              end
            end
            pe_pkg::OpSend: begin
              if (imm10[4:0] >= 5'(NumColors)) begin
                illegal = 1'b1;
              end else if (!tx_ready[imm10[CIdxW-1:0]]) begin
                pc_d   = pc_q;  // wait for a credit
                wait_o = pe_pkg::WaitFabricOut;
              end else begin
                s_send = 1'b1;
                retire = 1'b1;
              end
            end
            pe_pkg::OpRecv: begin
              if (imm10[4:0] >= 5'(NumColors)) begin
                illegal = 1'b1;
              end else if (data_owned[imm10[4:0]]) begin
                err_now = pe_pkg::ErrOwnedColor;
              end else if (!rxq_valid[imm10[CIdxW-1:0]]) begin
                pc_d   = pc_q;  // wait for a wavelet
                wait_o = pe_pkg::WaitFabricIn;
              end else begin
                rxq_pop[imm10[CIdxW-1:0]] = 1'b1;
                wr_en   = 1'b1;
                retire  = 1'b1;
                wr_data = rxq_data[imm10[CIdxW-1:0]];
              end
            end
            pe_pkg::OpCsrr: begin
              if (imm10 >= 10'(pe_pkg::NumCsrs)) begin
                illegal = 1'b1;
              end else begin
                wr_en   = 1'b1;
                retire  = 1'b1;
                wr_data = csr_val;
              end
            end
            pe_pkg::OpRcfg: begin
              cfg_valid_o = 1'b1;
              retire      = 1'b1;
            end
            default: illegal = 1'b1;
          endcase
        end
        if (illegal) err_now = pe_pkg::ErrIllegal;
        if (err_now != pe_pkg::ErrNone) begin
          state_d = Halted;
          pc_d    = pc_q;
          wr_en   = 1'b0;
          retire  = 1'b0;
        end else if (halt_now) begin
          state_d = Halted;
          pc_d    = pc_q;
        end
      end
      LoadWait: begin
        if (ld_wait_q == LatW'(ReadLatency)) begin
          wr_en   = 1'b1;
          wr_rd   = ld_rd_q;
          wr_data = ld_half_q ? {16'd0, ld_upper_q ? mem_rdata_i[ld_bank_q][31:16]
                                                   : mem_rdata_i[ld_bank_q][15:0]}
                              : mem_rdata_i[ld_bank_q];
          retire  = 1'b1;
          pc_d    = pc_q + 16'd1;
          state_d = Exec;
        end
      end
      Tensor: begin
        wait_o       = t_wait;
        wait_color_o = t_wait_color;
        if (t_done) begin
          retire  = 1'b1;
          pc_d    = pc_q + 16'd1;
          state_d = Exec;
          if (t_reduction) begin
            wr_en   = 1'b1;
            wr_rd   = t_rd_q;
            wr_data = t_result;
          end
        end
      end
      Dispatch: begin
        if (sched_found) begin
          dispatch_now = 1'b1;
          pc_d         = task_entry_q[sched_task];
          state_d      = Exec;
          if (sched_has_wavelet) rxq_pop[task_color_q[sched_task][CIdxW-1:0]] = 1'b1;
        end
      end
      Halted: ;
      default: ;
    endcase
  end

  // The send port: scalar sends and tensor fabric-out streams never overlap. The wavelet
  // is packed as mesh_pkg::flit_t (data, color, ctrl, head, tail); only `send` sets the
  // control and packet bits: a tensor stream is a packet's body (docs/isa.md, Fabric).
  assign tx_flit_o  = {s_send ? a : t_tx_data, s_send ? s_send_color : t_tx_color,
                       s_send && s_send_ctrl, s_send && s_send_head, s_send && s_send_tail};
  assign tx_valid_o = s_send || t_tx_valid;

  // ------------------------------------------------------------------ registers
  logic [CIdxW-1:0] sent_color;
  assign sent_color = s_send ? s_send_color[CIdxW-1:0] : t_tx_color[CIdxW-1:0];

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q        <= Exec;
      pc_q           <= '0;
      regs_q         <= '0;
      desc_q         <= '0;
      task_entry_q   <= '0;
      task_color_q   <= '0;
      task_ctrl_q    <= '0;
      task_bound_q   <= '0;
      task_active_q  <= '0;
      task_blocked_q <= '0;
      current_q      <= pe_pkg::MainTask;
      taskdata_q     <= '0;
      err_q          <= pe_pkg::ErrNone;
      cycle_q        <= '0;
      instret_q      <= '0;
      stalls_q       <= '0;
      ld_wait_q      <= '0;
      ld_rd_q        <= '0;
      ld_half_q      <= 1'b0;
      ld_upper_q     <= 1'b0;
      ld_bank_q      <= '0;
      t_rd_q         <= '0;
      x_q            <= x_i;
      y_q            <= y_i;
      for (int unsigned k = 0; k < NumColors; k++) tx_cred_q[k] <= tx_credits_i;
    end else begin
      state_q <= state_d;
      pc_q    <= pc_d;
      cycle_q <= cycle_q + 64'd1;
      if (retire) instret_q <= instret_q + 32'd1;
      if (stall_mem || (t_busy && t_stall)) stalls_q <= stalls_q + 32'd1;
      if (wr_en && wr_rd != '0) regs_q[wr_rd] <= wr_data;
      if (desc_we) desc_q[dd] <= desc_new;
      if (err_now != pe_pkg::ErrNone) err_q <= err_now;
      // Loads wait ReadLatency cycles for their data.
      if (state_q == Exec && state_d == LoadWait) begin
        ld_wait_q  <= LatW'(1);
        ld_rd_q    <= rd;
        ld_half_q  <= op == pe_pkg::OpLhu;
        ld_upper_q <= m_addr[1];
        ld_bank_q  <= m_bank;
      end else if (state_q == LoadWait) begin
        ld_wait_q <= ld_wait_q + 1'b1;
      end
      if (t_start) t_rd_q <= t_rd;
      // Tasks.
      if (task_we && op == pe_pkg::OpTbind) begin
        task_entry_q[instr[24:21]] <= instr[15:0];
        task_color_q[instr[24:21]] <= instr[20:16];
        task_ctrl_q[instr[24:21]]  <= instr[25];
        task_bound_q[instr[24:21]] <= 1'b1;
      end
      if (task_we && op == pe_pkg::OpTask) begin
        case (fn)
          pe_pkg::FnTact:     task_active_q[imm10[3:0]]  <= 1'b1;
          pe_pkg::FnTblock:   task_blocked_q[imm10[3:0]] <= 1'b1;
          pe_pkg::FnTunblock: task_blocked_q[imm10[3:0]] <= 1'b0;
          default: ;
        endcase
      end
      if (dispatch_now) begin
        current_q  <= {1'b0, sched_task};
        taskdata_q <= sched_has_wavelet ? rxq_data[task_color_q[sched_task][CIdxW-1:0]] : 32'd0;
        task_active_q[sched_task] <= 1'b0;
      end
      // A control wavelet activates the task its payload names (after a dispatch's clear).
      if (rx_ctrl) task_active_q[rx_view.data[3:0]] <= 1'b1;
      // Send credits: one used per wavelet sent, one back per credit from the router.
      for (int unsigned k = 0; k < NumColors; k++) begin
        tx_cred_q[k] <= tx_cred_q[k] - CredW'(tx_valid_o && sent_color == CIdxW'(k))
                                     + CredW'(tx_credit_i[k]);
      end
    end
  end

  assign halted_o    = state_q == Halted;
  assign err_o       = err_q;
  assign idle_o      = state_q == Dispatch && !sched_found;
  assign retire_o    = retire;
  assign retire_pc_o = pc_q;
  assign dispatch_o  = dispatch_now;
  assign task_o      = current_q;
  assign pc_o        = pc_q;
  assign regs_o      = regs_q;
  assign stall_o     = stall_mem || (t_busy && t_stall);

  // ------------------------------------------------------------------ assertions
`ifndef SYNTHESIS
  initial begin
    assert ((NumBanks & (NumBanks - 1)) == 0) else $fatal(1, "pe_core: NumBanks must be a power of two");
    assert (NumColors <= 16) else $fatal(1, "pe_core: at most 16 colors reach the core");
    assert ((ImemWords & (ImemWords - 1)) == 0) else $fatal(1, "pe_core: ImemWords must be a power of two");
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(tx_valid_o && !tx_ready[sent_color]))
        else $error("pe_core: send without a credit");
      assert (!(s_send && t_tx_valid)) else $error("pe_core: scalar and tensor send collide");
    end
  end
`endif

endmodule
