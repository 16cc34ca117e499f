// Leak scan, AVX-512: 32 words per step tested against [lo, hi) with unsigned compares into masks; the rare
// words inside take the scalar block search.
#pragma once
#include <immintrin.h>
#include "scan_serial.h"

namespace arraylens {
namespace avx512 {

static void scan(const uint8_t* p, size_t words, const ScanIndex& x, uint8_t* marks, uint32_t* newly, size_t* nn) {
  const __m512i lo = _mm512_set1_epi64((long long)x.lo);
  const __m512i span = _mm512_set1_epi64((long long)(x.hi - x.lo));
  size_t i = 0;
  for (; i + 32 <= words; i += 32) {
    __mmask8 m[4];
    for (int k = 0; k < 4; k++)
      m[k] = _mm512_cmplt_epu64_mask(_mm512_sub_epi64(_mm512_loadu_si512((const void*)(p + (i + 8 * k) * 8)), lo), span);
    if (_kortestz_mask8_u8(_kor_mask8(m[0], m[1]), _kor_mask8(m[2], m[3]))) continue;
    scan_bits(p, i, (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24, x, marks, newly, nn);
  }
  serial::scan(p + i * 8, words - i, x, marks, newly, nn);
}

}  // namespace avx512
}  // namespace arraylens
