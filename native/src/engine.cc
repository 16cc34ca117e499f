// The portable driver (see engine.h): a view normalized into memory order, which moments.cc, histogram.cc and
// percentiles.cc walk. Kernels only ever see contiguous native-order blocks of a kernel type; everything else
// (byte-swapped, strided, 64-bit integers, complex) is converted into a tile first (tiles.h).
#include "engine.h"

#include "walk.h"

namespace arraylens {

/** Same multiset of elements: size-1 axes dropped, negative strides flipped, axes by |stride| descending,
 *  contiguous neighbours merged (as memoryOrder in src/core/view.ts). */
NormView normalize(const ViewDesc& v) {
  NormView o;
  o.base = v.base;
  o.dt = v.dt;
  o.swap = v.swap;
  o.item = dt_itemsize(v.dt);
  o.count = element_count(v);
  int64_t an[kMaxNdim], as[kMaxNdim];
  int k = 0;
  for (int i = 0; i < v.nd; i++) {
    int64_t d = v.shape[i], s = v.strides[i];
    if (d == 1) continue;
    if (s < 0) {
      o.base += (d - 1) * s;
      s = -s;
    }
    int j = k++;
    while (j > 0 && as[j - 1] < s) {  // insertion sort, stable, descending
      an[j] = an[j - 1];
      as[j] = as[j - 1];
      j--;
    }
    an[j] = d;
    as[j] = s;
  }
  o.nd = 0;
  // Merge from the innermost axis outwards.
  int64_t mn[kMaxNdim], ms[kMaxNdim];
  int m = 0;
  for (int i = k - 1; i >= 0; i--) {
    if (m > 0 && ms[m - 1] != 0 && ms[m - 1] * mn[m - 1] == as[i]) {
      mn[m - 1] *= an[i];
    } else {
      mn[m] = an[i];
      ms[m] = as[i];
      m++;
    }
  }
  if (m == 0) {
    o.nd = 1;
    o.n[0] = 1;
    o.s[0] = o.item;
    return o;
  }
  o.nd = m;
  for (int i = 0; i < m; i++) {
    o.n[i] = mn[m - 1 - i];
    o.s[i] = ms[m - 1 - i];
  }
  return o;
}

uint64_t element_count(const ViewDesc& v) {
  uint64_t n = 1;
  for (int i = 0; i < v.nd; i++) n *= (uint64_t)v.shape[i];
  return n;
}

}  // namespace arraylens
