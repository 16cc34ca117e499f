// Pass one, scalar reference: counts, finite min/max, compensated sum and two-pass m2 of one contiguous block.
// Every SIMD variant is tested against this one.
#pragma once
#include "common.h"

namespace arraylens {
namespace serial {

template <class T>
static inline double load_value(const void* p, size_t i) {
  T v;
  std::memcpy(&v, (const uint8_t*)p + i * sizeof(T), sizeof(T));
  return (double)v;
}

struct F16Tag {};
struct BF16Tag {};

template <>
inline double load_value<F16Tag>(const void* p, size_t i) {
  uint16_t h;
  std::memcpy(&h, (const uint8_t*)p + i * 2, 2);
  return (double)half_to_float(h);
}

template <>
inline double load_value<BF16Tag>(const void* p, size_t i) {
  uint16_t h;
  std::memcpy(&h, (const uint8_t*)p + i * 2, 2);
  return (double)bf16_to_float(h);
}

/** Knuth's TwoSum: s + c keeps the exact running sum. */
static inline void two_sum(double& s, double& c, double x) {
  double t = s + x;
  double bp = t - s;
  c += (s - (t - bp)) + (x - bp);
  s = t;
}

template <class T, bool Classify>
static void moments_block(const void* p, size_t n, Partial* o) {
  partial_init(o);
  o->n = n;
  double s = 0, c = 0, mn = INFINITY, mx = -INFINITY;
  uint64_t zeros = 0, finite = 0;
  for (size_t i = 0; i < n; i++) {
    double x = load_value<T>(p, i);
    if (x == 0) zeros++;
    if (Classify && !(x - x == 0)) {
      if (std::isnan(x)) o->nan++;
      else if (x > 0) o->posinf++;
      else o->neginf++;
      continue;
    }
    finite++;
    if (x < mn) mn = x;
    if (x > mx) mx = x;
    two_sum(s, c, x);
  }
  o->zeros = zeros;
  o->finite = finite;
  o->sum = s;
  o->sum_c = c;
  if (finite == 0) return;
  o->min = mn;
  o->max = mx;
  double mean = (s + c) / (double)finite;
  double m2 = 0, cc = 0;
  for (size_t i = 0; i < n; i++) {
    double x = load_value<T>(p, i);
    if (Classify && !(x - x == 0)) continue;
    double d = x - mean;
    m2 += d * d;
    cc += d;
  }
  // Corrected two-pass (Chan, Golub, LeVeque) as in the JS reference.
  o->m2 = m2 - cc * cc / (double)finite;
}

static void moments(Dt dt, const void* p, size_t n, double /*pivot*/, Partial* o) {
  switch (dt) {
    case Dt::Bool: case Dt::U8: return moments_block<uint8_t, false>(p, n, o);
    case Dt::I8: return moments_block<int8_t, false>(p, n, o);
    case Dt::I16: return moments_block<int16_t, false>(p, n, o);
    case Dt::U16: return moments_block<uint16_t, false>(p, n, o);
    case Dt::I32: return moments_block<int32_t, false>(p, n, o);
    case Dt::U32: return moments_block<uint32_t, false>(p, n, o);
    case Dt::F16: return moments_block<F16Tag, true>(p, n, o);
    case Dt::BF16: return moments_block<BF16Tag, true>(p, n, o);
    case Dt::F32: return moments_block<float, true>(p, n, o);
    case Dt::F64: return moments_block<double, true>(p, n, o);
    default: partial_init(o); return;  // 64-bit integers and complex never reach the kernels (converted first)
  }
}

}  // namespace serial
}  // namespace arraylens
