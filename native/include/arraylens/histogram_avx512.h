// Pass two, AVX-512: numpy.histogram's bin index on 8 float64 lanes (exact division), then scalar edge checks
// and increments into interleaved count tables.
#pragma once
#include "loaders_avx512.h"

namespace arraylens {
namespace avx512 {

static inline void histogram_step(__m512d x, __mmask8 kv, const HistSpec& h, __m512d first, __m512d last,
                                  __m512d delta, __m512d nb, uint64_t* counts, size_t stride) {
  const __mmask8 kin = _mm512_mask_cmp_pd_mask(kv, x, first, _CMP_GE_OQ) & _mm512_cmp_pd_mask(x, last, _CMP_LE_OQ);
  const __m512d q = _mm512_mul_pd(_mm512_div_pd(_mm512_sub_pd(x, first), delta), nb);
  const __mmask8 kdegen = _mm512_cmp_pd_mask(q, _mm512_setzero_pd(), _CMP_NGE_UQ);  // 0/0: bin 0, as binIndex
  // In range, trunc(q) is in [0, bins]; `if (i == n) i--` is then min(i, n - 1).
  __m256i i = _mm512_cvttpd_epi32(q);
  i = _mm256_min_epi32(_mm256_max_epi32(i, _mm256_setzero_si256()), _mm256_set1_epi32(h.bins - 1));
  alignas(32) int32_t idx[8];
  alignas(64) double xs[8];
  _mm256_store_si256((__m256i*)idx, i);
  _mm512_store_pd(xs, x);
  for (int j = 0; j < 8; j++) {
    int32_t b = !((kin >> j) & 1) ? h.bins : ((kdegen >> j) & 1) ? 0 : bin_fixup(xs[j], idx[j], h);
    counts[(j & (kHistCopies - 1)) * stride + b]++;
  }
}

template <class L>
static void histogram_run(const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  using T = typename L::T;
  const T* a = (const T*)p;
  const size_t stride = (size_t)h.bins + 1;
  const __m512d first = _mm512_set1_pd(h.first), last = _mm512_set1_pd(h.last);
  const __m512d delta = _mm512_set1_pd(h.last - h.first), nb = _mm512_set1_pd((double)h.bins);
  const size_t full = n / 8, rem = n % 8;
  for (size_t i = 0; i < full; i++) {
    _mm_prefetch((const char*)(a + i * 8) + 1024, _MM_HINT_T0);
    histogram_step(L::load(a + i * 8), 0xff, h, first, last, delta, nb, counts, stride);
  }
  if (rem) {
    alignas(64) T tail[8] = {};
    std::memcpy(tail, a + full * 8, rem * sizeof(T));
    histogram_step(L::load(tail), (__mmask8)((1u << rem) - 1), h, first, last, delta, nb, counts, stride);
  }
}

static void histogram(Dt dt, const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  with_loader(dt, [&](auto l) { histogram_run<decltype(l)>(p, n, h, counts); });
}

}  // namespace avx512
}  // namespace arraylens
