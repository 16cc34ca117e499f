// Pass one, NEON (arm64): float32 and float64 blocks on 2 float64 lanes; other types use the serial kernel.
// Compiled only on arm64 (see isa_neon.cc); not exercised on the x86-64 CI machines.
#pragma once
#if defined(__aarch64__)
#include <arm_neon.h>
#include "moments_serial.h"

namespace arraylens {
namespace neon {

template <class T>
static inline float64x2_t load2(const T* p);
template <>
inline float64x2_t load2<float>(const float* p) { return vcvt_f64_f32(vld1_f32(p)); }
template <>
inline float64x2_t load2<double>(const double* p) { return vld1q_f64(p); }

template <class T>
static void moments_block(const void* p, size_t n, Partial* o) {
  const T* a = (const T*)p;
  const size_t pairs = n / 2;
  // Fast path only for all-finite blocks; anything else (or an odd tail) is left to the scalar reference.
  float64x2_t vmin = vdupq_n_f64(INFINITY), vmax = vdupq_n_f64(-INFINITY), s = vdupq_n_f64(0), c = s;
  uint64x2_t zeros = vdupq_n_u64(0), allfinite = vdupq_n_u64(~0ull);
  for (size_t i = 0; i < pairs; i++) {
    float64x2_t x = load2<T>(a + 2 * i);
    zeros = vsubq_u64(zeros, vceqzq_f64(x));
    allfinite = vandq_u64(allfinite, vceqzq_f64(vsubq_f64(x, x)));
    vmin = vminnmq_f64(vmin, x);
    vmax = vmaxnmq_f64(vmax, x);
    float64x2_t t = vaddq_f64(s, x), bp = vsubq_f64(t, s);
    c = vaddq_f64(c, vaddq_f64(vsubq_f64(s, vsubq_f64(t, bp)), vsubq_f64(x, bp)));
    s = t;
  }
  if ((n & 1) || n == 0 || (vgetq_lane_u64(allfinite, 0) & vgetq_lane_u64(allfinite, 1)) != ~0ull) return serial::moments(sizeof(T) == 4 ? Dt::F32 : Dt::F64, p, n, NAN, o);
  partial_init(o);
  o->n = n;
  o->zeros = vgetq_lane_u64(zeros, 0) + vgetq_lane_u64(zeros, 1);
  o->finite = n;
  double hi = 0, lo = 0, sv[4] = {vgetq_lane_f64(s, 0), vgetq_lane_f64(s, 1), vgetq_lane_f64(c, 0), vgetq_lane_f64(c, 1)};
  for (double v : sv) serial::two_sum(hi, lo, v);
  o->sum = hi;
  o->sum_c = lo;
  if (n == 0) return;
  o->min = vminvq_f64(vmin);
  o->max = vmaxvq_f64(vmax);
  float64x2_t mean = vdupq_n_f64((hi + lo) / (double)n), m2 = vdupq_n_f64(0), cc = m2;
  for (size_t i = 0; i < pairs; i++) {
    float64x2_t d = vsubq_f64(load2<T>(a + 2 * i), mean);
    m2 = vfmaq_f64(m2, d, d);
    cc = vaddq_f64(cc, d);
  }
  double ccs = vaddvq_f64(cc);
  o->m2 = vaddvq_f64(m2) - ccs * ccs / (double)n;
}

static void moments(Dt dt, const void* p, size_t n, double pivot, Partial* o) {
  if (dt == Dt::F32) return moments_block<float>(p, n, o);
  if (dt == Dt::F64) return moments_block<double>(p, n, o);
  serial::moments(dt, p, n, pivot, o);
}

}  // namespace neon
}  // namespace arraylens
#endif
