// The PE's tensor datapath: streams descriptor operands through E lanes of floating-point
// units, as docs/isa.md ("Tensor operations") specifies cycle by cycle. Steps of E elements
// (E = SimdWidth when every operand is an f16 array, else 1) begin in an issue stage that
// serves their SRAM reads one word per bank per cycle, wait ReadLatency cycles for the data,
// and leave through a write stage that serves their writes (or sends them on the fabric,
// or adds them into the lane accumulators of a reduction).
//
// The core checks operands (lengths, alignment, range, colors) before it starts an
// operation; this module assumes they are legal.
module pe_tensor #(
  /// SRAM banks (word-interleaved).
  parameter int unsigned NumBanks    = 8,
  /// Cycles from a served read to its data.
  parameter int unsigned ReadLatency = 1,
  /// Lanes of the f16 path.
  parameter int unsigned SimdWidth   = 4,
  /// Colors of the receive queues and the send port.
  parameter int unsigned NumColors   = 8,
  /// Word-address width of the SRAM.
  parameter int unsigned AddrW       = 14
) (
  input  logic                                clk_i,
  input  logic                                rst_ni,
  /// Start an operation (the instruction's setup cycle).
  input  logic                                start_i,
  input  logic [3:0]                          fn_i,
  input  logic [pe_pkg::DescW-1:0]            desc_a_i,
  input  logic [pe_pkg::DescW-1:0]            desc_b_i,
  input  logic [pe_pkg::DescW-1:0]            desc_d_i,
  input  logic [31:0]                         scalar_i,
  /// An operation is in progress.
  output logic                                busy_o,
  /// The operation retires this cycle; reductions give their result.
  output logic                                done_o,
  output logic [31:0]                         result_o,
  /// A read or write waited for a bank this cycle.
  output logic                                stall_o,
  /// Why no step moved this cycle (pe_pkg::Wait*), and the fabric color waited on.
  output logic [1:0]                          wait_o,
  output logic [4:0]                          wait_color_o,
  /// SRAM bank ports: one word access per bank per cycle, read data ReadLatency later.
  output logic [NumBanks-1:0]                 mem_req_o,
  output logic [NumBanks-1:0]                 mem_we_o,
  output logic [NumBanks-1:0][AddrW-1:0]      mem_addr_o,
  output logic [NumBanks-1:0][31:0]           mem_wdata_o,
  output logic [NumBanks-1:0][3:0]            mem_be_o,
  input  logic [NumBanks-1:0]                 mem_gnt_i,
  input  logic [NumBanks-1:0][31:0]           mem_rdata_i,
  /// Receive queues (head of each color) and pops.
  input  logic [NumColors-1:0]                rx_valid_i,
  input  logic [NumColors-1:0][31:0]          rx_data_i,
  output logic [NumColors-1:0]                rx_pop_o,
  /// Send port: a credit per color, and one wavelet per cycle.
  input  logic [NumColors-1:0]                tx_ready_i,
  output logic                                tx_valid_o,
  output logic [4:0]                          tx_color_o,
  output logic [31:0]                         tx_data_o
);
  /// Lanes (derived).
  localparam int unsigned E      = SimdWidth;
  /// Read slots per step: E elements of A, then E of B (derived).
  localparam int unsigned Slots  = 2 * SimdWidth;
  /// Steps begun and not yet written, at most (derived).
  localparam int unsigned Depth  = ReadLatency + 2;
  /// Step-buffer index width (derived).
  localparam int unsigned EntW   = (Depth > 1) ? $clog2(Depth) : 1;
  /// Bank index width (derived).
  localparam int unsigned BankW  = (NumBanks > 1) ? $clog2(NumBanks) : 1;
  /// Lane-count width (derived).
  localparam int unsigned LaneW  = $clog2(SimdWidth + 1);
  /// Color-index width (derived).
  localparam int unsigned CIdxW  = (NumColors > 1) ? $clog2(NumColors) : 1;

  // ------------------------------------------------------------------ descriptor fields
  // Each helper takes the whole flattened descriptor and reads its own field.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [31:0] d_base(logic [pe_pkg::DescW-1:0] d);
    d_base = d[31:0];
  endfunction
  function automatic logic [15:0] d_stride(logic [pe_pkg::DescW-1:0] d);
    d_stride = d[63:48];
  endfunction
  function automatic logic [4:0] d_color(logic [pe_pkg::DescW-1:0] d);
    d_color = d[68:64];
  endfunction
  function automatic logic d_f16(logic [pe_pkg::DescW-1:0] d);
    d_f16 = d[69];
  endfunction
  function automatic logic d_fabric(logic [pe_pkg::DescW-1:0] d);
    d_fabric = d[71];
  endfunction
  // Bytes between consecutive elements of an array: the stride times the element size.
  function automatic logic [31:0] stride_bytes(logic [pe_pkg::DescW-1:0] d);
    stride_bytes = d[69] ? {{15{d[63]}}, d[63:48], 1'b0} : {{14{d[63]}}, d[63:48], 2'b00};
  endfunction
  function automatic logic [CIdxW-1:0] d_cidx(logic [pe_pkg::DescW-1:0] d);
    d_cidx = d[64 +: CIdxW];
  endfunction
  // The bank of a byte address: banks are word-interleaved and a power of two in number.
  function automatic logic [BankW-1:0] bank_of(logic [31:0] addr);
    bank_of = (NumBanks > 1) ? addr[2 +: BankW] : '0;
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // ------------------------------------------------------------------ state
  logic                            active_q;
  logic [3:0]                      fn_q;
  logic [pe_pkg::DescW-1:0]        a_q, b_q, d_q;
  logic [31:0]                     s_q;
  logic [16:0]                     n_q, next_q;
  // Address generation: each array operand's next step starts at its pointer, and its
  // elements are a fixed number of bytes apart (no multiplier per element).
  logic [31:0]                     ptr_a_q, ptr_b_q, ptr_d_q;
  logic [31:0]                     sb_a_q, sb_b_q, sb_d_q;
  logic                            simd_q;
  // The step that is being issued.
  logic                            issuing_q;
  logic [EntW-1:0]                 cur_q;
  logic [Slots-1:0]                pend_q;
  // Step buffer (a ring of Depth entries).
  logic [Depth-1:0]                ent_valid_q, ent_issued_q, ent_done_q;
  logic [Depth-1:0][16:0]          ent_elem_q;
  logic [Depth-1:0][31:0]          ent_dbase_q;   // byte address of the step's first D element
  logic [Depth-1:0][LaneW-1:0]     ent_cnt_q;
  logic [Depth-1:0][Slots:0]       ent_wait_q;    // slots awaiting data; bit Slots: no-read marker
  logic [Depth-1:0][E-1:0]         ent_wpend_q;
  logic [Depth-1:0][Slots-1:0][31:0] ent_val_q;
  logic [Depth-1:0][Slots-1:0]     ent_half_q;    // the element is the upper half of its word
  logic [EntW-1:0]                 head_q, tail_q;
  logic [EntW:0]                   count_q;
  // Reads in flight: per stage and bank, the entry and slots the word delivers.
  logic [ReadLatency-1:0][NumBanks-1:0]             dl_valid_q;
  logic [ReadLatency-1:0][NumBanks-1:0][EntW-1:0]   dl_ent_q;
  logic [ReadLatency-1:0][NumBanks-1:0][Slots-1:0]  dl_mask_q;
  logic [ReadLatency-1:0]                           dl_virt_q;
  logic [ReadLatency-1:0][EntW-1:0]                 dl_virt_ent_q;
  // Reductions.
  logic [E-1:0][31:0]              acc_q;
  logic                            combining_q;
  logic [LaneW-1:0]                comb_k_q;
  logic [31:0]                     total_q;

  // Operation shape.
  logic has_b, reduction, lanes_simd;
  always_comb begin
    has_b     = (fn_q == pe_pkg::FnTfmac) || (fn_q == pe_pkg::FnTfadd) ||
                (fn_q == pe_pkg::FnTfmul) || (fn_q == pe_pkg::FnTfmax) ||
                (fn_q == pe_pkg::FnTfdot);
    reduction = (fn_q == pe_pkg::FnTfdot) || (fn_q == pe_pkg::FnTfsum) ||
                (fn_q == pe_pkg::FnTfmaxr);
    lanes_simd = simd_q;
  end

  // ------------------------------------------------------------------ write stage: compute
  logic [EntW-1:0]        h;
  logic                   head_ready;
  logic [E-1:0][31:0]     va, vb, fma_a, fma_b, fma_c, fma_r, cmp_max, res32, acc_next;
  logic [E-1:0][15:0]     res16;
  assign h          = head_q;
  assign head_ready = ent_valid_q[h] && ent_done_q[h];

  for (genvar k = 0; k < E; k++) begin : g_lane
    assign va[k] = ent_val_q[h][k];
    assign vb[k] = ent_val_q[h][E + k];
    always_comb begin
      // Every function is one FMA (add: x * 1 + y, multiply: x * y + -0) or a comparison.
      fma_a[k] = va[k];
      fma_b[k] = 32'h3f80_0000;
      fma_c[k] = 32'h8000_0000;
      case (fn_q)
        pe_pkg::FnTfmac:  begin fma_a[k] = vb[k]; fma_b[k] = s_q;   fma_c[k] = va[k]; end
        pe_pkg::FnTfadd:  begin fma_c[k] = vb[k]; end
        pe_pkg::FnTfmul:  begin fma_b[k] = vb[k]; end
        pe_pkg::FnTfmuls: begin fma_b[k] = s_q; end
        pe_pkg::FnTfadds: begin fma_c[k] = s_q; end
        pe_pkg::FnTfdot:  begin fma_b[k] = vb[k]; fma_c[k] = acc_q[k]; end
        pe_pkg::FnTfsum:  begin fma_c[k] = acc_q[k]; end
        default: ;
      endcase
    end
    fp32_fma u_fma (.a_i(fma_a[k]), .b_i(fma_b[k]), .c_i(fma_c[k]), .r_o(fma_r[k]));
    logic unused_lt, unused_le, unused_eq;
    logic [31:0] unused_min;
    fp_compare u_cmp (
      .a_i   ((fn_q == pe_pkg::FnTfmaxr) ? acc_q[k] : va[k]),
      .b_i   ((fn_q == pe_pkg::FnTfmaxr) ? va[k] : vb[k]),
      .lt_o  (unused_lt),
      .le_o  (unused_le),
      .eq_o  (unused_eq),
      .max_o (cmp_max[k]),
      .min_o (unused_min)
    );
    always_comb begin
      case (fn_q)
        pe_pkg::FnTfmax: res32[k] = cmp_max[k];
        pe_pkg::FnTfmov: res32[k] = va[k];
        default:         res32[k] = fma_r[k];
      endcase
      acc_next[k] = (fn_q == pe_pkg::FnTfmaxr) ? cmp_max[k] : fma_r[k];
    end
    fp32_to_fp16 u_f2h (.f_i(res32[k]), .h_o(res16[k]));
  end

  // Lane combination of a reduction: total = total (+ or max) acc[k].
  logic [31:0] comb_x, comb_y, comb_sum, comb_max, comb_r;
  assign comb_x = (comb_k_q == LaneW'(1)) ? acc_q[0] : total_q;
  always_comb begin
    comb_y = acc_q[0];
    for (int unsigned k = 1; k < E; k++) begin
      if (comb_k_q == LaneW'(k)) comb_y = acc_q[k];
    end
  end
  fp32_fma u_comb_fma (.a_i(comb_x), .b_i(32'h3f80_0000), .c_i(comb_y), .r_o(comb_sum));
  logic comb_unused_lt, comb_unused_le, comb_unused_eq;
  logic [31:0] comb_unused_min;
  fp_compare u_comb_cmp (.a_i(comb_x), .b_i(comb_y), .lt_o(comb_unused_lt), .le_o(comb_unused_le),
                         .eq_o(comb_unused_eq), .max_o(comb_max), .min_o(comb_unused_min));
  assign comb_r = (fn_q == pe_pkg::FnTfmaxr) ? comb_max : comb_sum;

  // ------------------------------------------------------------------ bank scheduling
  logic [NumBanks-1:0]       w_req, r_req;
  logic [NumBanks-1:0][AddrW-1:0] w_addr_word, r_addr_word;
  logic [NumBanks-1:0][31:0] w_wdata;
  logic [NumBanks-1:0][3:0]  w_be;
  logic [LaneW-1:0]          step_cnt;
  logic [E-1:0]              w_served;       // writes served this cycle (lane mask)
  logic                      w_all_done;     // the head step's writes are all served
  logic                      retire_step;    // the head step leaves the buffer
  logic                      w_stall, r_stall;
  logic [E-1:0][31:0]        w_addr;
  logic                      fab_out;
  logic [Slots-1:0]          r_need;         // reads a beginning step needs
  logic [Slots-1:0][31:0]    r_addr;
  logic [Slots-1:0]          r_pend, r_served, r_left;
  logic                      begin_step, issue_done;
  logic [EntW-1:0]           iss_ent;
  logic [LaneW-1:0]          iss_cnt;
  logic                      a_fab, b_fab, fab_ok;
  logic [NumBanks-1:0][Slots-1:0] r_bank_mask;

  // Write stage: the oldest complete step's writes, one word per bank, in lane order.
  logic [BankW-1:0]    w_bank;
  logic [NumBanks-1:0] w_bank_used;
  always_comb begin
    w_bank_used = '0;
    w_served    = '0;
    w_stall     = 1'b0;
    w_bank      = '0;
    tx_valid_o  = 1'b0;
    tx_color_o  = d_color(d_q);
    tx_data_o   = '0;
    fab_out     = d_fabric(d_q);
    w_addr      = '0;
    w_req       = '0;
    w_addr_word = '0;
    w_wdata     = '0;
    w_be        = '0;
    for (int unsigned k = 0; k < E; k++) begin
      w_addr[k] = ent_dbase_q[h] + 32'(k) * sb_d_q;
    end
    if (active_q && head_ready && !reduction) begin
      if (fab_out) begin
        if (ent_wpend_q[h][0] && tx_ready_i[d_cidx(d_q)]) begin
          tx_valid_o  = 1'b1;
          tx_data_o   = d_f16(d_q) ? {16'd0, res16[0]} : res32[0];
          w_served[0] = 1'b1;
        end
      end else begin
        for (int unsigned k = 0; k < E; k++) begin
          w_bank = bank_of(w_addr[k]);
          if (ent_wpend_q[h][k] && !w_served[k]) begin
            if (!w_bank_used[w_bank] && mem_gnt_i[w_bank]) begin
              w_bank_used[w_bank] = 1'b1;
              w_req[w_bank]       = 1'b1;
              w_addr_word[w_bank] = AddrW'(w_addr[k][31:2]);
              // Every later lane in the same word goes with this write.
              for (int unsigned j = k; j < E; j++) begin
                if (ent_wpend_q[h][j] && w_addr[j][31:2] == w_addr[k][31:2]) begin
                  w_served[j] = 1'b1;
                  if (!d_f16(d_q)) begin
                    w_wdata[w_bank] = res32[j];
                    w_be[w_bank]    = 4'b1111;
                  end else if (w_addr[j][1]) begin
                    w_wdata[w_bank][31:16] = res16[j];
                    w_be[w_bank][3:2]      = 2'b11;
                  end else begin
                    w_wdata[w_bank][15:0] = res16[j];
                    w_be[w_bank][1:0]     = 2'b11;
                  end
                end
              end
            end else begin
              w_stall = 1'b1;
            end
          end
        end
      end
    end
  end
  assign w_all_done  = active_q && head_ready && (reduction || ((ent_wpend_q[h] & ~w_served) == '0));
  assign retire_step = w_all_done;

  // Issue stage: begin a step (popping its fabric operands), then serve its reads in slot
  // order on the banks the write stage left free.
  logic [BankW-1:0] r_bank;
  logic [NumBanks-1:0] r_bank_used;
  always_comb begin
    a_fab      = d_fabric(a_q);
    b_fab      = has_b && d_fabric(b_q);
    fab_ok     = (!a_fab || rx_valid_i[d_cidx(a_q)]) && (!b_fab || rx_valid_i[d_cidx(b_q)]);
    begin_step = active_q && !issuing_q && !combining_q && (next_q < n_q) &&
                 (count_q < (EntW+1)'(Depth)) && fab_ok;
    iss_ent    = begin_step ? tail_q : cur_q;
    iss_cnt    = LaneW'(1);
    if (lanes_simd) begin
      iss_cnt = ((n_q - next_q) < 17'(E)) ? LaneW'(n_q - next_q) : LaneW'(E);
    end
    r_need   = '0;
    r_addr   = '0;
    rx_pop_o = '0;
    for (int unsigned k = 0; k < E; k++) begin
      r_addr[k]     = ptr_a_q + 32'(k) * sb_a_q;
      r_addr[E + k] = ptr_b_q + 32'(k) * sb_b_q;
      if (LaneW'(k) < iss_cnt) begin
        r_need[k]     = !a_fab;
        r_need[E + k] = has_b && !b_fab;
      end
    end
    if (begin_step) begin
      if (a_fab) rx_pop_o[d_cidx(a_q)] = 1'b1;
      if (b_fab) rx_pop_o[d_cidx(b_q)] = 1'b1;
    end
    r_pend      = begin_step ? r_need : (issuing_q ? pend_q : '0);
    r_served    = '0;
    r_bank_mask = '0;
    r_bank_used = w_bank_used;
    r_stall     = 1'b0;
    r_bank      = '0;
    r_req       = '0;
    r_addr_word = '0;
    for (int unsigned k = 0; k < Slots; k++) begin
      r_bank = bank_of(r_addr[k]);
      if (r_pend[k] && !r_served[k]) begin
        if (!r_bank_used[r_bank] && mem_gnt_i[r_bank]) begin
          r_bank_used[r_bank] = 1'b1;
          r_req[r_bank]       = 1'b1;
          r_addr_word[r_bank] = AddrW'(r_addr[k][31:2]);
          for (int unsigned j = k; j < Slots; j++) begin
            if (r_pend[j] && r_addr[j][31:2] == r_addr[k][31:2]) begin
              r_served[j]            = 1'b1;
              r_bank_mask[r_bank][j] = 1'b1;
            end
          end
        end else begin
          r_stall = 1'b1;
        end
      end
    end
    r_left     = r_pend & ~r_served;
    issue_done = (begin_step || issuing_q) && (r_left == '0);
    step_cnt   = begin_step ? iss_cnt : ent_cnt_q[cur_q];
  end

  // The SRAM ports: writes and reads never share a bank in a cycle.
  always_comb begin
    for (int unsigned b = 0; b < NumBanks; b++) begin
      mem_req_o[b]   = w_req[b] || r_req[b];
      mem_we_o[b]    = w_req[b];
      mem_addr_o[b]  = w_req[b] ? w_addr_word[b] : r_addr_word[b];
      mem_wdata_o[b] = w_wdata[b];
      mem_be_o[b]    = w_req[b] ? w_be[b] : 4'b1111;
    end
  end

  assign stall_o = w_stall || r_stall;

  // Why nothing moved: a bank; a fabric-out element without a credit; or, with every begun
  // step written, a fabric-in operand not yet arrived.
  always_comb begin
    wait_o       = pe_pkg::WaitNone;
    wait_color_o = '0;
    if (w_stall || r_stall) begin
      wait_o = pe_pkg::WaitSram;
    end else if (active_q && head_ready && !reduction && fab_out && ent_wpend_q[h][0] &&
                 !tx_ready_i[d_cidx(d_q)]) begin
      wait_o       = pe_pkg::WaitFabricOut;
      wait_color_o = d_color(d_q);
    end else if (active_q && !issuing_q && !combining_q && (next_q < n_q) && !fab_ok &&
                 count_q == '0) begin
      wait_o       = pe_pkg::WaitFabricIn;
      wait_color_o = (a_fab && !rx_valid_i[d_cidx(a_q)]) ? d_color(a_q) : d_color(b_q);
    end
  end

  // ------------------------------------------------------------------ arrivals
  // Data reaching the buffer at the end of this cycle (from reads ReadLatency cycles ago).
  // Reads served in one cycle all belong to the step then issuing, so the words arriving
  // together go to one entry and each slot takes at most one of them: a slot picks its word,
  // then one converter per slot turns an f16 element into f32.
  logic [Depth-1:0][Slots:0]          arrive;
  logic [Depth-1:0][Slots-1:0][31:0]  arrive_val;
  logic [EntW-1:0]                    arr_ent;
  logic [Slots-1:0]                   arr_slot;
  logic [Slots-1:0][31:0]             arr_word, arr_h2f;
  logic [Slots-1:0][15:0]             arr_half;
  always_comb begin
    arr_ent    = '0;
    arr_slot   = '0;
    arr_word   = '0;
    for (int unsigned b = 0; b < NumBanks; b++) begin
      if (dl_valid_q[ReadLatency-1][b]) begin
        arr_ent  = dl_ent_q[ReadLatency-1][b];
        arr_slot = arr_slot | dl_mask_q[ReadLatency-1][b];
        for (int unsigned k = 0; k < Slots; k++) begin
          if (dl_mask_q[ReadLatency-1][b][k]) arr_word[k] = mem_rdata_i[b];
        end
      end
    end
  end
  for (genvar k = 0; k < Slots; k++) begin : g_slot
    assign arr_half[k] = ent_half_q[arr_ent][k] ? arr_word[k][31:16] : arr_word[k][15:0];
    fp16_to_fp32 u_h2f (.h_i(arr_half[k]), .f_o(arr_h2f[k]));
  end
  always_comb begin
    arrive     = '0;
    arrive_val = '0;
    for (int unsigned k = 0; k < Slots; k++) begin
      if (arr_slot[k]) begin
        arrive[arr_ent][k]     = 1'b1;
        arrive_val[arr_ent][k] = ((k < E) ? d_f16(a_q) : d_f16(b_q)) ? arr_h2f[k] : arr_word[k];
      end
    end
    if (dl_virt_q[ReadLatency-1]) begin
      arrive[dl_virt_ent_q[ReadLatency-1]][Slots] = 1'b1;
    end
  end

  // Fabric-in values of a beginning step (converted from f16 when the stream is f16).
  logic [31:0] fab_a_val, fab_b_val, fab_a_h2f, fab_b_h2f;
  fp16_to_fp32 u_fab_a (.h_i(rx_data_i[d_cidx(a_q)][15:0]), .f_o(fab_a_h2f));
  fp16_to_fp32 u_fab_b (.h_i(rx_data_i[d_cidx(b_q)][15:0]), .f_o(fab_b_h2f));
  assign fab_a_val = d_f16(a_q) ? fab_a_h2f : rx_data_i[d_cidx(a_q)];
  assign fab_b_val = d_f16(b_q) ? fab_b_h2f : rx_data_i[d_cidx(b_q)];

  // ------------------------------------------------------------------ done
  logic last_step, finishing;
  assign last_step = (ent_elem_q[h] + 17'(ent_cnt_q[h])) >= n_q;
  always_comb begin
    done_o   = 1'b0;
    result_o = comb_r;
    if (active_q && n_q == '0) begin
      done_o   = 1'b1;
      result_o = (fn_q == pe_pkg::FnTfmaxr) ? 32'hff80_0000 : 32'h0000_0000;
    end else if (active_q && combining_q && comb_k_q == LaneW'(E - 1)) begin
      done_o = 1'b1;
    end else if (active_q && retire_step && last_step && !(reduction && lanes_simd && E > 1)) begin
      done_o   = 1'b1;
      result_o = acc_next[0];
    end
  end
  assign finishing = done_o;
  assign busy_o    = active_q;

  // ------------------------------------------------------------------ next state
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      active_q      <= 1'b0;
      fn_q          <= '0;
      a_q           <= '0;
      b_q           <= '0;
      d_q           <= '0;
      s_q           <= '0;
      n_q           <= '0;
      next_q        <= '0;
      ptr_a_q       <= '0;
      ptr_b_q       <= '0;
      ptr_d_q       <= '0;
      sb_a_q        <= '0;
      sb_b_q        <= '0;
      sb_d_q        <= '0;
      ent_dbase_q   <= '0;
      simd_q        <= 1'b0;
      issuing_q     <= 1'b0;
      cur_q         <= '0;
      pend_q        <= '0;
      ent_valid_q   <= '0;
      ent_issued_q  <= '0;
      ent_done_q    <= '0;
      ent_elem_q    <= '0;
      ent_cnt_q     <= '0;
      ent_wait_q    <= '0;
      ent_wpend_q   <= '0;
      ent_val_q     <= '0;
      ent_half_q    <= '0;
      head_q        <= '0;
      tail_q        <= '0;
      count_q       <= '0;
      dl_valid_q    <= '0;
      dl_ent_q      <= '0;
      dl_mask_q     <= '0;
      dl_virt_q     <= '0;
      dl_virt_ent_q <= '0;
      acc_q         <= '0;
      combining_q   <= 1'b0;
      comb_k_q      <= '0;
      total_q       <= '0;
    end else begin
      // Reads in flight move one stage; this cycle's reads enter stage 0.
      for (int unsigned s = ReadLatency - 1; s > 0; s--) begin
        dl_valid_q[s]    <= dl_valid_q[s-1];
        dl_ent_q[s]      <= dl_ent_q[s-1];
        dl_mask_q[s]     <= dl_mask_q[s-1];
        dl_virt_q[s]     <= dl_virt_q[s-1];
        dl_virt_ent_q[s] <= dl_virt_ent_q[s-1];
      end
      for (int unsigned b = 0; b < NumBanks; b++) begin
        dl_valid_q[0][b] <= r_bank_mask[b] != '0;
        dl_ent_q[0][b]   <= iss_ent;
        dl_mask_q[0][b]  <= r_bank_mask[b];
      end
      dl_virt_q[0]     <= issue_done && (begin_step ? (r_need == '0) : 1'b0);
      dl_virt_ent_q[0] <= iss_ent;

      // Arrivals fill the buffer; a step with everything arrived is complete.
      for (int unsigned e = 0; e < Depth; e++) begin
        for (int unsigned k = 0; k < Slots; k++) begin
          if (arrive[e][k]) ent_val_q[e][k] <= arrive_val[e][k];
        end
        if (ent_valid_q[e] && !ent_done_q[e] && ent_issued_q[e] &&
            ((ent_wait_q[e] & ~arrive[e]) == '0)) begin
          ent_done_q[e]  <= 1'b1;
          ent_wpend_q[e] <= E'((1 << ent_cnt_q[e]) - 1);
        end
        ent_wait_q[e] <= ent_wait_q[e] & ~arrive[e];
      end

      // The issuing step.
      if (begin_step) begin
        ent_valid_q[tail_q]  <= 1'b1;
        ent_issued_q[tail_q] <= issue_done;
        ent_done_q[tail_q]   <= 1'b0;
        ent_elem_q[tail_q]   <= next_q;
        ent_dbase_q[tail_q]  <= ptr_d_q;
        ptr_d_q              <= ptr_d_q + 32'(lanes_simd ? E : 1) * sb_d_q;
        ent_cnt_q[tail_q]    <= iss_cnt;
        ent_wait_q[tail_q]   <= {r_need == '0, r_need};
        ent_wpend_q[tail_q]  <= '0;
        for (int unsigned k = 0; k < Slots; k++) begin
          ent_half_q[tail_q][k] <= r_addr[k][1];
        end
        if (a_fab) ent_val_q[tail_q][0] <= fab_a_val;
        if (b_fab) ent_val_q[tail_q][E] <= fab_b_val;
        tail_q <= (tail_q == EntW'(Depth - 1)) ? '0 : tail_q + 1'b1;
        cur_q  <= tail_q;
      end else if (issue_done) begin
        ent_issued_q[cur_q] <= 1'b1;
      end
      issuing_q <= (begin_step || issuing_q) && !issue_done;
      pend_q    <= r_left;
      if (issue_done) begin
        next_q  <= next_q + 17'(step_cnt);
        ptr_a_q <= ptr_a_q + 32'(lanes_simd ? E : 1) * sb_a_q;
        ptr_b_q <= ptr_b_q + 32'(lanes_simd ? E : 1) * sb_b_q;
      end

      // The write stage.
      if (active_q && head_ready && !reduction) begin
        ent_wpend_q[h] <= ent_wpend_q[h] & ~w_served;
      end
      if (active_q && head_ready && reduction) begin
        for (int unsigned k = 0; k < E; k++) begin
          if (LaneW'(k) < ent_cnt_q[h]) acc_q[k] <= acc_next[k];
        end
      end
      if (retire_step) begin
        ent_valid_q[h] <= 1'b0;
        ent_done_q[h]  <= 1'b0;
        head_q <= (head_q == EntW'(Depth - 1)) ? '0 : head_q + 1'b1;
      end
      count_q <= count_q + (EntW+1)'(begin_step) - (EntW+1)'(retire_step);

      // Reductions on several lanes end by adding the lanes.
      if (retire_step && last_step && reduction && lanes_simd && E > 1) begin
        combining_q <= 1'b1;
        comb_k_q    <= LaneW'(1);
      end else if (combining_q) begin
        total_q  <= comb_r;
        comb_k_q <= comb_k_q + 1'b1;
      end

      if (finishing) begin
        active_q    <= 1'b0;
        combining_q <= 1'b0;
      end
      if (start_i) begin
        active_q    <= 1'b1;
        fn_q        <= fn_i;
        a_q         <= desc_a_i;
        b_q         <= desc_b_i;
        d_q         <= desc_d_i;
        s_q         <= scalar_i;
        n_q         <= {1'b0, (fn_i >= pe_pkg::FnTfdot) ? desc_a_i[47:32] : desc_d_i[47:32]};
        next_q      <= '0;
        ptr_a_q     <= desc_a_i[31:0];
        ptr_b_q     <= desc_b_i[31:0];
        ptr_d_q     <= desc_d_i[31:0];
        sb_a_q      <= stride_bytes(desc_a_i);
        sb_b_q      <= stride_bytes(desc_b_i);
        sb_d_q      <= stride_bytes(desc_d_i);
        issuing_q   <= 1'b0;
        head_q      <= '0;
        tail_q      <= '0;
        count_q     <= '0;
        ent_valid_q <= '0;
        combining_q <= 1'b0;
        for (int unsigned k = 0; k < E; k++) begin
          acc_q[k] <= (fn_i == pe_pkg::FnTfmaxr) ? 32'hff80_0000 : 32'h0000_0000;
        end
        // The f16 path runs E lanes when every operand is an f16 array.
        simd_q <= (E > 1) && !desc_a_i[71] && desc_a_i[69] &&
                  (!(fn_i == pe_pkg::FnTfmac || fn_i == pe_pkg::FnTfadd ||
                     fn_i == pe_pkg::FnTfmul || fn_i == pe_pkg::FnTfmax ||
                     fn_i == pe_pkg::FnTfdot) || (!desc_b_i[71] && desc_b_i[69])) &&
                  ((fn_i >= pe_pkg::FnTfdot) || (!desc_d_i[71] && desc_d_i[69]));
      end
    end
  end

  // ------------------------------------------------------------------ assertions
`ifndef SYNTHESIS
  initial begin
    assert (ReadLatency >= 1) else $fatal(1, "pe_tensor: ReadLatency must be at least 1");
    assert (SimdWidth >= 1) else $fatal(1, "pe_tensor: SimdWidth must be at least 1");
    assert ((NumBanks & (NumBanks - 1)) == 0) else $fatal(1, "pe_tensor: NumBanks must be a power of two");
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(start_i && active_q)) else $error("pe_tensor: start while busy");
      for (int unsigned b = 0; b < NumBanks; b++) begin
        assert (!dl_valid_q[ReadLatency-1][b] || dl_ent_q[ReadLatency-1][b] == arr_ent)
          else $error("pe_tensor: words of two steps arrive in one cycle");
      end
      assert (count_q <= (EntW+1)'(Depth)) else $error("pe_tensor: step buffer overflow");
      assert (!(tx_valid_o && !tx_ready_i[tx_color_o[CIdxW-1:0]]))
        else $error("pe_tensor: send without a credit");
    end
  end
`endif

endmodule
