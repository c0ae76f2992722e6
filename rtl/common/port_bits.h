// Bit fields of Verilated ports: narrow ports are integers, wide ones VlWide word arrays.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace wafersim::noc {

template <typename T>
inline uint64_t GetBits(const T& port, unsigned lsb, unsigned width) {
  const uint64_t mask = width >= 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1);
  if constexpr (std::is_integral_v<T>) {
    return (static_cast<uint64_t>(port) >> lsb) & mask;
  } else {
    const uint32_t* words = port.data();
    const unsigned word = lsb / 32, shift = lsb % 32;
    uint64_t v = words[word] >> shift;
    if (shift + width > 32) v |= static_cast<uint64_t>(words[word + 1]) << (32 - shift);
    if (shift + width > 64) v |= static_cast<uint64_t>(words[word + 2]) << (64 - shift);
    return v & mask;
  }
}

template <typename T>
inline void SetBits(T& port, unsigned lsb, unsigned width, uint64_t value) {
  const uint64_t mask = width >= 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1);
  value &= mask;
  if constexpr (std::is_integral_v<T>) {
    port = static_cast<T>((static_cast<uint64_t>(port) & ~(mask << lsb)) | (value << lsb));
  } else {
    uint32_t* words = port.data();
    for (unsigned done = 0; done < width;) {
      const unsigned bit = lsb + done, word = bit / 32, shift = bit % 32;
      const unsigned take = std::min(32 - shift, width - done);
      const uint32_t m = static_cast<uint32_t>(((uint64_t{1} << take) - 1) << shift);
      words[word] = (words[word] & ~m) | (static_cast<uint32_t>(value >> done) << shift & m);
      done += take;
    }
  }
}

}  // namespace wafersim::noc
