// Pass one, NEON (arm64): every kernel type widened to float64 on 4 float64x2 accumulators (8 elements a step),
// counts and min/max from lane masks, TwoSum-compensated sums, two-pass m2 over the cached block; the same results
// as moments_serial.h up to the order of additions. The pivot is not used (two-pass needs no shift).
#pragma once
#if defined(__aarch64__)
#include "loaders_neon.h"

namespace arraylens {
namespace neon {

struct Lanes {
  float64x2_t vmin, vmax, s, c;
  uint64x2_t zeros;
};

struct Counts {
  uint64x2_t nan, posinf, neginf;
};

static inline uint64x2_t finite_mask(float64x2_t x) { return vceqzq_f64(vsubq_f64(x, x)); }
static inline bool any_lane(uint64x2_t m) { return vmaxvq_u32(vreinterpretq_u32_u64(m)) != 0; }
static inline float64x2_t keep(float64x2_t x, uint64x2_t k) { return vreinterpretq_f64_u64(vandq_u64(vreinterpretq_u64_f64(x), k)); }

/** Two values; kv marks the valid lanes, kf (valid and finite) the ones that enter min/max/sum. */
template <class L>
static inline void pass_a_lanes(float64x2_t x, uint64x2_t kv, uint64x2_t kf, Lanes& a) {
  a.zeros = vsubq_u64(a.zeros, vandq_u64(kv, vceqzq_f64(x)));  // a true lane is ~0: subtracting counts one
  a.vmin = vminq_f64(a.vmin, vbslq_f64(kf, x, vdupq_n_f64(INFINITY)));
  a.vmax = vmaxq_f64(a.vmax, vbslq_f64(kf, x, vdupq_n_f64(-INFINITY)));
  const float64x2_t xs = keep(x, kf);
  if (L::compensate) {
    const float64x2_t t = vaddq_f64(a.s, xs), bp = vsubq_f64(t, a.s);
    a.c = vaddq_f64(a.c, vaddq_f64(vsubq_f64(a.s, vsubq_f64(t, bp)), vsubq_f64(xs, bp)));
    a.s = t;
  } else {
    a.s = vaddq_f64(a.s, xs);  // integers: every partial sum is exact (< 2^53)
  }
}

static inline void classify(float64x2_t x, uint64x2_t kv, Counts& n) {
  n.nan = vsubq_u64(n.nan, vbicq_u64(kv, vceqq_f64(x, x)));
  n.posinf = vsubq_u64(n.posinf, vandq_u64(kv, vceqq_f64(x, vdupq_n_f64(INFINITY))));
  n.neginf = vsubq_u64(n.neginf, vandq_u64(kv, vceqq_f64(x, vdupq_n_f64(-INFINITY))));
}

/** Four values (two halves) into one Lanes pair; counts NaN/Inf only when some valid lane is not finite. */
template <class L>
static inline void pass_a_step(Quad q, uint64x2_t kv_lo, uint64x2_t kv_hi, Lanes& lo, Lanes& hi, Counts& n, bool& nonfinite) {
  uint64x2_t kf_lo = kv_lo, kf_hi = kv_hi;
  if (L::classify) {
    kf_lo = vandq_u64(kv_lo, finite_mask(q.lo));
    kf_hi = vandq_u64(kv_hi, finite_mask(q.hi));
    if (any_lane(vorrq_u64(vbicq_u64(kv_lo, kf_lo), vbicq_u64(kv_hi, kf_hi)))) {
      nonfinite = true;
      classify(q.lo, kv_lo, n);
      classify(q.hi, kv_hi, n);
    }
  }
  pass_a_lanes<L>(q.lo, kv_lo, kf_lo, lo);
  pass_a_lanes<L>(q.hi, kv_hi, kf_hi, hi);
}

template <class L>
static inline void pass_b_lanes(float64x2_t x, uint64x2_t kv, bool nonfinite, float64x2_t mean, float64x2_t& m2, float64x2_t& cc) {
  uint64x2_t kf = kv;
  if (L::classify && nonfinite) kf = vandq_u64(kv, finite_mask(x));
  const float64x2_t d = keep(vsubq_f64(x, mean), kf);
  m2 = vfmaq_f64(m2, d, d);
  cc = vaddq_f64(cc, d);
}

template <class L>
static void moments_block(const void* p, size_t n, Partial* o) {
  using T = typename L::T;
  const T* a = (const T*)p;
  partial_init(o);
  o->n = n;
  const size_t full = n / 4, rem = n % 4;
  const uint64x2_t all = vdupq_n_u64(~0ull);
  uint64x2_t tl_lo, tl_hi;
  part_masks(rem, &tl_lo, &tl_hi);
  const Lanes init{vdupq_n_f64(INFINITY), vdupq_n_f64(-INFINITY), vdupq_n_f64(0), vdupq_n_f64(0), vdupq_n_u64(0)};
  Lanes l[4] = {init, init, init, init};
  Counts cnt{vdupq_n_u64(0), vdupq_n_u64(0), vdupq_n_u64(0)};
  bool nonfinite = false;
  size_t i = 0;
  for (; i + 2 <= full; i += 2) {
    pass_a_step<L>(L::load(a + i * 4), all, all, l[0], l[1], cnt, nonfinite);
    pass_a_step<L>(L::load(a + i * 4 + 4), all, all, l[2], l[3], cnt, nonfinite);
  }
  if (i < full) pass_a_step<L>(L::load(a + i * 4), all, all, l[0], l[1], cnt, nonfinite);
  if (rem) pass_a_step<L>(load_part<L>(a + full * 4, rem), tl_lo, tl_hi, l[2], l[3], cnt, nonfinite);
  o->nan = vaddvq_u64(cnt.nan);
  o->posinf = vaddvq_u64(cnt.posinf);
  o->neginf = vaddvq_u64(cnt.neginf);
  o->zeros = vaddvq_u64(vaddq_u64(vaddq_u64(l[0].zeros, l[1].zeros), vaddq_u64(l[2].zeros, l[3].zeros)));
  o->finite = n - o->nan - o->posinf - o->neginf;
  double hi = 0, lo = 0;
  for (const Lanes& q : l) {
    const double s[2] = {vgetq_lane_f64(q.s, 0), vgetq_lane_f64(q.s, 1)}, c[2] = {vgetq_lane_f64(q.c, 0), vgetq_lane_f64(q.c, 1)};
    combine_lanes(s, c, 2, &hi, &lo);
  }
  o->sum = hi;
  o->sum_c = lo;
  if (o->finite == 0) return;
  o->min = vminvq_f64(vminq_f64(vminq_f64(l[0].vmin, l[1].vmin), vminq_f64(l[2].vmin, l[3].vmin)));
  o->max = vmaxvq_f64(vmaxq_f64(vmaxq_f64(l[0].vmax, l[1].vmax), vmaxq_f64(l[2].vmax, l[3].vmax)));
  const float64x2_t mean = vdupq_n_f64((hi + lo) / (double)o->finite);
  float64x2_t m2[4], cc[4];
  for (int k = 0; k < 4; k++) m2[k] = cc[k] = vdupq_n_f64(0);
  for (i = 0; i + 2 <= full; i += 2) {
    const Quad x0 = L::load(a + i * 4), x1 = L::load(a + i * 4 + 4);
    pass_b_lanes<L>(x0.lo, all, nonfinite, mean, m2[0], cc[0]);
    pass_b_lanes<L>(x0.hi, all, nonfinite, mean, m2[1], cc[1]);
    pass_b_lanes<L>(x1.lo, all, nonfinite, mean, m2[2], cc[2]);
    pass_b_lanes<L>(x1.hi, all, nonfinite, mean, m2[3], cc[3]);
  }
  if (i < full) {
    const Quad x = L::load(a + i * 4);
    pass_b_lanes<L>(x.lo, all, nonfinite, mean, m2[0], cc[0]);
    pass_b_lanes<L>(x.hi, all, nonfinite, mean, m2[1], cc[1]);
  }
  if (rem) {
    const Quad x = load_part<L>(a + full * 4, rem);
    pass_b_lanes<L>(x.lo, tl_lo, nonfinite, mean, m2[2], cc[2]);
    pass_b_lanes<L>(x.hi, tl_hi, nonfinite, mean, m2[3], cc[3]);
  }
  const double ccs = vaddvq_f64(vaddq_f64(vaddq_f64(cc[0], cc[1]), vaddq_f64(cc[2], cc[3])));
  o->m2 = vaddvq_f64(vaddq_f64(vaddq_f64(m2[0], m2[1]), vaddq_f64(m2[2], m2[3]))) - ccs * ccs / (double)o->finite;
}

static void moments(Dt dt, const void* p, size_t n, double /*pivot*/, Partial* o) {
  bool done = false;
  with_loader(dt, [&](auto l) {
    moments_block<decltype(l)>(p, n, o);
    done = true;
  });
  if (!done) partial_init(o);  // 64-bit integers and complex never reach the kernels (converted first)
}

}  // namespace neon
}  // namespace arraylens
#endif
