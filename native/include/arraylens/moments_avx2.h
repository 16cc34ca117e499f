// Pass one, AVX2 (+F16C, FMA): 4 float64 lanes, unrolled twice; same results as moments_serial.h up to the
// order of additions.
#pragma once
#include <algorithm>
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
  combine_lanes(s, c, 8, &hi, &lo);
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

// ---------------------------------------------------------------- single pass on 8 float32 lanes
// As moments_block16 in moments_avx512.h (see there for the method): counts and min/max on float32 lanes,
// pivot-shifted float64 sums, short sums of 32 values folded in with TwoSum, two-pass only for a far pivot.

struct M8F32 { using T = float; static constexpr bool classify = true, integer = false, half = false;
  static __m256 load(const T* p) { return _mm256_loadu_ps(p); }
  static float one(const T* p) { return *p; } };
struct M8F16 { using T = uint16_t; static constexpr bool classify = true, integer = false, half = true;
  static __m256 load(const T* p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p)); }
  static float one(const T* p) { return half_to_float(*p); } };
struct M8BF16 { using T = uint16_t; static constexpr bool classify = true, integer = false, half = false;
  static __m256 load(const T* p) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p)), 16)); }
  static float one(const T* p) { return bf16_to_float(*p); } };
struct M8I16 { using T = int16_t; static constexpr bool classify = false, integer = true, half = false;
  static __m256 load(const T* p) { return _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i*)p))); }
  static float one(const T* p) { return (float)*p; } };
struct M8U16 { using T = uint16_t; static constexpr bool classify = false, integer = true, half = false;
  static __m256 load(const T* p) { return _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p))); }
  static float one(const T* p) { return (float)*p; } };
struct M8I8 { using T = int8_t; static constexpr bool classify = false, integer = true, half = false;
  static __m256 load(const T* p) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)p))); }
  static float one(const T* p) { return (float)*p; } };
struct M8U8 { using T = uint8_t; static constexpr bool classify = false, integer = true, half = false;
  static __m256 load(const T* p) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)p))); }
  static float one(const T* p) { return (float)*p; } };

struct Lanes8 {
  __m256 vmin, vmax;
  __m256i zc;
  __m256d g0, g1, q0, q1, s0, s1, c0, c1;
};

static inline void fold_short(__m256d& s, __m256d& c, __m256d& g) {
  __m256d t = _mm256_add_pd(s, g);
  __m256d bp = _mm256_sub_pd(t, s);
  c = _mm256_add_pd(c, _mm256_add_pd(_mm256_sub_pd(s, _mm256_sub_pd(t, bp)), _mm256_sub_pd(g, bp)));
  s = t;
  g = _mm256_setzero_pd();
}

static inline uint64_t popcount8(__m256 m) { return (uint64_t)_mm_popcnt_u32((unsigned)_mm256_movemask_ps(m)); }

/** 8 lanes, `kv` (all-ones lanes) the valid ones; with Finite, every valid lane is known finite. */
template <class L8, bool Finite>
static inline void step8(__m256 x, __m256 kv, __m256d P, Lanes8& a, Partial* o) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 kf = kv;
  if (L8::classify && !Finite) {
    kf = _mm256_and_ps(kv, _mm256_cmp_ps(_mm256_sub_ps(x, x), zero, _CMP_EQ_OQ));
    o->nan += popcount8(_mm256_and_ps(kv, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
    o->posinf += popcount8(_mm256_and_ps(kv, _mm256_cmp_ps(x, _mm256_set1_ps(INFINITY), _CMP_EQ_OQ)));
    o->neginf += popcount8(_mm256_and_ps(kv, _mm256_cmp_ps(x, _mm256_set1_ps(-INFINITY), _CMP_EQ_OQ)));
  }
  a.zc = _mm256_sub_epi32(a.zc, _mm256_castps_si256(_mm256_and_ps(kv, _mm256_cmp_ps(x, zero, _CMP_EQ_OQ))));
  if (Finite) {
    a.vmin = _mm256_min_ps(a.vmin, x);
    a.vmax = _mm256_max_ps(a.vmax, x);
  } else {
    a.vmin = _mm256_min_ps(a.vmin, _mm256_blendv_ps(_mm256_set1_ps(INFINITY), x, kf));
    a.vmax = _mm256_max_ps(a.vmax, _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), x, kf));
  }
  __m256d dlo = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), P);
  __m256d dhi = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), P);
  if (!Finite) {
    const __m256i k = _mm256_castps_si256(kf);
    dlo = _mm256_and_pd(dlo, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(k))));
    dhi = _mm256_and_pd(dhi, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(k, 1))));
  }
  a.g0 = _mm256_add_pd(a.g0, dlo);
  a.g1 = _mm256_add_pd(a.g1, dhi);
  a.q0 = _mm256_fmadd_pd(dlo, dlo, a.q0);
  a.q1 = _mm256_fmadd_pd(dhi, dhi, a.q1);
}

template <class L8>
static inline double round_pivot8(double h) {
  if (L8::integer) return std::nearbyint(std::fmin(std::fmax(h, -65536.0), 65536.0));
  if (L8::half) return (double)_cvtsh_ss(_cvtss_sh((float)std::fmin(std::fmax(h, -65504.0), 65504.0), _MM_FROUND_TO_NEAREST_INT));
  return (double)(float)std::fmin(std::fmax(h, -3.4e38), 3.4e38);
}

/** The first r < 8 elements at p (the rest 0), read without touching anything past them. */
template <class L8>
static inline __m256 load_part(const typename L8::T* p, size_t r) {
  alignas(32) typename L8::T t[8] = {};
  std::memcpy(t, p, r * sizeof(typename L8::T));
  return L8::load(t);
}

template <class L8>
static void moments_block8(const void* p, size_t n, double hint, Partial* o) {
  using T = typename L8::T;
  const T* a = (const T*)p;
  partial_init(o);
  o->n = n;
  if (n == 0) return;
  if (!(hint - hint == 0)) {
    hint = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
      float v = L8::one(a + i);
      if (v - v == 0) {
        hint = v;
        break;
      }
    }
  }
  const double pv = round_pivot8<L8>(hint);
  const __m256d P = _mm256_set1_pd(pv);
  const __m256 all = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  Lanes8 l0;
  l0.vmin = _mm256_set1_ps(INFINITY);
  l0.vmax = _mm256_set1_ps(-INFINITY);
  l0.zc = _mm256_setzero_si256();
  l0.g0 = l0.g1 = l0.q0 = l0.q1 = l0.s0 = l0.s1 = l0.c0 = l0.c1 = _mm256_setzero_pd();
  Lanes8 l1 = l0;
  const size_t full = n / 16;
  size_t i = 0;
  while (i < full) {
    const size_t stop = std::min(full, i + 32);
    for (; i < stop; i++) {
      const __m256 x0 = L8::load(a + i * 16), x1 = L8::load(a + i * 16 + 8);
      if (L8::classify) {
        const __m256 z = _mm256_setzero_ps();
        const __m256 fin = _mm256_and_ps(_mm256_cmp_ps(_mm256_sub_ps(x0, x0), z, _CMP_EQ_OQ), _mm256_cmp_ps(_mm256_sub_ps(x1, x1), z, _CMP_EQ_OQ));
        if (_mm256_movemask_ps(fin) != 0xff) {
          step8<L8, false>(x0, all, P, l0, o);
          step8<L8, false>(x1, all, P, l1, o);
          continue;
        }
      }
      step8<L8, true>(x0, all, P, l0, o);
      step8<L8, true>(x1, all, P, l1, o);
    }
    fold_short(l0.s0, l0.c0, l0.g0);
    fold_short(l0.s1, l0.c1, l0.g1);
    fold_short(l1.s0, l1.c0, l1.g0);
    fold_short(l1.s1, l1.c1, l1.g1);
  }
  const size_t rem = n - full * 16;
  if (rem) {
    const size_t r0 = std::min<size_t>(rem, 8), r1 = rem - r0;
    step8<L8, false>(load_part<L8>(a + full * 16, r0), lane_mask8(r0), P, l0, o);
    if (r1) step8<L8, false>(load_part<L8>(a + full * 16 + 8, r1), lane_mask8(r1), P, l1, o);
    fold_short(l0.s0, l0.c0, l0.g0);
    fold_short(l0.s1, l0.c1, l0.g1);
    fold_short(l1.s0, l1.c0, l1.g0);
    fold_short(l1.s1, l1.c1, l1.g1);
  }
  alignas(32) int32_t zc[8];
  _mm256_store_si256((__m256i*)zc, _mm256_add_epi32(l0.zc, l1.zc));
  o->zeros = 0;
  for (int k = 0; k < 8; k++) o->zeros += (uint64_t)zc[k];
  o->finite = n - o->nan - o->posinf - o->neginf;
  if (o->finite == 0) return;
  alignas(32) float mn[8], mx[8];
  _mm256_store_ps(mn, _mm256_min_ps(l0.vmin, l1.vmin));
  _mm256_store_ps(mx, _mm256_max_ps(l0.vmax, l1.vmax));
  o->min = mn[0];
  o->max = mx[0];
  for (int k = 1; k < 8; k++) {
    if (mn[k] < o->min) o->min = mn[k];
    if (mx[k] > o->max) o->max = mx[k];
  }
  if (!L8::integer && !L8::half && !pivot_subtraction_exact(pv, o->min, o->max)) {
    // x - p would round for some x (float32/bfloat16 far from the pivot): the reference sums instead.
    reference_sums(n, [&](size_t j) { return (double)L8::one(a + j); }, o);
    return;
  }
  alignas(32) double s[16], c[16];
  _mm256_store_pd(s, l0.s0);
  _mm256_store_pd(s + 4, l0.s1);
  _mm256_store_pd(s + 8, l1.s0);
  _mm256_store_pd(s + 12, l1.s1);
  _mm256_store_pd(c, l0.c0);
  _mm256_store_pd(c + 4, l0.c1);
  _mm256_store_pd(c + 8, l1.c0);
  _mm256_store_pd(c + 12, l1.c1);
  double hi = 0, lo = 0;
  combine_lanes(s, c, 16, &hi, &lo);
  const double nf = (double)o->finite;
  shifted_block_sum(pv, hi, lo, L8::integer, o);
  const double s1 = hi + lo;
  const double q = hsum(_mm256_add_pd(_mm256_add_pd(l0.q0, l0.q1), _mm256_add_pd(l1.q0, l1.q1)));
  const double shift = s1 * s1 / nf;
  if (pivot_close_enough(shift, q)) {
    o->m2 = q - shift;
    return;
  }
  // Far pivot: two-pass over the cached block.
  const double mean = (o->sum + o->sum_c) / nf;
  double m2 = 0, cc = 0;
  for (size_t j = 0; j < n; j++) {
    const double x = (double)L8::one(a + j);
    if (L8::classify && !(x - x == 0)) continue;
    const double d = x - mean;
    m2 += d * d;
    cc += d;
  }
  o->m2 = m2 - cc * cc / nf;
}

static void moments(Dt dt, const void* p, size_t n, double pivot, Partial* o) {
  switch (dt) {
    case Dt::Bool: case Dt::U8: return moments_block8<M8U8>(p, n, pivot, o);
    case Dt::I8: return moments_block8<M8I8>(p, n, pivot, o);
    case Dt::I16: return moments_block8<M8I16>(p, n, pivot, o);
    case Dt::U16: return moments_block8<M8U16>(p, n, pivot, o);
    case Dt::F16: return moments_block8<M8F16>(p, n, pivot, o);
    case Dt::BF16: return moments_block8<M8BF16>(p, n, pivot, o);
    case Dt::F32: return moments_block8<M8F32>(p, n, pivot, o);
    default: with_loader(dt, [&](auto l) { moments_block<decltype(l)>(p, n, o); });
  }
}

}  // namespace avx2
}  // namespace arraylens
