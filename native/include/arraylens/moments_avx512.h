// Pass one, AVX-512 (F, BW, DQ, VL + F16C): 8 float64 lanes, unrolled twice; same results as moments_serial.h
// up to the order of additions (counts and min/max exact, sums TwoSum-compensated).
#pragma once
#include <algorithm>
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
  combine_lanes(s, c, 16, &hi, &lo);
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

// ---------------------------------------------------------------- single pass on 16 float32 lanes
//
// For the types whose values are all exact float32 (float32, float16, bfloat16, 8/16-bit integers): counts,
// min/max and the zero test run on 16 float32 lanes; the moments are shifted sums in float64,
//   S1 = sum(x - p), S2 = sum((x - p)^2),   block m2 = S2 - S1^2 / n,
// with a pivot p near the block mean (the previous block's mean, else the block's first finite value), so one
// read of the block gives everything. x - p is exact for integers and float16 (p rounded to their grid) and, for
// float32/bfloat16, whenever the block's values lie within 2^27 of |p| (pivot_subtraction_exact); other blocks are
// summed the reference way. Short per-lane sums of 32 values go into the block
// accumulators with TwoSum. When the pivot turns out far from the block mean (S1^2 / n large against m2, so
// the subtraction would cancel), the block's m2 is recomputed with the two-pass formula above.

static inline void fold_short(__m512d& s, __m512d& c, __m512d& g) {
  __m512d t = _mm512_add_pd(s, g);
  __m512d bp = _mm512_sub_pd(t, s);
  c = _mm512_add_pd(c, _mm512_add_pd(_mm512_sub_pd(s, _mm512_sub_pd(t, bp)), _mm512_sub_pd(g, bp)));
  s = t;
  g = _mm512_setzero_pd();
}

struct Lanes16 {
  __m512 vmin, vmax;
  __m512i zc;
  __m512d g0, g1, q0, q1, s0, s1, c0, c1;
};

/** Any 16 lanes: `kv` the valid ones; NaN/Inf counted and left out of min/max/sums. */
template <class L16>
static inline void step16_masked(__m512 x, __mmask16 kv, __m512d P, Lanes16& a, Partial* o) {
  __mmask16 kf = kv;
  if (L16::classify) {
    const __mmask16 knf = _mm512_mask_fpclass_ps_mask(kv, x, 0x99);  // QNaN | +Inf | -Inf | SNaN
    o->nan += (uint64_t)_mm_popcnt_u32(_mm512_mask_fpclass_ps_mask(kv, x, 0x81));
    o->posinf += (uint64_t)_mm_popcnt_u32(_mm512_mask_fpclass_ps_mask(kv, x, 0x08));
    o->neginf += (uint64_t)_mm_popcnt_u32(_mm512_mask_fpclass_ps_mask(kv, x, 0x10));
    kf = (__mmask16)(kv & ~knf);
  }
  a.zc = _mm512_mask_sub_epi32(a.zc, _mm512_mask_cmp_ps_mask(kv, x, _mm512_setzero_ps(), _CMP_EQ_OQ), a.zc, _mm512_set1_epi32(-1));
  a.vmin = _mm512_mask_min_ps(a.vmin, kf, a.vmin, x);
  a.vmax = _mm512_mask_max_ps(a.vmax, kf, a.vmax, x);
  const __m512d dlo = _mm512_maskz_sub_pd((__mmask8)kf, _mm512_cvtps_pd(_mm512_castps512_ps256(x)), P);
  const __m512d dhi = _mm512_maskz_sub_pd((__mmask8)(kf >> 8), _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)), P);
  a.g0 = _mm512_add_pd(a.g0, dlo);
  a.g1 = _mm512_add_pd(a.g1, dhi);
  a.q0 = _mm512_fmadd_pd(dlo, dlo, a.q0);
  a.q1 = _mm512_fmadd_pd(dhi, dhi, a.q1);
}

/** 16 finite nonzero values: no masks, no zero count; `Shift` false when the pivot is 0 (no subtraction). */
template <bool Shift>
static inline void step16_plain(__m512 x, __m512d xlo, __m512d xhi, __m512d P, Lanes16& a) {
  a.vmin = _mm512_min_ps(a.vmin, x);
  a.vmax = _mm512_max_ps(a.vmax, x);
  const __m512d dlo = Shift ? _mm512_sub_pd(xlo, P) : xlo, dhi = Shift ? _mm512_sub_pd(xhi, P) : xhi;
  a.g0 = _mm512_add_pd(a.g0, dlo);
  a.g1 = _mm512_add_pd(a.g1, dhi);
  a.q0 = _mm512_fmadd_pd(dlo, dlo, a.q0);
  a.q1 = _mm512_fmadd_pd(dhi, dhi, a.q1);
}

/** 16 finite values, some of them (maybe) zero. */
template <bool Shift>
static inline void step16_finite(__m512 x, __m512d xlo, __m512d xhi, __m512d P, Lanes16& a) {
  a.zc = _mm512_mask_sub_epi32(a.zc, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ), a.zc, _mm512_set1_epi32(-1));
  step16_plain<Shift>(x, xlo, xhi, P, a);
}

/**
 * The main loop of moments_block16 over `full` pairs of 16-lane vectors. One fpclass per vector finds the rare
 * lanes (NaN, Inf, zero); vectors without any skip the zero count and the masks.
 */
template <class L16, bool Shift>
static inline void run16(const typename L16::T* a, size_t full, __m512d P, Lanes16& out0, Lanes16& out1, Partial* o) {
  using T = typename L16::T;
  Lanes16 l0 = out0, l1 = out1;  // locals: kept in registers (the references may alias `o`)
  size_t i = 0;
  while (i < full) {
    const size_t stop = std::min(full, i + 32);  // short sums: at most 32 values per lane
    for (; i < stop; i++) {
      const T* q = a + i * 32 * L16::S;
      const __m512 x0 = L16::load(q), x1 = L16::load(q + 16 * L16::S);
      if (__builtin_expect((_mm512_fpclass_ps_mask(x0, 0x9f) | _mm512_fpclass_ps_mask(x1, 0x9f)) != 0, 0)) {
        if (L16::classify && (_mm512_fpclass_ps_mask(x0, 0x99) | _mm512_fpclass_ps_mask(x1, 0x99))) {
          step16_masked<L16>(x0, 0xffff, P, l0, o);
          step16_masked<L16>(x1, 0xffff, P, l1, o);
          continue;
        }
        step16_finite<Shift>(x0, L16::lo(q, x0), L16::hi(q, x0), P, l0);
        step16_finite<Shift>(x1, L16::lo(q + 16 * L16::S, x1), L16::hi(q + 16 * L16::S, x1), P, l1);
        continue;
      }
      step16_plain<Shift>(x0, L16::lo(q, x0), L16::hi(q, x0), P, l0);
      step16_plain<Shift>(x1, L16::lo(q + 16 * L16::S, x1), L16::hi(q + 16 * L16::S, x1), P, l1);
    }
    fold_short(l0.s0, l0.c0, l0.g0);
    fold_short(l0.s1, l0.c1, l0.g1);
    fold_short(l1.s0, l1.c0, l1.g0);
    fold_short(l1.s1, l1.c1, l1.g1);
  }
  out0 = l0;
  out1 = l1;
}

/** The pivot, rounded so that x - p is exact for every value x of the type (and sums of integers stay integers). */
template <class L16>
static inline double round_pivot(double h) {
  if (L16::integer) return std::nearbyint(std::fmin(std::fmax(h, -65536.0), 65536.0));
  if (L16::half) return (double)_cvtsh_ss(_cvtss_sh((float)std::fmin(std::fmax(h, -65504.0), 65504.0), _MM_FROUND_TO_NEAREST_INT));
  return (double)(float)std::fmin(std::fmax(h, -3.4e38), 3.4e38);
}

template <class L16>
static void moments_block16(const void* p, size_t n, double hint, Partial* o) {
  using T = typename L16::T;
  const T* a = (const T*)p;
  partial_init(o);
  o->n = n;
  if (n == 0) return;
  if (!(hint - hint == 0)) {  // no usable hint: the block's first finite value
    hint = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
      float v = L16::one(a + i * L16::S);
      if (v - v == 0) {
        hint = v;
        break;
      }
    }
  }
  const double pv = round_pivot<L16>(hint);
  const __m512d P = _mm512_set1_pd(pv);
  Lanes16 l0;
  l0.vmin = _mm512_set1_ps(INFINITY);
  l0.vmax = _mm512_set1_ps(-INFINITY);
  l0.zc = _mm512_setzero_si512();
  l0.g0 = l0.g1 = l0.q0 = l0.q1 = l0.s0 = l0.s1 = l0.c0 = l0.c1 = _mm512_setzero_pd();
  Lanes16 l1 = l0;
  // Whole vectors only while a later element exists for strided loaders (their loads reach one element past).
  const size_t full = L16::S == 1 ? n / 32 : (n - 1) / 32;
  if (pv == 0) run16<L16, false>(a, full, P, l0, l1, o);
  else run16<L16, true>(a, full, P, l0, l1, o);
  size_t rem = n - full * 32;
  if (rem) {
    const size_t r0 = std::min<size_t>(rem, 16), r1 = rem - r0;
    step16_masked<L16>(L16::load_masked(a + full * 32 * L16::S, r0), (__mmask16)((1u << r0) - 1), P, l0, o);
    if (r1) step16_masked<L16>(L16::load_masked(a + (full * 32 + 16) * L16::S, r1), (__mmask16)((1u << r1) - 1), P, l1, o);
    fold_short(l0.s0, l0.c0, l0.g0);
    fold_short(l0.s1, l0.c1, l0.g1);
    fold_short(l1.s0, l1.c0, l1.g0);
    fold_short(l1.s1, l1.c1, l1.g1);
  }
  o->zeros = (uint64_t)_mm512_reduce_add_epi32(_mm512_add_epi32(l0.zc, l1.zc));
  o->finite = n - o->nan - o->posinf - o->neginf;
  if (o->finite == 0) return;
  o->min = (double)_mm512_reduce_min_ps(_mm512_min_ps(l0.vmin, l1.vmin));
  o->max = (double)_mm512_reduce_max_ps(_mm512_max_ps(l0.vmax, l1.vmax));
  if (!L16::integer && !L16::half && !pivot_subtraction_exact(pv, o->min, o->max)) {
    // Values too far from the pivot for x - p to be exact (float32/bfloat16 spanning many magnitudes around it):
    // the block's sums the reference way, so results never depend on the pivot.
    reference_sums(n, [&](size_t j) { return (double)L16::one(a + j * L16::S); }, o);
    return;
  }
  // S1 = sum of the 32 lanes' (s, c), TwoSum-combined.
  alignas(64) double s[32], c[32];
  _mm512_store_pd(s, l0.s0);
  _mm512_store_pd(s + 8, l0.s1);
  _mm512_store_pd(s + 16, l1.s0);
  _mm512_store_pd(s + 24, l1.s1);
  _mm512_store_pd(c, l0.c0);
  _mm512_store_pd(c + 8, l0.c1);
  _mm512_store_pd(c + 16, l1.c0);
  _mm512_store_pd(c + 24, l1.c1);
  double hi = 0, lo = 0;
  combine_lanes(s, c, 32, &hi, &lo);
  const double nf = (double)o->finite;
  shifted_block_sum(pv, hi, lo, L16::integer, o);
  const double s1 = hi + lo;
  const double q = _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(l0.q0, l0.q1), _mm512_add_pd(l1.q0, l1.q1)));
  const double shift = s1 * s1 / nf;
  if (pivot_close_enough(shift, q)) {
    o->m2 = q - shift;
    return;
  }
  // The pivot was far from the block mean: two-pass over the (cached) block, as the scalar reference.
  const __m512d mean = _mm512_set1_pd((o->sum + o->sum_c) / nf);
  __m512d m2a = _mm512_setzero_pd(), cca = m2a;
  for (size_t j = 0; j < n; j += 16) {
    const size_t r = std::min<size_t>(16, n - j);
    const __m512 x = j + 16 < n || (L16::S == 1 && r == 16) ? L16::load(a + j * L16::S) : L16::load_masked(a + j * L16::S, r);
    __mmask16 kf = (__mmask16)(r == 16 ? 0xffff : (1u << r) - 1);
    if (L16::classify) kf = (__mmask16)(kf & ~_mm512_fpclass_ps_mask(x, 0x99));
    const __m512d dlo = _mm512_maskz_sub_pd((__mmask8)kf, _mm512_cvtps_pd(_mm512_castps512_ps256(x)), mean);
    const __m512d dhi = _mm512_maskz_sub_pd((__mmask8)(kf >> 8), _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)), mean);
    m2a = _mm512_fmadd_pd(dlo, dlo, _mm512_fmadd_pd(dhi, dhi, m2a));
    cca = _mm512_add_pd(cca, _mm512_add_pd(dlo, dhi));
  }
  const double cc = hsum(cca);
  o->m2 = hsum(m2a) - cc * cc / nf;
}

/** Every second element of a run of 2n - 1 elements (p at the first); false for types without such a loader. */
static bool moments_s2(Dt dt, const void* p, size_t n, double pivot, Partial* o) {
  switch (dt) {
    case Dt::F32: moments_block16<M16F32S2>(p, n, pivot, o); return true;
    case Dt::F16: moments_block16<M16F16S2>(p, n, pivot, o); return true;
    default: return false;
  }
}

static void moments(Dt dt, const void* p, size_t n, double pivot, Partial* o) {
  switch (dt) {
    case Dt::Bool: case Dt::U8: return moments_block16<M16U8>(p, n, pivot, o);
    case Dt::I8: return moments_block16<M16I8>(p, n, pivot, o);
    case Dt::I16: return moments_block16<M16I16>(p, n, pivot, o);
    case Dt::U16: return moments_block16<M16U16>(p, n, pivot, o);
    case Dt::F16: return moments_block16<M16F16>(p, n, pivot, o);
    case Dt::BF16: return moments_block16<M16BF16>(p, n, pivot, o);
    case Dt::F32: return moments_block16<M16F32>(p, n, pivot, o);
    default: with_loader(dt, [&](auto l) { moments_block<decltype(l)>(p, n, o); });
  }
}

}  // namespace avx512
}  // namespace arraylens
