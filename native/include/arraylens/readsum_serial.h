// Streaming-read probe, scalar: the sum of a buffer's little-endian u64 words (the bandwidth baseline).
#pragma once
#include "common.h"

namespace arraylens {
namespace serial {

static uint64_t read_sum(const uint8_t* p, size_t words) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 4 <= words; i += 4) {
    uint64_t w[4];
    std::memcpy(w, p + i * 8, 32);
    a += w[0]; b += w[1]; c += w[2]; d += w[3];
  }
  for (; i < words; i++) {
    uint64_t w;
    std::memcpy(&w, p + i * 8, 8);
    a += w;
  }
  return a + b + c + d;
}

}  // namespace serial
}  // namespace arraylens
