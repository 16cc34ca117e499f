// Streaming-read probe, NEON (arm64): four 128-bit u64 accumulators.
#pragma once
#if defined(__aarch64__)
#include <arm_neon.h>
#include "common.h"

namespace arraylens {
namespace neon {

static uint64_t read_sum(const uint8_t* p, size_t words) {
  uint64x2_t a = vdupq_n_u64(0), b = a, c = a, d = a;
  size_t i = 0;
  for (; i + 8 <= words; i += 8) {
    const uint64_t* q = (const uint64_t*)(p + i * 8);
    a = vaddq_u64(a, vreinterpretq_u64_u8(vld1q_u8((const uint8_t*)q)));
    b = vaddq_u64(b, vreinterpretq_u64_u8(vld1q_u8((const uint8_t*)(q + 2))));
    c = vaddq_u64(c, vreinterpretq_u64_u8(vld1q_u8((const uint8_t*)(q + 4))));
    d = vaddq_u64(d, vreinterpretq_u64_u8(vld1q_u8((const uint8_t*)(q + 6))));
  }
  uint64_t s = vaddvq_u64(vaddq_u64(vaddq_u64(a, b), vaddq_u64(c, d)));
  for (; i < words; i++) {
    uint64_t w;
    std::memcpy(&w, p + i * 8, 8);
    s += w;
  }
  return s;
}

}  // namespace neon
}  // namespace arraylens
#endif
