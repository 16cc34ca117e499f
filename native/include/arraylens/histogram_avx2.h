// Pass two, AVX2: float32 takes the proven float32 fast path below; other types numpy.histogram's bin index on
// 4 float64 lanes (exact division), scalar edge checks.
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

// Float32 fast path (see hist_prepare32 in common.h): q = (x - first32) * scale32 on 8 float32 lanes, trunc(q)
// where its fraction is clear of the integers by tol32 (proven equal to bin_index), the exact rule elsewhere.
// Only float32 gets here: 1- and 2-byte types are binned by bit pattern in the engine.
static inline void hist8_step(__m256 x, int kv, const HistSpec& h, __m256 lo, __m256 hi, __m256 F, __m256 S, __m256 tol,
                              __m256 tol1, __m256i trash, __m256i off, uint64_t* counts) {
  const __m256 in = _mm256_and_ps(_mm256_cmp_ps(x, lo, _CMP_GE_OQ), _mm256_cmp_ps(x, hi, _CMP_LE_OQ));
  const __m256 q = _mm256_mul_ps(_mm256_sub_ps(x, F), S);
  const __m256 t = _mm256_round_ps(q, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 f = _mm256_sub_ps(q, t);
  const __m256 fast = _mm256_and_ps(in, _mm256_and_ps(_mm256_cmp_ps(f, tol, _CMP_GT_OQ), _mm256_cmp_ps(f, tol1, _CMP_LT_OQ)));
  const __m256i idx = _mm256_add_epi32(_mm256_blendv_epi8(trash, _mm256_cvttps_epi32(t), _mm256_castps_si256(fast)), off);
  alignas(32) int32_t b[8];
  _mm256_store_si256((__m256i*)b, idx);
  const int kslow = _mm256_movemask_ps(_mm256_andnot_ps(fast, in)) & kv;
  if (kslow) {
    alignas(32) float xs[8];
    alignas(32) int32_t offs[8];
    _mm256_store_ps(xs, x);
    _mm256_store_si256((__m256i*)offs, off);
    for (int j = 0; j < 8; j++)
      if ((kslow >> j) & 1) b[j] = bin_index((double)xs[j], h) + offs[j];
  }
  if (kv == 0xff) {
    for (int j = 0; j < 8; j++) counts[b[j]]++;
  } else {
    for (int j = 0; j < 8; j++)
      if ((kv >> j) & 1) counts[b[j]]++;
  }
}

static void histogram_f32(const float* a, size_t n, const HistSpec& h, uint64_t* counts) {
  const int32_t stride = h.bins + 1;
  const __m256 lo = _mm256_set1_ps(h.lo32), hi = _mm256_set1_ps(h.hi32), F = _mm256_set1_ps(h.first32), S = _mm256_set1_ps(h.scale32);
  const __m256 tol = _mm256_set1_ps(h.tol32), tol1 = _mm256_set1_ps(1.0f - h.tol32);
  const __m256i trash = _mm256_set1_epi32(h.bins);
  const __m256i off = _mm256_mullo_epi32(_mm256_and_si256(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(kHistCopies - 1)),
                                         _mm256_set1_epi32(stride));
  const size_t full = n / 8;
  for (size_t i = 0; i < full; i++) {
    _mm_prefetch((const char*)(a + i * 8) + 2048, _MM_HINT_T0);
    hist8_step(_mm256_loadu_ps(a + i * 8), 0xff, h, lo, hi, F, S, tol, tol1, trash, off, counts);
  }
  const size_t rem = n - full * 8;
  if (rem) {
    const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    hist8_step(_mm256_maskload_ps(a + full * 8, m), (1 << rem) - 1, h, lo, hi, F, S, tol, tol1, trash, off, counts);
  }
}

static void histogram(Dt dt, const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  if (h.fast32 && dt == Dt::F32) return histogram_f32((const float*)p, n, h, counts);
  with_loader(dt, [&](auto l) { histogram_run<decltype(l)>(p, n, h, counts); });
}

}  // namespace avx2
}  // namespace arraylens
