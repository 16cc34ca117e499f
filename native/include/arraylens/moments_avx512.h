// Pass one, AVX-512 (F, BW, DQ, VL + F16C): 8 float64 lanes, unrolled twice; same results as moments_serial.h
// up to the order of additions (counts and min/max exact, sums TwoSum-compensated).
#pragma once
#include "loaders_avx512.h"

namespace arraylens {
namespace avx512 {

struct MomentsLanes {
  __m512d vmin, vmax, s, c;
};

template <class L>
static inline void pass_a_step(__m512d x, __mmask8 kv, MomentsLanes& a, Partial* o, uint64_t& zeros, bool& nonfinite) {
  const __m512d zero = _mm512_setzero_pd();
  zeros += (uint64_t)_mm_popcnt_u32(_mm512_mask_cmp_pd_mask(kv, x, zero, _CMP_EQ_OQ));
  __mmask8 kf = kv;
  if (L::classify) {
    kf = _mm512_mask_cmp_pd_mask(kv, _mm512_sub_pd(x, x), zero, _CMP_EQ_OQ);
    if (kf != kv) {
      nonfinite = true;
      o->nan += (uint64_t)_mm_popcnt_u32(_mm512_mask_cmp_pd_mask(kv, x, x, _CMP_UNORD_Q));
      o->posinf += (uint64_t)_mm_popcnt_u32(_mm512_mask_cmp_pd_mask(kv, x, _mm512_set1_pd(INFINITY), _CMP_EQ_OQ));
      o->neginf += (uint64_t)_mm_popcnt_u32(_mm512_mask_cmp_pd_mask(kv, x, _mm512_set1_pd(-INFINITY), _CMP_EQ_OQ));
    }
  }
  a.vmin = _mm512_mask_min_pd(a.vmin, kf, a.vmin, x);
  a.vmax = _mm512_mask_max_pd(a.vmax, kf, a.vmax, x);
  __m512d xs = _mm512_maskz_mov_pd(kf, x);
  if (L::compensate) {
    __m512d t = _mm512_add_pd(a.s, xs);
    __m512d bp = _mm512_sub_pd(t, a.s);
    a.c = _mm512_add_pd(a.c, _mm512_add_pd(_mm512_sub_pd(a.s, _mm512_sub_pd(t, bp)), _mm512_sub_pd(xs, bp)));
    a.s = t;
  } else {
    a.s = _mm512_add_pd(a.s, xs);
  }
}

template <class L>
static inline void pass_b_step(__m512d x, __mmask8 kv, bool nonfinite, __m512d mean, __m512d& m2, __m512d& cc) {
  __mmask8 kf = kv;
  if (L::classify && nonfinite) kf = _mm512_mask_cmp_pd_mask(kv, _mm512_sub_pd(x, x), _mm512_setzero_pd(), _CMP_EQ_OQ);
  __m512d d = _mm512_maskz_sub_pd(kf, x, mean);
  m2 = _mm512_fmadd_pd(d, d, m2);
  cc = _mm512_add_pd(cc, d);
}

static inline double hsum(__m512d v) { return _mm512_reduce_add_pd(v); }

template <class L>
static void moments_block(const void* p, size_t n, Partial* o) {
  using T = typename L::T;
  const T* a = (const T*)p;
  partial_init(o);
  o->n = n;
  const size_t full = n / 8, rem = n % 8;
  alignas(64) T tail[8] = {};
  if (rem) std::memcpy(tail, a + full * 8, rem * sizeof(T));
  const __mmask8 ktail = (__mmask8)((1u << rem) - 1);
  MomentsLanes l0{_mm512_set1_pd(INFINITY), _mm512_set1_pd(-INFINITY), _mm512_setzero_pd(), _mm512_setzero_pd()};
  MomentsLanes l1 = l0;
  uint64_t zeros = 0;
  bool nonfinite = false;
  size_t i = 0;
  for (; i + 2 <= full; i += 2) {
    pass_a_step<L>(L::load(a + i * 8), 0xff, l0, o, zeros, nonfinite);
    pass_a_step<L>(L::load(a + i * 8 + 8), 0xff, l1, o, zeros, nonfinite);
  }
  if (i < full) pass_a_step<L>(L::load(a + i * 8), 0xff, l0, o, zeros, nonfinite);
  if (rem) pass_a_step<L>(L::load(tail), ktail, l1, o, zeros, nonfinite);
  o->zeros = zeros;
  o->finite = n - o->nan - o->posinf - o->neginf;
  // Lane sums combined with TwoSum too, so the block sum keeps its compensation.
  alignas(64) double s[16], c[16];
  _mm512_store_pd(s, l0.s);
  _mm512_store_pd(s + 8, l1.s);
  _mm512_store_pd(c, l0.c);
  _mm512_store_pd(c + 8, l1.c);
  double hi = 0, lo = 0;
  for (int k = 0; k < 16; k++) {
    double t = hi + s[k], bp = t - hi;
    lo += (hi - (t - bp)) + (s[k] - bp) + c[k];
    hi = t;
  }
  o->sum = hi;
  o->sum_c = lo;
  if (o->finite == 0) return;
  o->min = _mm512_reduce_min_pd(_mm512_min_pd(l0.vmin, l1.vmin));
  o->max = _mm512_reduce_max_pd(_mm512_max_pd(l0.vmax, l1.vmax));
  const double meand = (hi + lo) / (double)o->finite;
  const __m512d mean = _mm512_set1_pd(meand);
  __m512d m2a = _mm512_setzero_pd(), m2b = m2a, cca = m2a, ccb = m2a;
  for (i = 0; i + 2 <= full; i += 2) {
    pass_b_step<L>(L::load(a + i * 8), 0xff, nonfinite, mean, m2a, cca);
    pass_b_step<L>(L::load(a + i * 8 + 8), 0xff, nonfinite, mean, m2b, ccb);
  }
  if (i < full) pass_b_step<L>(L::load(a + i * 8), 0xff, nonfinite, mean, m2a, cca);
  if (rem) pass_b_step<L>(L::load(tail), ktail, nonfinite, mean, m2b, ccb);
  double cc = hsum(_mm512_add_pd(cca, ccb));
  o->m2 = hsum(_mm512_add_pd(m2a, m2b)) - cc * cc / (double)o->finite;
}

static void moments(Dt dt, const void* p, size_t n, Partial* o) {
  with_loader(dt, [&](auto l) { moments_block<decltype(l)>(p, n, o); });
}

}  // namespace avx512
}  // namespace arraylens
