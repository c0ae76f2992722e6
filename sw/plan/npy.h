// NumPy .npy files (format versions 1.0, 2.0 and 3.0), the tensors and expected outputs of a
// plan file (plan_file.h). Read: little-endian <f2, <f4, <f8, <i4, <i8, C order, 1-D or 2-D,
// converted to double. Written: version 1.0, <f2, <f4 or <f8, atomically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wafersim::plan {

struct NpyArray {
  std::string descr;            ///< the file's dtype: "<f4", "<f2", "<f8", "<i4", "<i8"
  std::vector<int64_t> shape;   ///< {n} or {rows, cols}
  std::vector<double> values;   ///< row-major (C order)
};

/// Throws std::invalid_argument with one line, "PATH: reason", when the file cannot be read,
/// is not an .npy file (bad magic, truncated header), has an unsupported dtype, Fortran
/// order or shape, or its data does not match its shape.
NpyArray ReadNpy(const std::string& path);

/// Writes `values` (row-major, of `shape`) as `descr` ("<f4", "<f2" or "<f8"; values are
/// rounded to it) to a temporary file beside `path`, then renames it: a failed write leaves
/// no file behind. Throws std::invalid_argument ("PATH: reason").
void WriteNpy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<double>& values,
              const std::string& descr = "<f4");

}  // namespace wafersim::plan
