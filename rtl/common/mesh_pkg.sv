// Shared types of the wafer mesh: wavelets, ports, coordinates and route registers.
package mesh_pkg;

  /// Router ports, in the order every per-port vector uses.
  typedef enum logic [2:0] {
    North = 3'd0,
    East  = 3'd1,
    South = 3'd2,
    West  = 3'd3,
    Local = 3'd4
  } dir_e;

  /// Ports per router: four mesh links and the ramp to the tile's core.
  localparam int unsigned NumPorts = 5;
  /// Width of a color field; a router may implement fewer colors than this allows.
  localparam int unsigned ColorW = 5;
  /// Largest number of colors a router can implement.
  localparam int unsigned MaxColors = 32;
  /// Width of one mesh coordinate: 2048 rows or columns covers a whole WSE-3 (762 x 1172).
  localparam int unsigned CoordW = 11;
  /// Number of switch positions per color.
  localparam int unsigned NumPositions = 4;

  typedef logic [CoordW-1:0]   coord_t;
  typedef logic [ColorW-1:0]   color_t;
  typedef logic [NumPorts-1:0] port_mask_t;

  /// A wavelet: 32-bit payload, its color, a control bit, and packet framing for dynamic colors.
  /// On a dynamic color the head wavelet's payload is a dyn_head_t (destination and a tag).
  typedef struct packed {
    logic [31:0] data;
    color_t      color;
    logic        ctrl;
    logic        head;
    logic        tail;
  } flit_t;

  /// Bits in a wavelet. Arrays of wavelets are plain vectors of this width (yosys mis-reads
  /// packed arrays of structs); a plain flit_t variable gives names to one wavelet's fields.
  localparam int unsigned FlitW = 32 + ColorW + 3;

  /// Payload of a dynamic packet's head wavelet.
  typedef struct packed {
    logic [31-2*CoordW:0] tag;   // free for software (the traffic harness numbers packets here)
    coord_t               dst_y;
    coord_t               dst_x;
  } dyn_head_t;

  /// Route register selector on the configuration port.
  typedef enum logic [2:0] {
    CfgPos0 = 3'd0,  // switch position 0: data[4:0] rx ports, data[9:5] tx ports
    CfgPos1 = 3'd1,
    CfgPos2 = 3'd2,
    CfgPos3 = 3'd3,
    CfgMode = 3'd4   // data[0] dynamic, data[2:1] last switch position; resets the position to 0
  } cfg_sel_e;

  /// Width of a configuration word.
  localparam int unsigned CfgDataW = 2 * NumPorts;

  /// Sticky error bits a router raises (err_o).
  localparam int unsigned ErrBadConfig  = 0;  // a route write that can never be legal
  localparam int unsigned ErrBadColor   = 1;  // a wavelet on a color this router does not implement
  localparam int unsigned ErrBadFraming = 2;  // a dynamic packet without head, or a head inside a packet
  localparam int unsigned NumErrs       = 3;

endpackage
