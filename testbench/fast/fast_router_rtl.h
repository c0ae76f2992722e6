// A Verilated mesh_router behind FastRouter's port structs, stepped the same way: Evaluate
// drives the inputs and settles the falling edge, Update is the rising edge. Works for any
// NumColors the model was Verilated with (narrow ports are integers, wide ones word arrays).
#pragma once

#include <cstdint>

#include "fast_router.h"
#include "port_bits.h"
#include "verilated.h"

namespace wafersim::tb {

template <class Model>
class RtlRouter {
 public:
  RtlRouter(VerilatedContext* context, const char* scope, int colors) : m_(context, scope), colors_(colors) {}
  ~RtlRouter() { m_.final(); }

  /// Two clock edges in reset with these straps, then out of reset.
  void Reset(int x, int y, int credit_limit) {
    m_.x_i = static_cast<uint16_t>(x);
    m_.y_i = static_cast<uint16_t>(y);
    m_.credit_limit_i = static_cast<uint8_t>(credit_limit);
    m_.rst_ni = 0;
    Drive(fabric::FastRouter::Inputs{});
    for (int i = 0; i < 2; ++i) {
      m_.clk_i = 0;
      m_.eval();
      m_.clk_i = 1;
      m_.eval();
    }
    m_.rst_ni = 1;
  }

  void Evaluate(const fabric::FastRouter::Inputs& in, fabric::FastRouter::Outputs& out) {
    Drive(in);
    m_.clk_i = 0;
    m_.eval();
    const auto colors = static_cast<unsigned>(colors_);
    out.valid = m_.valid_o;
    out.err = m_.err_o;
    for (int p = 0; p < fabric::FastRouter::kPorts; ++p) {
      const auto lsb = static_cast<unsigned>(p) * colors;
      out.flit[p] = noc::GetBits(m_.flit_o, static_cast<unsigned>(p) * 40, 40);
      out.credit[p] = static_cast<uint32_t>(noc::GetBits(m_.credit_o, lsb, colors));
      out.nonempty[p] = static_cast<uint32_t>(noc::GetBits(m_.nonempty_o, lsb, colors));
      out.full[p] = static_cast<uint32_t>(noc::GetBits(m_.full_o, lsb, colors));
    }
  }

  void Update() {
    m_.clk_i = 1;
    m_.eval();
  }

 private:
  void Drive(const fabric::FastRouter::Inputs& in) {
    const auto colors = static_cast<unsigned>(colors_);
    m_.valid_i = in.valid;
    for (int p = 0; p < fabric::FastRouter::kPorts; ++p) {
      noc::SetBits(m_.flit_i, static_cast<unsigned>(p) * 40, 40, in.flit[p]);
      noc::SetBits(m_.credit_i, static_cast<unsigned>(p) * colors, colors, in.credit[p]);
    }
    m_.cfg_valid_i = in.cfg_valid;
    m_.cfg_color_i = in.cfg_color;
    m_.cfg_sel_i = in.cfg_sel;
    m_.cfg_data_i = in.cfg_data;
  }

  Model m_;
  int colors_;
};

}  // namespace wafersim::tb
