// Strided runs into contiguous tiles, AVX-512: every second element (the `[:, ::2]` case) by two loads and one
// two-source permute; other strides of 4- and 8-byte elements by gathers. Never reads a byte outside the run's
// elements: the permute loop stops while the 128 bytes it loads still end before the run's last element does.
#pragma once
#include <immintrin.h>
#include "common.h"

namespace arraylens {
namespace avx512 {

static size_t compact(const uint8_t* p, int64_t stride, size_t cnt, int item, uint8_t* out) {
  size_t i = 0;
  if (item == 4 && stride == 8) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (; i + 16 < cnt; i += 16) {
      const uint8_t* q = p + i * 8;
      _mm512_storeu_ps(out + i * 4, _mm512_permutex2var_ps(_mm512_loadu_ps(q), even, _mm512_loadu_ps(q + 64)));
    }
  } else if (item == 2 && stride == 4) {
    alignas(64) static const uint16_t e16[32] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30,
                                                 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62};
    const __m512i even = _mm512_load_si512((const void*)e16);
    for (; i + 32 < cnt; i += 32) {
      const uint8_t* q = p + i * 4;
      _mm512_storeu_si512((void*)(out + i * 2), _mm512_permutex2var_epi16(_mm512_loadu_si512(q), even, _mm512_loadu_si512(q + 64)));
    }
  } else if (item == 8 && stride == 16) {
    const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    for (; i + 8 < cnt; i += 8) {
      const uint8_t* q = p + i * 16;
      _mm512_storeu_pd(out + i * 8, _mm512_permutex2var_pd(_mm512_loadu_pd(q), even, _mm512_loadu_pd(q + 64)));
    }
  } else if (item == 4 && stride > 0 && stride < (1 << 26)) {
    const __m512i vi = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32((int)stride));
    for (; i + 16 <= cnt; i += 16) _mm512_storeu_ps(out + i * 4, _mm512_i32gather_ps(vi, p + (int64_t)i * stride, 1));
  } else if (item == 8 && stride > 0 && stride < (1 << 27)) {
    const __m256i vi = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)stride));
    for (; i + 8 <= cnt; i += 8) _mm512_storeu_pd(out + i * 8, _mm512_i32gather_pd(vi, p + (int64_t)i * stride, 1));
  }
  return i;
}

}  // namespace avx512
}  // namespace arraylens
