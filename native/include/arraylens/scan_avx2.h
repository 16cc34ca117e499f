// Leak scan, AVX2: 16 words per step tested against [lo, hi) (unsigned compare via the sign flip); the rare
// words inside take the scalar block search.
#pragma once
#include <immintrin.h>
#include "scan_serial.h"

namespace arraylens {
namespace avx2 {

static void scan(const uint8_t* p, size_t words, const ScanIndex& x, uint8_t* marks, uint32_t* newly, size_t* nn) {
  const __m256i sign = _mm256_set1_epi64x((long long)0x8000000000000000ull);
  const __m256i lo = _mm256_set1_epi64x((long long)x.lo);
  const __m256i span = _mm256_xor_si256(_mm256_set1_epi64x((long long)(x.hi - x.lo)), sign);
  size_t i = 0;
  for (; i + 16 <= words; i += 16) {
    int m[4];
    for (int k = 0; k < 4; k++) {
      const __m256i d = _mm256_xor_si256(_mm256_sub_epi64(_mm256_loadu_si256((const __m256i*)(p + (i + 4 * k) * 8)), lo), sign);
      m[k] = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(span, d)));  // v - lo < span, unsigned
    }
    scan_bits(p, i, (uint32_t)(m[0] | m[1] << 4 | m[2] << 8 | m[3] << 12), x, marks, newly, nn);
  }
  serial::scan(p + i * 8, words - i, x, marks, newly, nn);
}

}  // namespace avx2
}  // namespace arraylens
