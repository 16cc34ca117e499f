// Leak scan, scalar: one unsigned range test per word, binary search only for the few words that pass it.
#pragma once
#include "common.h"

namespace arraylens {

/** The words at p[i + k] for each set bit k of `bits` (the SIMD filters' candidates) go to scan_hit. */
static inline void scan_bits(const uint8_t* p, size_t i, uint32_t bits, const ScanIndex& x, uint8_t* marks, uint32_t* newly, size_t* nn) {
  while (bits) {
    uint64_t v;
    std::memcpy(&v, p + (i + (size_t)__builtin_ctz(bits)) * 8, 8);
    scan_hit(v, x, marks, newly, nn);
    bits &= bits - 1;
  }
}

namespace serial {

static void scan(const uint8_t* p, size_t words, const ScanIndex& x, uint8_t* marks, uint32_t* newly, size_t* nn) {
  const uint64_t span = x.hi - x.lo;
  for (size_t i = 0; i < words; i++) {
    uint64_t v;
    std::memcpy(&v, p + i * 8, 8);
    if (v - x.lo < span) scan_hit(v, x, marks, newly, nn);
  }
}

}  // namespace serial
}  // namespace arraylens
