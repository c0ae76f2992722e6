#include "link_bundle.h"

#include <systemc>

namespace wafersim::fabric {

std::ostream& operator<<(std::ostream& os, const LinkBundle& b) {
  os << (b.valid ? "valid " : "idle ") << std::hex << b.flit << " credits " << b.credits << std::dec;
  return os;
}

void sc_trace(sc_core::sc_trace_file* tf, const LinkBundle& b, const std::string& name) {
  sc_core::sc_trace(tf, b.valid, name + ".valid");
  sc_core::sc_trace(tf, b.flit, name + ".flit");
  sc_core::sc_trace(tf, b.credits, name + ".credits");
}

}  // namespace wafersim::fabric
