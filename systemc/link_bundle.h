// What a tile drives onto one of its mesh links in a cycle: a wavelet toward the neighbour
// and the credits it returns for wavelets it took from that neighbour. One SystemC signal per
// tile output carries it; the neighbour reads it the next cycle (one cycle on the link).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace sc_core {
class sc_trace_file;
}

namespace wafersim::fabric {

struct LinkBundle {
  uint64_t flit = 0;     ///< mesh_pkg::flit_t, 40 bits (noc::Wavelet::Pack)
  bool valid = false;
  uint32_t credits = 0;  ///< one bit per color: a credit back for a wavelet taken

  bool operator==(const LinkBundle& o) const {
    return valid == o.valid && credits == o.credits && (!valid || flit == o.flit);
  }
  bool Quiet() const { return !valid && credits == 0; }
};

std::ostream& operator<<(std::ostream& os, const LinkBundle& b);
/// Lets sc_signal<LinkBundle> be traced (its valid bit, wavelet and credits).
void sc_trace(sc_core::sc_trace_file* tf, const LinkBundle& b, const std::string& name);

}  // namespace wafersim::fabric
