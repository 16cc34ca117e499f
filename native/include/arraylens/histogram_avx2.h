// Pass two, AVX2: numpy.histogram's bin index on 4 float64 lanes (exact division), scalar edge checks.
#pragma once
#include "loaders_avx2.h"

namespace arraylens {
namespace avx2 {

static inline void histogram_step(__m256d x, __m256d kv, const HistSpec& h, __m256d first, __m256d last,
                                  __m256d delta, __m256d nb, uint64_t* counts, size_t stride) {
  const int kin = _mm256_movemask_pd(_mm256_and_pd(kv, _mm256_and_pd(_mm256_cmp_pd(x, first, _CMP_GE_OQ), _mm256_cmp_pd(x, last, _CMP_LE_OQ))));
  const __m256d q = _mm256_mul_pd(_mm256_div_pd(_mm256_sub_pd(x, first), delta), nb);
  const int degen = _mm256_movemask_pd(_mm256_cmp_pd(q, _mm256_setzero_pd(), _CMP_NGE_UQ));  // 0/0: bin 0
  __m128i i = _mm256_cvttpd_epi32(q);
  i = _mm_min_epi32(_mm_max_epi32(i, _mm_setzero_si128()), _mm_set1_epi32(h.bins - 1));
  alignas(16) int32_t idx[4];
  alignas(32) double xs[4];
  _mm_store_si128((__m128i*)idx, i);
  _mm256_store_pd(xs, x);
  for (int j = 0; j < 4; j++) {
    int32_t b = !((kin >> j) & 1) ? h.bins : ((degen >> j) & 1) ? 0 : bin_fixup(xs[j], idx[j], h);
    counts[j * stride + b]++;
  }
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
