// Constants of the PE instruction set (docs/isa.md), shared by the core's modules.
package pe_pkg;

  localparam logic [5:0] OpHalt   = 6'h00;
  localparam logic [5:0] OpAlu    = 6'h01;
  localparam logic [5:0] OpAddi   = 6'h02;
  localparam logic [5:0] OpAndi   = 6'h03;
  localparam logic [5:0] OpOri    = 6'h04;
  localparam logic [5:0] OpXori   = 6'h05;
  localparam logic [5:0] OpSlli   = 6'h06;
  localparam logic [5:0] OpSrli   = 6'h07;
  localparam logic [5:0] OpSrai   = 6'h08;
  localparam logic [5:0] OpSlti   = 6'h09;
  localparam logic [5:0] OpLui    = 6'h0A;
  localparam logic [5:0] OpJal    = 6'h0B;
  localparam logic [5:0] OpJalr   = 6'h0C;
  localparam logic [5:0] OpLw     = 6'h0D;
  localparam logic [5:0] OpSw     = 6'h0E;
  localparam logic [5:0] OpLhu    = 6'h0F;
  localparam logic [5:0] OpSh     = 6'h10;
  localparam logic [5:0] OpBeq    = 6'h11;
  localparam logic [5:0] OpBne    = 6'h12;
  localparam logic [5:0] OpBlt    = 6'h13;
  localparam logic [5:0] OpBge    = 6'h14;
  localparam logic [5:0] OpBltu   = 6'h15;
  localparam logic [5:0] OpBgeu   = 6'h16;
  localparam logic [5:0] OpFp     = 6'h17;
  localparam logic [5:0] OpFfma   = 6'h18;
  localparam logic [5:0] OpDmem   = 6'h19;
  localparam logic [5:0] OpDfab   = 6'h1A;
  localparam logic [5:0] OpDadd   = 6'h1B;
  localparam logic [5:0] OpTensor = 6'h1C;
  localparam logic [5:0] OpTbind  = 6'h1D;
  localparam logic [5:0] OpTask   = 6'h1E;
  localparam logic [5:0] OpSend   = 6'h1F;
  localparam logic [5:0] OpRecv   = 6'h20;
  localparam logic [5:0] OpCsrr   = 6'h21;
  localparam logic [5:0] OpRcfg   = 6'h22;

  // ALU functions.
  localparam logic [3:0] FnAdd = 4'd0, FnSub = 4'd1, FnAnd = 4'd2, FnOr = 4'd3, FnXor = 4'd4,
                         FnSll = 4'd5, FnSrl = 4'd6, FnSra = 4'd7, FnSlt = 4'd8, FnSltu = 4'd9,
                         FnMul = 4'd10;
  localparam int unsigned NumAluFns = 11;
  // Scalar floating-point functions.
  localparam logic [3:0] FnFadd = 4'd0, FnFsub = 4'd1, FnFmul = 4'd2, FnFmax = 4'd3,
                         FnFmin = 4'd4, FnFlt = 4'd5, FnFle = 4'd6, FnFeq = 4'd7,
                         FnFcvtSW = 4'd8, FnFcvtWS = 4'd9, FnFcvtSH = 4'd10, FnFcvtHS = 4'd11;
  localparam int unsigned NumFpFns = 12;
  // Tensor functions.
  localparam logic [3:0] FnTfmac = 4'd0, FnTfadd = 4'd1, FnTfmul = 4'd2, FnTfmuls = 4'd3,
                         FnTfadds = 4'd4, FnTfmax = 4'd5, FnTfmov = 4'd6, FnTfdot = 4'd7,
                         FnTfsum = 4'd8, FnTfmaxr = 4'd9;
  localparam int unsigned NumTensorFns = 10;
  // Task functions.
  localparam logic [3:0] FnTact = 4'd0, FnTblock = 4'd1, FnTunblock = 4'd2, FnTdone = 4'd3;
  localparam int unsigned NumTaskFns = 4;

  // CSRs.
  localparam logic [9:0] CsrX = 10'd0, CsrY = 10'd1, CsrCycle = 10'd2, CsrCycleH = 10'd3,
                         CsrTask = 10'd4, CsrTaskData = 10'd5, CsrInstret = 10'd6,
                         CsrStalls = 10'd7, CsrErr = 10'd8;
  localparam int unsigned NumCsrs = 9;

  // Errors that halt the core (the err CSR).
  localparam logic [2:0] ErrNone = 3'd0, ErrIllegal = 3'd1, ErrMisaligned = 3'd2,
                         ErrAddress = 3'd3, ErrShortOperand = 3'd4, ErrOwnedColor = 3'd5,
                         ErrOverlap = 3'd6;

  // Why the core made no progress in a cycle (wait_o): statistics and deadlock reports.
  localparam logic [1:0] WaitNone = 2'd0, WaitFabricIn = 2'd1, WaitFabricOut = 2'd2,
                         WaitSram = 2'd3;

  /// Tasks in the task table; the main program runs as task MainTask.
  localparam int unsigned NumTasks = 16;
  localparam logic [4:0]  MainTask = 5'd16;

  /// A descriptor, flattened (yosys reads no member select on arrays of structs).
  /// Bits: [31:0] base, [47:32] len, [63:48] stride, [68:64] color, [69] f16, [70] out,
  /// [71] fabric.
  localparam int unsigned DescW = 72;

endpackage
