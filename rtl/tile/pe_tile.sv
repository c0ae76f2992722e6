// A wafer tile: the PE core and its mesh router, joined at the router's Local port. The four
// mesh links, the SRAM bank ports and the instruction-memory load port leave the tile.
module pe_tile #(
  /// Colors per router port.
  parameter int unsigned NumColors   = 8,
  /// Router input buffer depth per color (also the core's receive-queue depth).
  parameter int unsigned BufDepth    = 4,
  /// SRAM banks.
  parameter int unsigned NumBanks    = 8,
  /// Cycles from a served SRAM read to its data.
  parameter int unsigned ReadLatency = 1,
  /// Lanes of the f16 tensor path.
  parameter int unsigned SimdWidth   = 4,
  /// Data SRAM size in bytes.
  parameter int unsigned SramBytes   = 49152,
  /// Instruction memory size in words.
  parameter int unsigned ImemWords   = 4096
) (
  input  logic                                 clk_i,
  input  logic                                 rst_ni,
  /// Tile coordinates and the credit limit of every link (straps sampled in reset).
  input  mesh_pkg::coord_t                     x_i,
  input  mesh_pkg::coord_t                     y_i,
  input  logic [$clog2(BufDepth+1)-1:0]        credit_limit_i,
  /// The four mesh links (North, East, South, West), as mesh_router's ports 0..3.
  input  logic [3:0][mesh_pkg::FlitW-1:0]      flit_i,
  input  logic [3:0]                           valid_i,
  output logic [3:0][NumColors-1:0]            credit_o,
  output logic [3:0][mesh_pkg::FlitW-1:0]      flit_o,
  output logic [3:0]                           valid_o,
  input  logic [3:0][NumColors-1:0]            credit_i,
  /// Instruction memory load port.
  input  logic                                 imem_we_i,
  input  logic [$clog2(ImemWords)-1:0]         imem_addr_i,
  input  logic [31:0]                          imem_wdata_i,
  /// SRAM bank ports.
  output logic [NumBanks-1:0]                  mem_req_o,
  output logic [NumBanks-1:0]                  mem_we_o,
  output logic [NumBanks-1:0][AddrW-1:0]       mem_addr_o,
  output logic [NumBanks-1:0][31:0]            mem_wdata_o,
  output logic [NumBanks-1:0][3:0]             mem_be_o,
  input  logic [NumBanks-1:0]                  mem_gnt_i,
  input  logic [NumBanks-1:0][31:0]            mem_rdata_i,
  /// Status and trace.
  output logic                                 halted_o,
  output logic [2:0]                           err_o,
  output logic                                 idle_o,
  output logic                                 retire_o,
  output logic [15:0]                          retire_pc_o,
  output logic                                 dispatch_o,
  output logic [4:0]                           task_o,
  output logic [15:0]                          pc_o,
  output logic [15:0][31:0]                    regs_o,
  output logic                                 stall_o,
  /// Why the core made no progress this cycle (pe_pkg::Wait*), and the color waited on.
  output logic [1:0]                           wait_o,
  output logic [4:0]                           wait_color_o,
  /// The router's full input buffers, per port and color.
  output logic [mesh_pkg::NumPorts-1:0][NumColors-1:0] full_o,
  output logic [mesh_pkg::NumPorts-1:0][NumColors-1:0] nonempty_o,
  output logic [mesh_pkg::NumErrs-1:0]         router_err_o,
  /// The wavelet the router hands the core this cycle (for lockstep harnesses).
  output logic                                 core_rx_valid_o,
  output logic [mesh_pkg::FlitW-1:0]           core_rx_flit_o
);
  /// Word-address width of the SRAM (derived).
  localparam int unsigned AddrW = $clog2(SramBytes / 4);

  logic [mesh_pkg::NumPorts-1:0][mesh_pkg::FlitW-1:0] r_flit_i, r_flit_o;
  logic [mesh_pkg::NumPorts-1:0]                      r_valid_i, r_valid_o;
  logic [mesh_pkg::NumPorts-1:0][NumColors-1:0]       r_credit_i, r_credit_o;
  logic                                               cfg_valid;
  mesh_pkg::color_t                                   cfg_color;
  logic [2:0]                                         cfg_sel;
  logic [mesh_pkg::CfgDataW-1:0]                      cfg_data;

  assign r_flit_i[3:0]   = flit_i;
  assign r_valid_i[3:0]  = valid_i;
  assign r_credit_i[3:0] = credit_i;
  assign flit_o          = r_flit_o[3:0];
  assign valid_o         = r_valid_o[3:0];
  assign credit_o        = r_credit_o[3:0];
  assign core_rx_valid_o = r_valid_o[mesh_pkg::Local];
  assign core_rx_flit_o  = r_flit_o[mesh_pkg::Local];

  mesh_router #(
    .NumColors (NumColors),
    .BufDepth  (BufDepth)
  ) u_router (
    .clk_i,
    .rst_ni,
    .x_i,
    .y_i,
    .credit_limit_i,
    .flit_i      (r_flit_i),
    .valid_i     (r_valid_i),
    .credit_o    (r_credit_o),
    .flit_o      (r_flit_o),
    .valid_o     (r_valid_o),
    .credit_i    (r_credit_i),
    .cfg_valid_i (cfg_valid),
    .cfg_color_i (cfg_color),
    .cfg_sel_i   (cfg_sel),
    .cfg_data_i  (cfg_data),
    .nonempty_o,
    .full_o,
    .err_o       (router_err_o)
  );

  pe_core #(
    .NumColors   (NumColors),
    .RxDepth     (BufDepth),
    .NumBanks    (NumBanks),
    .ReadLatency (ReadLatency),
    .SimdWidth   (SimdWidth),
    .SramBytes   (SramBytes),
    .ImemWords   (ImemWords)
  ) u_core (
    .clk_i,
    .rst_ni,
    .x_i,
    .y_i,
    .tx_credits_i (credit_limit_i),
    .imem_we_i,
    .imem_addr_i,
    .imem_wdata_i,
    .mem_req_o,
    .mem_we_o,
    .mem_addr_o,
    .mem_wdata_o,
    .mem_be_o,
    .mem_gnt_i,
    .mem_rdata_i,
    .tx_flit_o    (r_flit_i[mesh_pkg::Local]),
    .tx_valid_o   (r_valid_i[mesh_pkg::Local]),
    .tx_credit_i  (r_credit_o[mesh_pkg::Local]),
    .rx_flit_i    (r_flit_o[mesh_pkg::Local]),
    .rx_valid_i   (r_valid_o[mesh_pkg::Local]),
    .rx_credit_o  (r_credit_i[mesh_pkg::Local]),
    .cfg_valid_o  (cfg_valid),
    .cfg_color_o  (cfg_color),
    .cfg_sel_o    (cfg_sel),
    .cfg_data_o   (cfg_data),
    .halted_o,
    .err_o,
    .idle_o,
    .retire_o,
    .retire_pc_o,
    .dispatch_o,
    .task_o,
    .pc_o,
    .regs_o,
    .stall_o,
    .wait_o,
    .wait_color_o
  );
endmodule
