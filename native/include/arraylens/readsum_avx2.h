// Streaming-read probe, AVX2: four independent 256-bit u64 accumulators.
#pragma once
#include <immintrin.h>
#include "common.h"

namespace arraylens {
namespace avx2 {

static uint64_t read_sum(const uint8_t* p, size_t words) {
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  size_t i = 0;
  for (; i + 16 <= words; i += 16) {
    const __m256i* q = (const __m256i*)(p + i * 8);
    a = _mm256_add_epi64(a, _mm256_loadu_si256(q));
    b = _mm256_add_epi64(b, _mm256_loadu_si256(q + 1));
    c = _mm256_add_epi64(c, _mm256_loadu_si256(q + 2));
    d = _mm256_add_epi64(d, _mm256_loadu_si256(q + 3));
  }
  alignas(32) uint64_t t[4];
  _mm256_store_si256((__m256i*)t, _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d)));
  uint64_t s = t[0] + t[1] + t[2] + t[3];
  for (; i < words; i++) {
    uint64_t w;
    std::memcpy(&w, p + i * 8, 8);
    s += w;
  }
  return s;
}

}  // namespace avx2
}  // namespace arraylens
