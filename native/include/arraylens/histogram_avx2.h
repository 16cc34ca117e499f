// Pass two, AVX2: numpy.histogram's bin rule on 4 float64 lanes (exact division, gathered edge checks).
#pragma once
#include "loaders_avx2.h"

namespace arraylens {
namespace avx2 {

/** 4 x 64-bit lane masks -> 4 x 32-bit lane masks (all ones / zero). */
static inline __m128i narrow_mask(__m256d m) {
  __m256i w = _mm256_permutevar8x32_epi32(_mm256_castpd_si256(m), _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
  return _mm256_castsi256_si128(w);
}

static inline void histogram_step(__m256d x, __m256d kv, const HistSpec& h, __m256d first, __m256d last,
                                  __m256d delta, __m256d nb, uint64_t* counts, size_t stride) {
  const __m128i one = _mm_set1_epi32(1), zero = _mm_setzero_si128(), nm1 = _mm_set1_epi32(h.bins - 1);
  __m256d kin = _mm256_and_pd(kv, _mm256_and_pd(_mm256_cmp_pd(x, first, _CMP_GE_OQ), _mm256_cmp_pd(x, last, _CMP_LE_OQ)));
  __m256d q = _mm256_mul_pd(_mm256_div_pd(_mm256_sub_pd(x, first), delta), nb);
  __m128i i = _mm256_cvttpd_epi32(q);
  i = _mm_min_epi32(_mm_max_epi32(i, zero), nm1);
  __m256d elo = _mm256_i32gather_pd(h.edges, i, 8);
  __m256d ehi = _mm256_i32gather_pd(h.edges, _mm_add_epi32(i, one), 8);
  __m128i dec = narrow_mask(_mm256_cmp_pd(x, elo, _CMP_LT_OQ));
  __m128i inc = _mm_andnot_si128(dec, narrow_mask(_mm256_cmp_pd(x, ehi, _CMP_GE_OQ)));
  inc = _mm_andnot_si128(_mm_cmpeq_epi32(i, nm1), inc);
  __m128i degen = narrow_mask(_mm256_cmp_pd(q, _mm256_setzero_pd(), _CMP_NGE_UQ));
  __m128i in = _mm_andnot_si128(_mm_andnot_si128(degen, _mm_and_si128(dec, _mm_cmpeq_epi32(i, zero))), narrow_mask(kin));
  i = _mm_sub_epi32(_mm_add_epi32(i, dec), inc);  // masks are -1: adding dec decrements, subtracting inc increments
  i = _mm_andnot_si128(degen, i);                  // degenerate range (q NaN): bin 0, as binIndex
  i = _mm_blendv_epi8(_mm_set1_epi32(h.bins), i, in);
  alignas(16) int32_t idx[4];
  _mm_store_si128((__m128i*)idx, i);
  for (int j = 0; j < 4; j++) counts[j * stride + idx[j]]++;
}

template <class L>
static void histogram_run(const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  using T = typename L::T;
  const T* a = (const T*)p;
  const size_t stride = (size_t)h.bins + 1;
  const __m256d first = _mm256_set1_pd(h.first), last = _mm256_set1_pd(h.last);
  const __m256d delta = _mm256_set1_pd(h.last - h.first), nb = _mm256_set1_pd((double)h.bins);
  const __m256d all = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  const size_t full = n / 4, rem = n % 4;
  for (size_t i = 0; i < full; i++) {
    _mm_prefetch((const char*)(a + i * 4) + 1024, _MM_HINT_T0);
    histogram_step(L::load(a + i * 4), all, h, first, last, delta, nb, counts, stride);
  }
  if (rem) {
    alignas(32) T tail[4] = {};
    std::memcpy(tail, a + full * 4, rem * sizeof(T));
    histogram_step(L::load(tail), lane_mask(rem), h, first, last, delta, nb, counts, stride);
  }
}

static void histogram(Dt dt, const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  with_loader(dt, [&](auto l) { histogram_run<decltype(l)>(p, n, h, counts); });
}

}  // namespace avx2
}  // namespace arraylens
