// Streaming-read probe, AVX-512: four independent 512-bit u64 accumulators.
#pragma once
#include <immintrin.h>
#include "common.h"

namespace arraylens {
namespace avx512 {

static uint64_t read_sum(const uint8_t* p, size_t words) {
  __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
  size_t i = 0;
  for (; i + 32 <= words; i += 32) {
    const uint8_t* q = p + i * 8;
    a = _mm512_add_epi64(a, _mm512_loadu_si512(q));
    b = _mm512_add_epi64(b, _mm512_loadu_si512(q + 64));
    c = _mm512_add_epi64(c, _mm512_loadu_si512(q + 128));
    d = _mm512_add_epi64(d, _mm512_loadu_si512(q + 192));
  }
  uint64_t s = (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d)));
  for (; i < words; i++) {
    uint64_t w;
    std::memcpy(&w, p + i * 8, 8);
    s += w;
  }
  return s;
}

}  // namespace avx512
}  // namespace arraylens
