// Pass two, AVX-512: numpy.histogram's bin index. Types with exact float32 values take the float32 fast path
// below when hist_prepare32 proved it for the spec; the rest: 8 float64 lanes with the exact division, scalar
// edge checks, increments into interleaved count tables.
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

// ---------------------------------------------------------------- float32 fast path (see hist_prepare32)
//
// For the types whose values are exact float32: q = (x - first32) * scale32 on 16 float32 lanes; where frac(q)
// is clear of the integers by tol32 the bin is trunc(q), proven equal to bin_index (common.h). Lanes near a
// bin edge (a fraction ~2 * tol32 of them, ~1e-4) take the exact scalar rule. Counts go to 4 interleaved tables.

template <class L16>
static inline void hist16_step(__m512 x, __mmask16 kv, const HistSpec& h, __m512 lo, __m512 hi, __m512 F, __m512 S,
                               __m512 tol, __m512 tol1, __m512i trash, __m512i off, uint64_t* counts) {
  const __mmask16 kin = _mm512_mask_cmp_ps_mask(_mm512_mask_cmp_ps_mask(kv, x, lo, _CMP_GE_OQ), x, hi, _CMP_LE_OQ);
  const __m512 q = _mm512_mul_ps(_mm512_sub_ps(x, F), S);
  const __m512 t = _mm512_roundscale_ps(q, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(q, t);
  const __mmask16 kfast = _mm512_mask_cmp_ps_mask(_mm512_mask_cmp_ps_mask(kin, f, tol, _CMP_GT_OQ), f, tol1, _CMP_LT_OQ);
  const __m512i idx = _mm512_add_epi32(_mm512_mask_mov_epi32(trash, kfast, _mm512_cvttps_epi32(t)), off);
  alignas(64) int32_t b[16];
  _mm512_store_si512((__m512i*)b, idx);
  const __mmask16 kslow = (__mmask16)(kin & ~kfast);
  if (kslow) {
    alignas(64) float xs[16];
    alignas(64) int32_t offs[16];
    _mm512_store_ps(xs, x);
    _mm512_store_si512((__m512i*)offs, off);
    for (int j = 0; j < 16; j++)
      if ((kslow >> j) & 1) b[j] = bin_index((double)xs[j], h) + offs[j];
  }
  if (kv == 0xffff) {
    for (int j = 0; j < 16; j++) counts[b[j]]++;
  } else {
    for (int j = 0; j < 16; j++)
      if ((kv >> j) & 1) counts[b[j]]++;
  }
}

template <class L16>
static void histogram16(const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  using T = typename L16::T;
  const T* a = (const T*)p;
  const int32_t stride = h.bins + 1;
  const __m512 lo = _mm512_set1_ps(h.lo32), hi = _mm512_set1_ps(h.hi32), F = _mm512_set1_ps(h.first32), S = _mm512_set1_ps(h.scale32);
  const __m512 tol = _mm512_set1_ps(h.tol32), tol1 = _mm512_set1_ps(1.0f - h.tol32);
  const __m512i trash = _mm512_set1_epi32(h.bins);
  const __m512i off = _mm512_mullo_epi32(_mm512_and_si512(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                          _mm512_set1_epi32(kHistCopies - 1)), _mm512_set1_epi32(stride));
  const size_t full = L16::S == 1 ? n / 16 : (n - 1) / 16;  // strided loads reach one element past the 16th
  for (size_t i = 0; i < full; i++) {
    _mm_prefetch((const char*)(a + i * 16 * L16::S) + 2048, _MM_HINT_T0);
    hist16_step<L16>(L16::load(a + i * 16 * L16::S), 0xffff, h, lo, hi, F, S, tol, tol1, trash, off, counts);
  }
  const size_t rem = n - full * 16;
  if (rem) hist16_step<L16>(L16::load_masked(a + full * 16 * L16::S, rem), (__mmask16)((1u << rem) - 1), h, lo, hi, F, S, tol, tol1, trash, off, counts);
}

/** Every second element of a run of 2n - 1 elements; false where only the tile path applies. */
static bool histogram_s2(Dt dt, const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  if (!h.fast32 || dt != Dt::F32) return false;
  histogram16<M16F32S2>(p, n, h, counts);
  return true;
}

static void histogram(Dt dt, const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  if (h.fast32) {
    switch (dt) {
      case Dt::Bool: case Dt::U8: return histogram16<M16U8>(p, n, h, counts);
      case Dt::I8: return histogram16<M16I8>(p, n, h, counts);
      case Dt::I16: return histogram16<M16I16>(p, n, h, counts);
      case Dt::U16: return histogram16<M16U16>(p, n, h, counts);
      case Dt::F16: return histogram16<M16F16>(p, n, h, counts);
      case Dt::BF16: return histogram16<M16BF16>(p, n, h, counts);
      case Dt::F32: return histogram16<M16F32>(p, n, h, counts);
      default: break;
    }
  }
  with_loader(dt, [&](auto l) { histogram_run<decltype(l)>(p, n, h, counts); });
}

}  // namespace avx512
}  // namespace arraylens
