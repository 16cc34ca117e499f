// Leak scan, NEON (arm64): 16 words per step tested against [lo, hi) with unsigned 64-bit compares; a step with
// a word inside narrows the masks to 16 bits for scan_bits, the rare hits take the scalar block search.
#pragma once
#if defined(__aarch64__)
#include <arm_neon.h>
#include "scan_serial.h"

namespace arraylens {
namespace neon {

static void scan(const uint8_t* p, size_t words, const ScanIndex& x, uint8_t* marks, uint32_t* newly, size_t* nn) {
  const uint64x2_t lo = vdupq_n_u64(x.lo), span = vdupq_n_u64(x.hi - x.lo);
  const uint8x16_t bit = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  size_t i = 0;
  for (; i + 16 <= words; i += 16) {
    uint64x2_t m[8];
    for (int k = 0; k < 8; k++)
      m[k] = vcltq_u64(vsubq_u64(vreinterpretq_u64_u8(vld1q_u8(p + (i + 2 * k) * 8)), lo), span);  // v - lo < span
    const uint64x2_t any = vorrq_u64(vorrq_u64(vorrq_u64(m[0], m[1]), vorrq_u64(m[2], m[3])), vorrq_u64(vorrq_u64(m[4], m[5]), vorrq_u64(m[6], m[7])));
    if (vmaxvq_u32(vreinterpretq_u32_u64(any)) == 0) continue;
    // 8 x 2 lanes of 64 bits -> 16 lanes of 8 bits (word order kept), one bit per word.
    const uint16x8_t h0 = vcombine_u16(vmovn_u32(vcombine_u32(vmovn_u64(m[0]), vmovn_u64(m[1]))), vmovn_u32(vcombine_u32(vmovn_u64(m[2]), vmovn_u64(m[3]))));
    const uint16x8_t h1 = vcombine_u16(vmovn_u32(vcombine_u32(vmovn_u64(m[4]), vmovn_u64(m[5]))), vmovn_u32(vcombine_u32(vmovn_u64(m[6]), vmovn_u64(m[7]))));
    const uint8x16_t b = vandq_u8(vcombine_u8(vmovn_u16(h0), vmovn_u16(h1)), bit);
    const uint32_t bits = (uint32_t)vaddv_u8(vget_low_u8(b)) | (uint32_t)vaddv_u8(vget_high_u8(b)) << 8;
    scan_bits(p, i, bits, x, marks, newly, nn);
  }
  serial::scan(p + i * 8, words - i, x, marks, newly, nn);
}

}  // namespace neon
}  // namespace arraylens
#endif
