// Moments of a view (count, NaN/inf/zero counts, min/max, compensated or exact sums, M2): the kernels' block
// partials merged as src/core/stats.ts mergeMoments does, with exact 128-bit sums for int64/uint64.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "engine.h"
#include "tiles.h"
#include "walk.h"

namespace arraylens {

namespace {

double i128_to_double(__int128 x) { return (double)x; }

struct Acc {
  bool integer = false;
  uint64_t count = 0, nan = 0, posinf = 0, neginf = 0, zeros = 0, finite = 0;
  double min = INFINITY, max = -INFINITY;
  bool ihas = false;
  __int128 imin = 0, imax = 0;
  double s_hi = 0, s_lo = 0;
  __int128 isum = 0;
  double m2 = 0;

  double mean() const { return integer ? i128_to_double(isum) / (double)finite : (s_hi + s_lo) / (double)finite; }

  /** Chan et al.'s merge, as mergeMoments: must run before counts and sums take the new part. */
  void chan(uint64_t pf, double pmean, double pm2) {
    if (pf == 0) return;
    if (finite == 0) {
      m2 += pm2;
      return;
    }
    double d = pmean - mean();
    double nn = (double)(finite + pf);
    m2 = m2 + pm2 + ((d * d * (double)finite) / nn) * (double)pf;
  }

  void add_sum(double x) {  // Neumaier
    double t = s_hi + x;
    if (std::fabs(s_hi) >= std::fabs(x)) s_lo += (s_hi - t) + x;
    else s_lo += (x - t) + s_hi;
    s_hi = t;
  }

  /** Counts and finite extremes of a disjoint part (a kernel Partial or another Acc); after chan, which needs the old counts. */
  template <class Part>
  void add_counts(const Part& p, uint64_t n) {
    count += n;
    nan += p.nan;
    posinf += p.posinf;
    neginf += p.neginf;
    zeros += p.zeros;
    finite += p.finite;
    if (p.finite) {
      if (p.min < min) min = p.min;
      if (p.max > max) max = p.max;
    }
  }

  void add(const Partial& p) {
    if (p.finite) chan(p.finite, (p.sum + p.sum_c) / (double)p.finite, p.m2);
    add_counts(p, p.n);
    if (integer) isum += (__int128)(int64_t)p.sum;  // exact: block sums of <=32-bit integers fit in 53 bits
    else {
      add_sum(p.sum);
      s_lo += p.sum_c;
    }
  }

  template <class I>
  void add_int64_block(const uint8_t* ptr, size_t n) {
    __int128 s = 0, mn = 0, mx = 0;
    uint64_t z = 0;
    for (size_t i = 0; i < n; i++) {
      I v;
      std::memcpy(&v, ptr + i * 8, 8);
      __int128 x = v;
      s += x;
      if (i == 0 || x < mn) mn = x;
      if (i == 0 || x > mx) mx = x;
      z += v == 0;
    }
    double mean = i128_to_double(s) / (double)n;
    double bm2 = 0;
    for (size_t i = 0; i < n; i++) {
      I v;
      std::memcpy(&v, ptr + i * 8, 8);
      double d = (double)v - mean;
      bm2 += d * d;
    }
    chan(n, mean, bm2);
    count += n;
    finite += n;
    zeros += z;
    isum += s;
    if (!ihas || mn < imin) imin = mn;
    if (!ihas || mx > imax) imax = mx;
    ihas = true;
  }

  void merge(const Acc& o) {
    if (o.count == 0) return;
    if (o.finite) chan(o.finite, o.mean(), o.m2);
    add_counts(o, o.count);
    if (o.ihas) {
      if (!ihas || o.imin < imin) imin = o.imin;
      if (!ihas || o.imax > imax) imax = o.imax;
      ihas = true;
    }
    isum += o.isum;
    add_sum(o.s_hi);
    s_lo += o.s_lo;
  }
};

}  // namespace

bool compute_moments(const ViewDesc& v, const Control& c, MomentsResult* out) {
  const NormView nv = normalize(v);
  const bool integer = dt_is_integer(v.dt);
  const int nt = thread_count(c, nv.count * (uint64_t)nv.item);
  std::vector<Acc> accs((size_t)nt);
  bool ok = run_threads(nt, [&](int t) {
    Acc& acc = accs[(size_t)t];
    acc.integer = integer;
    Tiler tiler(v.dt, v.swap, true, c.k);
    double pivot = NAN;  // the previous block's mean: the kernels' shift for this one
    auto block = [&](const uint8_t* p, size_t n) {
      if (tiler.p.tdt == Dt::I64) return acc.add_int64_block<int64_t>(p, n);
      if (tiler.p.tdt == Dt::U64) return acc.add_int64_block<uint64_t>(p, n);
      Partial part;
      c.k->moments(tiler.p.tdt, p, n, pivot, &part);
      if (part.finite) pivot = next_pivot(part);
      acc.add(part);
    };
    auto block_s2 = [&](const uint8_t* p, size_t n) {
      Partial part;
      if (!c.k->moments_s2 || !c.k->moments_s2(tiler.p.tdt, p, n, pivot, &part)) return false;
      if (part.finite) pivot = next_pivot(part);
      acc.add(part);
      return true;
    };
    uint64_t a = nv.count * (uint64_t)t / (uint64_t)nt, b = nv.count * (uint64_t)(t + 1) / (uint64_t)nt;
    bool r = walk_range(nv, a, b, c, [&](const uint8_t* p, uint64_t cnt, int64_t s) { tiler.segment(p, cnt, s, kBlock, block, block_s2); });
    tiler.flush(block);
    return r;
  });
  if (!ok) return false;
  Acc all;
  all.integer = integer;
  for (const Acc& a : accs) all.merge(a);
  out->kind = v.dt == Dt::I64 ? ValueKind::Int64 : v.dt == Dt::U64 ? ValueKind::UInt64 : integer ? ValueKind::SmallInt : ValueKind::Float;
  out->count = all.count;
  out->nan = all.nan;
  out->posinf = all.posinf;
  out->neginf = all.neginf;
  out->zeros = all.zeros;
  out->finite = all.finite;
  out->min = all.min + 0.0;  // -0 -> +0
  out->max = all.max + 0.0;
  out->imin = all.imin;
  out->imax = all.imax;
  out->sum = integer ? i128_to_double(all.isum) : all.s_hi + all.s_lo;
  out->isum = all.isum;
  out->m2 = all.m2;
  return true;
}

}  // namespace arraylens
