// Pass one, AVX2 (+F16C, FMA): 4 float64 lanes, unrolled twice; same results as moments_serial.h up to the
// order of additions.
#pragma once
#include "loaders_avx2.h"

namespace arraylens {
namespace avx2 {

struct MomentsLanes {
  __m256d vmin, vmax, s, c;
};

static inline uint64_t popcount4(__m256d m) { return (uint64_t)_mm_popcnt_u32((unsigned)_mm256_movemask_pd(m)); }

template <class L>
static inline void pass_a_step(__m256d x, __m256d kv, MomentsLanes& a, Partial* o, uint64_t& zeros, bool& nonfinite) {
  const __m256d zero = _mm256_setzero_pd();
  zeros += popcount4(_mm256_and_pd(kv, _mm256_cmp_pd(x, zero, _CMP_EQ_OQ)));
  __m256d kf = kv;
  if (L::classify) {
    kf = _mm256_and_pd(kv, _mm256_cmp_pd(_mm256_sub_pd(x, x), zero, _CMP_EQ_OQ));
    if (_mm256_movemask_pd(kf) != _mm256_movemask_pd(kv)) {
      nonfinite = true;
      o->nan += popcount4(_mm256_and_pd(kv, _mm256_cmp_pd(x, x, _CMP_UNORD_Q)));
      o->posinf += popcount4(_mm256_and_pd(kv, _mm256_cmp_pd(x, _mm256_set1_pd(INFINITY), _CMP_EQ_OQ)));
      o->neginf += popcount4(_mm256_and_pd(kv, _mm256_cmp_pd(x, _mm256_set1_pd(-INFINITY), _CMP_EQ_OQ)));
    }
  }
  a.vmin = _mm256_min_pd(a.vmin, _mm256_blendv_pd(_mm256_set1_pd(INFINITY), x, kf));
  a.vmax = _mm256_max_pd(a.vmax, _mm256_blendv_pd(_mm256_set1_pd(-INFINITY), x, kf));
  __m256d xs = _mm256_and_pd(x, kf);
  if (L::compensate) {
    __m256d t = _mm256_add_pd(a.s, xs);
    __m256d bp = _mm256_sub_pd(t, a.s);
    a.c = _mm256_add_pd(a.c, _mm256_add_pd(_mm256_sub_pd(a.s, _mm256_sub_pd(t, bp)), _mm256_sub_pd(xs, bp)));
    a.s = t;
  } else {
    a.s = _mm256_add_pd(a.s, xs);
  }
}

template <class L>
static inline void pass_b_step(__m256d x, __m256d kv, bool nonfinite, __m256d mean, __m256d& m2, __m256d& cc) {
  __m256d kf = kv;
  if (L::classify && nonfinite) kf = _mm256_and_pd(kv, _mm256_cmp_pd(_mm256_sub_pd(x, x), _mm256_setzero_pd(), _CMP_EQ_OQ));
  __m256d d = _mm256_and_pd(_mm256_sub_pd(x, mean), kf);
  m2 = _mm256_fmadd_pd(d, d, m2);
  cc = _mm256_add_pd(cc, d);
}

static inline double hsum(__m256d v) {
  alignas(32) double t[4];
  _mm256_store_pd(t, v);
  return (t[0] + t[1]) + (t[2] + t[3]);
}

template <class L>
static void moments_block(const void* p, size_t n, Partial* o) {
  using T = typename L::T;
  const T* a = (const T*)p;
  partial_init(o);
  o->n = n;
  const size_t full = n / 4, rem = n % 4;
  alignas(32) T tail[4] = {};
  if (rem) std::memcpy(tail, a + full * 4, rem * sizeof(T));
  const __m256d all = _mm256_castsi256_pd(_mm256_set1_epi64x(-1)), ktail = lane_mask(rem);
  MomentsLanes l0{_mm256_set1_pd(INFINITY), _mm256_set1_pd(-INFINITY), _mm256_setzero_pd(), _mm256_setzero_pd()};
  MomentsLanes l1 = l0;
  uint64_t zeros = 0;
  bool nonfinite = false;
  size_t i = 0;
  for (; i + 2 <= full; i += 2) {
    pass_a_step<L>(L::load(a + i * 4), all, l0, o, zeros, nonfinite);
    pass_a_step<L>(L::load(a + i * 4 + 4), all, l1, o, zeros, nonfinite);
  }
  if (i < full) pass_a_step<L>(L::load(a + i * 4), all, l0, o, zeros, nonfinite);
  if (rem) pass_a_step<L>(L::load(tail), ktail, l1, o, zeros, nonfinite);
  o->zeros = zeros;
  o->finite = n - o->nan - o->posinf - o->neginf;
  alignas(32) double s[8], c[8];
  _mm256_store_pd(s, l0.s);
  _mm256_store_pd(s + 4, l1.s);
  _mm256_store_pd(c, l0.c);
  _mm256_store_pd(c + 4, l1.c);
  double hi = 0, lo = 0;
  for (int k = 0; k < 8; k++) {
    double t = hi + s[k], bp = t - hi;
    lo += (hi - (t - bp)) + (s[k] - bp) + c[k];
    hi = t;
  }
  o->sum = hi;
  o->sum_c = lo;
  if (o->finite == 0) return;
  alignas(32) double mn[4], mx[4];
  _mm256_store_pd(mn, _mm256_min_pd(l0.vmin, l1.vmin));
  _mm256_store_pd(mx, _mm256_max_pd(l0.vmax, l1.vmax));
  o->min = mn[0];
  o->max = mx[0];
  for (int k = 1; k < 4; k++) {
    if (mn[k] < o->min) o->min = mn[k];
    if (mx[k] > o->max) o->max = mx[k];
  }
  const __m256d mean = _mm256_set1_pd((hi + lo) / (double)o->finite);
  __m256d m2a = _mm256_setzero_pd(), m2b = m2a, cca = m2a, ccb = m2a;
  for (i = 0; i + 2 <= full; i += 2) {
    pass_b_step<L>(L::load(a + i * 4), all, nonfinite, mean, m2a, cca);
    pass_b_step<L>(L::load(a + i * 4 + 4), all, nonfinite, mean, m2b, ccb);
  }
  if (i < full) pass_b_step<L>(L::load(a + i * 4), all, nonfinite, mean, m2a, cca);
  if (rem) pass_b_step<L>(L::load(tail), ktail, nonfinite, mean, m2b, ccb);
  double cc = hsum(_mm256_add_pd(cca, ccb));
  o->m2 = hsum(_mm256_add_pd(m2a, m2b)) - cc * cc / (double)o->finite;
}

static void moments(Dt dt, const void* p, size_t n, double /*pivot*/, Partial* o) {
  with_loader(dt, [&](auto l) { moments_block<decltype(l)>(p, n, o); });
}

}  // namespace avx2
}  // namespace arraylens
