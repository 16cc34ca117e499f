// Pass two, AVX-512: numpy.histogram's bin rule on 8 float64 lanes (exact division, gathered edge checks),
// then scalar increments into interleaved count tables.
#pragma once
#include "loaders_avx512.h"

namespace arraylens {
namespace avx512 {

template <class L>
static inline void histogram_step(__m512d x, __mmask8 kv, const HistSpec& h, __m512d first, __m512d last,
                                  __m512d delta, __m512d nb, uint64_t* counts, size_t stride) {
  const __m256i one = _mm256_set1_epi32(1), zero = _mm256_setzero_si256();
  const __m256i nm1 = _mm256_set1_epi32(h.bins - 1);
  __mmask8 kin = _mm512_mask_cmp_pd_mask(kv, x, first, _CMP_GE_OQ) & _mm512_cmp_pd_mask(x, last, _CMP_LE_OQ);
  __m512d q = _mm512_mul_pd(_mm512_div_pd(_mm512_sub_pd(x, first), delta), nb);
  // In range, trunc(q) is in [0, bins]; `if (i == n) i--` is then min(i, n - 1). Out of range lanes are clamped
  // only so the gathers stay inside `edges`.
  __m256i i = _mm512_cvttpd_epi32(q);
  i = _mm256_min_epi32(_mm256_max_epi32(i, zero), nm1);
  __m512d elo = _mm512_i32gather_pd(i, h.edges, 8);
  __m512d ehi = _mm512_i32gather_pd(_mm256_add_epi32(i, one), h.edges, 8);
  __mmask8 kdec = _mm512_cmp_pd_mask(x, elo, _CMP_LT_OQ);
  __mmask8 kinc = _mm512_mask_cmp_pd_mask((__mmask8)~kdec, x, ehi, _CMP_GE_OQ) & _mm256_cmpneq_epi32_mask(i, nm1);
  const __mmask8 kdegen = _mm512_cmp_pd_mask(q, _mm512_setzero_pd(), _CMP_NGE_UQ);
  kin &= (__mmask8)~(kdec & _mm256_cmpeq_epi32_mask(i, zero) & ~kdegen);  // binIndex's -1
  i = _mm256_mask_sub_epi32(i, kdec, i, one);
  i = _mm256_mask_add_epi32(i, kinc, i, one);
  i = _mm256_mask_mov_epi32(i, kdegen, zero);  // degenerate range (q NaN): bin 0, as binIndex
  i = _mm256_mask_mov_epi32(_mm256_set1_epi32(h.bins), kin, i);
  alignas(32) int32_t idx[8];
  _mm256_store_si256((__m256i*)idx, i);
  for (int j = 0; j < 8; j++) counts[(j & (kHistCopies - 1)) * stride + idx[j]]++;
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
    histogram_step<L>(L::load(a + i * 8), 0xff, h, first, last, delta, nb, counts, stride);
  }
  if (rem) {
    alignas(64) T tail[8] = {};
    std::memcpy(tail, a + full * 8, rem * sizeof(T));
    histogram_step<L>(L::load(tail), (__mmask8)((1u << rem) - 1), h, first, last, delta, nb, counts, stride);
  }
}

static void histogram(Dt dt, const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  with_loader(dt, [&](auto l) { histogram_run<decltype(l)>(p, n, h, counts); });
}

}  // namespace avx512
}  // namespace arraylens
