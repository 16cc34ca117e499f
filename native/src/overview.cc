// Block reduce of overview strips (src/engine/overview.ts is the reference and the fallback): rows of `x` (float32 or
// float64 values, n rows of C, `stride` values apart) into factor × factor blocks, the mean of each block's finite values or their
// min / max, plus the count of finite values and which non-finite kinds it saw. Runs on a worker thread so the
// extension host's (or adapter's) JavaScript thread stays free while a 256 MiB plane is reduced.
//
// Order matters for means: each block takes its elements row by row, positions ascending, into a double starting at
// 0, exactly as the JS does, so both give the same bits. The loops run across the blocks of a row for each position
// within a block, so the blocks' sums are independent chains the CPU runs side by side.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "overview.h"

namespace arraylens {
namespace {

constexpr uint8_t kNan = 1, kPos = 2, kNeg = 4;

inline uint8_t non_finite(double v) { return v != v ? kNan : v > 0 ? kPos : kNeg; }

template <class T, ReduceMode M>
void reduce_rows(const T* __restrict x, int64_t n, int64_t C, int64_t stride, int64_t factor, double* __restrict acc,
                 double* __restrict cnt, uint8_t* __restrict flags) {
  const int64_t ocols = (C + factor - 1) / factor;
  const int64_t full = std::min(ocols, C / factor);
  for (int64_t i = 0; i < n; i++) {
    const T* r = x + i * stride;
    const int64_t orow = (i / factor) * ocols;
    double* __restrict a = acc + orow;
    double* __restrict k = cnt + orow;
    uint8_t* __restrict f = flags + orow;
    for (int64_t oc = 0; oc < full; oc++) k[oc] += (double)factor;
    for (int64_t j = 0; j < factor; j++) {
      const T* p = r + j;
      for (int64_t oc = 0; oc < full; oc++, p += factor) {
        const double v = (double)*p;
        if (v - v == 0) {
          if (M == ReduceMode::Mean) a[oc] += v;
          else if (M == ReduceMode::Min) { if (v < a[oc]) a[oc] = v; }
          else if (v > a[oc]) a[oc] = v;
        } else {
          f[oc] |= non_finite(v);
          k[oc] -= 1;
        }
      }
    }
    for (int64_t oc = full; oc < ocols; oc++) {
      for (int64_t j = oc * factor, j1 = std::min(C, (oc + 1) * factor); j < j1; j++) {
        const double v = (double)r[j];
        if (v - v == 0) {
          if (M == ReduceMode::Mean) a[oc] += v;
          else if (M == ReduceMode::Min) { if (v < a[oc]) a[oc] = v; }
          else if (v > a[oc]) a[oc] = v;
          k[oc] += 1;
        } else f[oc] |= non_finite(v);
      }
    }
  }
}

template <class T>
void reduce_typed(const T* x, int64_t n, int64_t C, int64_t stride, int64_t factor, ReduceMode m, double* acc, double* cnt,
                  uint8_t* flags) {
  switch (m) {
    case ReduceMode::Mean: reduce_rows<T, ReduceMode::Mean>(x, n, C, stride, factor, acc, cnt, flags); break;
    case ReduceMode::Min: reduce_rows<T, ReduceMode::Min>(x, n, C, stride, factor, acc, cnt, flags); break;
    case ReduceMode::Max: reduce_rows<T, ReduceMode::Max>(x, n, C, stride, factor, acc, cnt, flags); break;
  }
}

}  // namespace

void reduce_blocks(const void* x, bool f64, int64_t n, int64_t C, int64_t stride, int64_t factor, ReduceMode m, double* acc,
                   double* cnt, uint8_t* flags) {
  const int64_t cells = (n + factor - 1) / factor * ((C + factor - 1) / factor);
  const double fill = m == ReduceMode::Min ? std::numeric_limits<double>::infinity()
                      : m == ReduceMode::Max ? -std::numeric_limits<double>::infinity()
                                             : 0.0;
  std::fill(acc, acc + cells, fill);
  std::fill(cnt, cnt + cells, 0.0);
  std::fill(flags, flags + cells, (uint8_t)0);
  if (f64) reduce_typed(static_cast<const double*>(x), n, C, stride, factor, m, acc, cnt, flags);
  else reduce_typed(static_cast<const float*>(x), n, C, stride, factor, m, acc, cnt, flags);
}

}  // namespace arraylens
