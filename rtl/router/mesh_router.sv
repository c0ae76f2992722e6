// Five-port wafer mesh router (North, East, South, West, Local).
//
// Every input port has one buffer per color; colors are virtual channels with their own
// credit-based flow control, so a color that is backed up never blocks another. A color
// routes statically (per-color rx/tx masks selected by a switch position that control
// wavelets advance; several tx ports mean multicast) or dynamically (a head wavelet
// carries the destination; dimension-ordered X-then-Y wormhole routing until the tail).
// Each output arbitrates round-robin among all (input, color) heads that want it.
//
// Reset is synchronous and active low.
//
// Pipeline: a wavelet is written into an input buffer at the end of the cycle it arrives
// on the link; the next cycle it is routed, wins its output and is written to the output
// register; the cycle after that it is on the link. One cycle in the router plus one on
// the link per hop at zero load. Credits return combinationally from the pop.
module mesh_router #(
  /// Colors (virtual channels) implemented per port; at most mesh_pkg::MaxColors.
  parameter int unsigned NumColors = 8,
  /// Input buffer depth per color, in wavelets.
  parameter int unsigned BufDepth  = 4
) (
  input  logic                                          clk_i,
  input  logic                                          rst_ni,
  /// This router's mesh coordinates (x grows East, y grows South); straps sampled in reset.
  input  mesh_pkg::coord_t                              x_i,
  input  mesh_pkg::coord_t                              y_i,
  /// Credits per color each output may hold outstanding: the downstream buffer depth in
  /// use, at most BufDepth (tied to BufDepth in silicon; lowered by the simulator). A strap
  /// sampled in reset.
  input  logic [CntW-1:0]                               credit_limit_i,
  /// One wavelet per port per cycle in, indexed by mesh_pkg::dir_e.
  input  logic [mesh_pkg::NumPorts-1:0][mesh_pkg::FlitW-1:0] flit_i,
  input  logic            [mesh_pkg::NumPorts-1:0]      valid_i,
  /// A credit returned upstream per color when one of its buffer slots frees up.
  output logic [mesh_pkg::NumPorts-1:0][NumColors-1:0]  credit_o,
  /// One wavelet per port per cycle out, indexed by mesh_pkg::dir_e.
  output logic [mesh_pkg::NumPorts-1:0][mesh_pkg::FlitW-1:0] flit_o,
  output logic            [mesh_pkg::NumPorts-1:0]      valid_o,
  /// Credits coming back from the downstream buffers, per output and color.
  input  logic [mesh_pkg::NumPorts-1:0][NumColors-1:0]  credit_i,
  /// Route register write: color, register (mesh_pkg::cfg_sel_e) and value.
  input  logic                                          cfg_valid_i,
  input  mesh_pkg::color_t                              cfg_color_i,
  input  logic [2:0]                                    cfg_sel_i,
  input  logic [mesh_pkg::CfgDataW-1:0]                 cfg_data_i,
  /// Buffers holding at least one wavelet, per input and color (activity and deadlock reports).
  output logic [mesh_pkg::NumPorts-1:0][NumColors-1:0]  nonempty_o,
  /// Buffers that are full, per input and color.
  output logic [mesh_pkg::NumPorts-1:0][NumColors-1:0]  full_o,
  /// Sticky error flags, indexed by mesh_pkg::Err*.
  output logic [mesh_pkg::NumErrs-1:0]                  err_o
);
  /// Credit counter width (derived).
  localparam int unsigned CntW   = $clog2(BufDepth + 1);
  /// Requesters per output arbiter: every (input, color) pair (derived).
  localparam int unsigned NumReq = mesh_pkg::NumPorts * NumColors;
  /// Ports (derived, shorter to read).
  localparam int unsigned NP     = mesh_pkg::NumPorts;
  /// Bits that index a color (derived).
  localparam int unsigned ColorIdxW = (NumColors > 1) ? $clog2(NumColors) : 1;

  typedef logic [CntW-1:0] cnt_t;

  // ---------------------------------------------------------------- state
  // Route registers per color.
  logic [NumColors-1:0]                                   dyn_q, dyn_d;
  logic [NumColors-1:0][1:0]                              last_pos_q, last_pos_d;
  logic [NumColors-1:0][1:0]                              pos_q, pos_d;
  mesh_pkg::port_mask_t [NumColors-1:0][mesh_pkg::NumPositions-1:0] rx_q, rx_d, tx_q, tx_d;
  // Per input and color: outputs a multicast head has already been sent to, and the
  // output and framing state of the dynamic packet in progress.
  mesh_pkg::port_mask_t [NP-1:0][NumColors-1:0]           sent_q, sent_d;
  logic [NP-1:0][NumColors-1:0][2:0]                      route_q, route_d;
  logic [NP-1:0][NumColors-1:0]                           open_q, open_d;
  // Per output and color: the input that holds it for a dynamic packet (wormhole).
  logic [NP-1:0][NumColors-1:0]                           lock_q, lock_d;
  logic [NP-1:0][NumColors-1:0][2:0]                      owner_q, owner_d;
  // Per output and color: wavelets sent and not yet credited back.
  cnt_t [NP-1:0][NumColors-1:0]                           used_q, used_d;
  // Output registers.
  logic [NP-1:0][mesh_pkg::FlitW-1:0]                     flit_q, flit_d;
  logic [NP-1:0]                                          valid_q, valid_d;
  logic [mesh_pkg::NumErrs-1:0]                           err_q, err_d;
  // Straps, sampled while in reset so that routing depends on registers only.
  mesh_pkg::coord_t                                       x_q, y_q;
  cnt_t                                                   limit_q;

  // ---------------------------------------------------------------- input buffers
  logic [NP-1:0][NumColors-1:0]                           push, pop, head_vld, buf_full;
  logic [NP-1:0][NumColors-1:0][mesh_pkg::FlitW-1:0]     head_flit;
  logic                                                   bad_color;

  mesh_pkg::color_t [NP-1:0]                             in_color;
  // Head wavelet fields, split out so no logic selects a member of an array of structs.
  logic [NP-1:0][NumColors-1:0]                           head_head, head_tail, head_ctrl;
  mesh_pkg::coord_t [NP-1:0][NumColors-1:0]               head_dst_x, head_dst_y;

  always_comb begin
    push      = '0;
    bad_color = 1'b0;
    for (int unsigned p = 0; p < NP; p++) begin
      if (valid_i[p]) begin
        if ({1'b0, in_color[p]} < (mesh_pkg::ColorW + 1)'(NumColors)) begin
          push[p][in_color[p][ColorIdxW-1:0]] = 1'b1;
        end else begin
          bad_color = 1'b1;
        end
      end
    end
  end

  for (genvar p = 0; p < NP; p++) begin : g_port
    for (genvar c = 0; c < NumColors; c++) begin : g_color
      flit_fifo #(.Depth(BufDepth)) u_buf (
        .clk_i,
        .rst_ni,
        .push_i  (push[p][c]),
        .flit_i  (flit_i[p]),
        .pop_i   (pop[p][c]),
        .flit_o  (head_flit[p][c]),
        .valid_o (head_vld[p][c]),
        .full_o  (buf_full[p][c])
      );
    end
  end

  // Wavelet fields, copied through a plain variable so no logic selects a member of an
  // array of structs (which yosys mis-reads). Only the fields routing needs are read.
  // Arriving wavelets and buffered heads use separate blocks, so that the routing logic
  // depends on registers only (it then evaluates once per clock in Verilator).
  /* verilator lint_off UNUSEDSIGNAL */
  mesh_pkg::flit_t in_view, head_view;
  /* verilator lint_on UNUSEDSIGNAL */
  always_comb begin
    for (int unsigned p = 0; p < NP; p++) begin
      in_view     = flit_i[p];
      in_color[p] = in_view.color;
    end
  end

  always_comb begin
    for (int unsigned p = 0; p < NP; p++) begin
      for (int unsigned c = 0; c < NumColors; c++) begin
        head_view        = head_flit[p][c];
        head_head[p][c]  = head_view.head;
        head_tail[p][c]  = head_view.tail;
        head_ctrl[p][c]  = head_view.ctrl;
        head_dst_x[p][c] = head_view.data[mesh_pkg::CoordW-1:0];
        head_dst_y[p][c] = head_view.data[2*mesh_pkg::CoordW-1:mesh_pkg::CoordW];
      end
    end
  end

  // ---------------------------------------------------------------- route computation
  // The output a dynamic head takes from here: X first, then Y.
  function automatic logic [2:0] xy_route(mesh_pkg::coord_t dst_x, mesh_pkg::coord_t dst_y,
                                          mesh_pkg::coord_t x, mesh_pkg::coord_t y);
    if (dst_x > x) begin
      xy_route = mesh_pkg::East;
    end else if (dst_x < x) begin
      xy_route = mesh_pkg::West;
    end else if (dst_y > y) begin
      xy_route = mesh_pkg::South;
    end else if (dst_y < y) begin
      xy_route = mesh_pkg::North;
    end else begin
      xy_route = mesh_pkg::Local;
    end
  endfunction

  mesh_pkg::port_mask_t [NP-1:0][NumColors-1:0] want;       // outputs each head still needs
  logic [NP-1:0][NumColors-1:0][2:0]            head_route; // a dynamic head's output
  logic [NP-1:0][NumColors-1:0]                 bad_frame;  // dynamic framing error at the head
  logic [NP-1:0][NumReq-1:0]                    req, gnt;

  // Per color, the current switch position's masks; per (output, color), a free credit.
  mesh_pkg::port_mask_t [NumColors-1:0] cur_rx, cur_tx;
  logic [NP-1:0][NumColors-1:0]         credit_ok;
  always_comb begin
    for (int unsigned c = 0; c < NumColors; c++) begin
      cur_rx[c] = rx_q[c][pos_q[c]];
      cur_tx[c] = tx_q[c][pos_q[c]];
    end
    for (int unsigned o = 0; o < NP; o++) begin
      for (int unsigned c = 0; c < NumColors; c++) begin
        credit_ok[o][c] = used_q[o][c] < limit_q;
      end
    end
  end

  always_comb begin
    logic [2:0] dir;
    want       = '0;
    head_route = '0;
    bad_frame  = '0;
    for (int unsigned p = 0; p < NP; p++) begin
      for (int unsigned c = 0; c < NumColors; c++) begin
        dir = '0;
        if (dyn_q[c]) begin
          dir = head_head[p][c] ? xy_route(head_dst_x[p][c], head_dst_y[p][c], x_q, y_q)
                                : route_q[p][c];
          head_route[p][c] = dir;
          if (head_vld[p][c]) begin
            if (head_head[p][c] == open_q[p][c]) begin
              bad_frame[p][c] = 1'b1;
            end else begin
              want[p][c] = mesh_pkg::port_mask_t'(1) << dir;
            end
          end
        end else if (head_vld[p][c] && cur_rx[c][p]) begin
          want[p][c] = cur_tx[c] & ~sent_q[p][c];
        end
      end
    end
  end

  // Requests: a head asks an output when it needs it, the output has a credit for its
  // color, and (dynamic) the output's color is free for a head or held by this input.
  always_comb begin
    logic lock_ok;
    req = '0;
    for (int unsigned o = 0; o < NP; o++) begin
      for (int unsigned p = 0; p < NP; p++) begin
        for (int unsigned c = 0; c < NumColors; c++) begin
          lock_ok = !dyn_q[c] ||
                    (head_head[p][c] ? !lock_q[o][c] : (lock_q[o][c] && (owner_q[o][c] == 3'(p))));
          req[o][p*NumColors + c] = want[p][c][o] && credit_ok[o][c] && lock_ok;
        end
      end
    end
  end

  for (genvar o = 0; o < NP; o++) begin : g_out
    rr_arbiter #(.NumReq(NumReq)) u_arb (
      .clk_i,
      .rst_ni,
      .req_i (req[o]),
      .gnt_o (gnt[o])
    );
  end

  // ---------------------------------------------------------------- grants, pops, next state
  always_comb begin
    mesh_pkg::port_mask_t granted;
    logic [NumColors-1:0] ctrl_passed;
    sent_d      = sent_q;
    route_d     = route_q;
    open_d      = open_q;
    lock_d      = lock_q;
    owner_d     = owner_q;
    pos_d       = pos_q;
    pop         = '0;
    ctrl_passed = '0;
    for (int unsigned p = 0; p < NP; p++) begin
      for (int unsigned c = 0; c < NumColors; c++) begin
        for (int unsigned o = 0; o < NP; o++) begin
          granted[o] = gnt[o][p*NumColors + c];
        end
        if (dyn_q[c]) begin
          // A badly framed wavelet is dropped (and flagged) rather than wedging the color.
          pop[p][c] = (granted != '0) || bad_frame[p][c];
          if (granted != '0) begin
            if (head_head[p][c] && !head_tail[p][c]) begin
              open_d[p][c]                 = 1'b1;
              route_d[p][c]                = head_route[p][c];
              lock_d[head_route[p][c]][c]  = 1'b1;
              owner_d[head_route[p][c]][c] = 3'(p);
            end
            if (head_tail[p][c]) begin
              open_d[p][c]                = 1'b0;
              lock_d[head_route[p][c]][c] = 1'b0;
            end
          end
        end else begin
          // A multicast wavelet leaves its buffer once every tx port has taken it.
          pop[p][c]    = (granted != '0) && (((sent_q[p][c] | granted) & cur_tx[c]) == cur_tx[c]);
          sent_d[p][c] = pop[p][c] ? '0 : (sent_q[p][c] | granted);
          if (pop[p][c] && head_ctrl[p][c]) begin
            ctrl_passed[c] = 1'b1;
          end
        end
      end
    end
    // A control wavelet advances its color's switch position once it has passed.
    for (int unsigned c = 0; c < NumColors; c++) begin
      if (ctrl_passed[c]) begin
        pos_d[c] = (pos_q[c] == last_pos_q[c]) ? 2'd0 : pos_q[c] + 2'd1;
      end
    end
  end

  // Output registers. This block reads registers only; credits coming back are counted in
  // the next one, so the wide output multiplexer does not re-evaluate when inputs change.
  // The winner's flat index (input * NumColors + color) selects its head wavelet.
  localparam int unsigned ReqIdxW = $clog2(NumReq);
  logic [NumReq-1:0][mesh_pkg::FlitW-1:0] head_flat;
  logic [NP-1:0][ReqIdxW-1:0]             winner;
  logic [NP-1:0][NumColors-1:0]           sent_color;  // a wavelet leaves on (output, color)
  assign head_flat = head_flit;
  always_comb begin
    flit_d     = flit_q;  // hold the last wavelet when idle: fewer toggles, idle is a no-op
    valid_d    = '0;
    winner     = '0;
    sent_color = '0;
    for (int unsigned o = 0; o < NP; o++) begin
      for (int unsigned r = 0; r < NumReq; r++) begin
        if (gnt[o][r]) begin
          winner[o] = ReqIdxW'(r);
        end
      end
      for (int unsigned p = 0; p < NP; p++) begin
        sent_color[o] = sent_color[o] | gnt[o][p*NumColors +: NumColors];
      end
      valid_d[o] = gnt[o] != '0;
      if (valid_d[o]) begin
        flit_d[o] = head_flat[winner[o]];
      end
    end
  end

  // Credit counters: up for each wavelet sent, down for each credit returned.
  always_comb begin
    for (int unsigned o = 0; o < NP; o++) begin
      for (int unsigned c = 0; c < NumColors; c++) begin
        used_d[o][c] = used_q[o][c] + cnt_t'(sent_color[o][c]) - cnt_t'(credit_i[o][c]);
      end
    end
  end

  // ---------------------------------------------------------------- configuration
  always_comb begin
    mesh_pkg::port_mask_t cfg_rx, cfg_tx;
    dyn_d      = dyn_q;
    last_pos_d = last_pos_q;
    rx_d       = rx_q;
    tx_d       = tx_q;
    err_d      = err_q;
    cfg_rx     = cfg_data_i[mesh_pkg::NumPorts-1:0];
    cfg_tx     = cfg_data_i[2*mesh_pkg::NumPorts-1:mesh_pkg::NumPorts];
    if (cfg_valid_i) begin
      if ({1'b0, cfg_color_i} >= (mesh_pkg::ColorW + 1)'(NumColors) ||
          cfg_sel_i > 3'(mesh_pkg::CfgMode)) begin
        err_d[mesh_pkg::ErrBadConfig] = 1'b1;
      end else if (cfg_sel_i == 3'(mesh_pkg::CfgMode)) begin
        dyn_d[cfg_color_i[ColorIdxW-1:0]]      = cfg_data_i[0];
        last_pos_d[cfg_color_i[ColorIdxW-1:0]] = cfg_data_i[2:1];
      end else begin
        rx_d[cfg_color_i[ColorIdxW-1:0]][cfg_sel_i[1:0]] = cfg_rx;
        tx_d[cfg_color_i[ColorIdxW-1:0]][cfg_sel_i[1:0]] = cfg_tx;
        // A wavelet sent back where it came from, or accepted with nowhere to go.
        if ((cfg_rx & cfg_tx) != '0 || (cfg_rx != '0 && cfg_tx == '0)) begin
          err_d[mesh_pkg::ErrBadConfig] = 1'b1;
        end
      end
    end
    if (bad_color) begin
      err_d[mesh_pkg::ErrBadColor] = 1'b1;
    end
    if (bad_frame != '0) begin
      err_d[mesh_pkg::ErrBadFraming] = 1'b1;
    end
  end

  // A mode write also puts the color's switch back to position 0.
  logic [NumColors-1:0][1:0] pos_next;
  always_comb begin
    pos_next = pos_d;
    if (cfg_valid_i && cfg_sel_i == 3'(mesh_pkg::CfgMode) &&
        {1'b0, cfg_color_i} < (mesh_pkg::ColorW + 1)'(NumColors)) begin
      pos_next[cfg_color_i[ColorIdxW-1:0]] = 2'd0;
    end
  end

  // ---------------------------------------------------------------- registers
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      dyn_q      <= '0;
      last_pos_q <= '0;
      pos_q      <= '0;
      rx_q       <= '0;
      tx_q       <= '0;
      sent_q     <= '0;
      route_q    <= '0;
      open_q     <= '0;
      lock_q     <= '0;
      owner_q    <= '0;
      used_q     <= '0;
      flit_q     <= '0;
      valid_q    <= '0;
      err_q      <= '0;
      x_q        <= x_i;
      y_q        <= y_i;
      limit_q    <= credit_limit_i;
    end else begin
      dyn_q      <= dyn_d;
      last_pos_q <= last_pos_d;
      pos_q      <= pos_next;
      rx_q       <= rx_d;
      tx_q       <= tx_d;
      sent_q     <= sent_d;
      route_q    <= route_d;
      open_q     <= open_d;
      lock_q     <= lock_d;
      owner_q    <= owner_d;
      used_q     <= used_d;
      flit_q     <= flit_d;
      valid_q    <= valid_d;
      err_q      <= err_d;
    end
  end

  assign flit_o     = flit_q;
  assign valid_o    = valid_q;
  assign credit_o   = pop;
  assign nonempty_o = head_vld;
  assign full_o     = buf_full;
  assign err_o      = err_q;

  // ---------------------------------------------------------------- assertions
`ifndef SYNTHESIS
  initial begin
    assert (NumColors >= 1 && NumColors <= mesh_pkg::MaxColors)
      else $fatal(1, "mesh_router: NumColors must be 1..%0d", mesh_pkg::MaxColors);
    assert (BufDepth >= 1) else $fatal(1, "mesh_router: BufDepth must be at least 1");
  end

  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      // Constant for some depths (a counter that cannot exceed BufDepth), hence lint_off.
      /* verilator lint_off CMPCONST */
      assert (limit_q != '0 && 32'(limit_q) <= BufDepth)
        else $error("mesh_router: credit_limit_i must be 1..BufDepth");
      /* verilator lint_on CMPCONST */
      // Outputs known after reset (meaningful on 4-state simulators).
      assert (!$isunknown(valid_o) && !$isunknown(credit_o) && !$isunknown(err_o))
        else $error("mesh_router: unknown output after reset");
      for (int unsigned o = 0; o < NP; o++) begin
        assert ($onehot0(gnt[o])) else $error("mesh_router: output %0d grant not one-hot", o);
        for (int unsigned c = 0; c < NumColors; c++) begin
          assert (!(credit_i[o][c] && used_q[o][c] == '0))
            else $error("mesh_router: credit overflow on output %0d color %0d", o, c);
        end
      end
      // Illegal route configurations are flagged (and latched in err_o).
      if (cfg_valid_i && err_d[mesh_pkg::ErrBadConfig] && !err_q[mesh_pkg::ErrBadConfig]) begin
        $warning("mesh_router (%0d,%0d): illegal route write color %0d sel %0d data %b",
                 x_q, y_q, cfg_color_i, cfg_sel_i, cfg_data_i);
      end
    end
  end
`endif

endmodule
