// Types shared by every kernel: element types, per-block partial moments, the histogram spec, kernel table.
// Everything here is POD or `static inline` so per-ISA translation units never share an inline body.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <algorithm>

namespace arraylens {

/** Element types as NumPy names them; the order is the binding's dtype code. */
enum class Dt : int { Bool, I8, I16, I32, I64, U8, U16, U32, U64, F16, BF16, F32, F64, C64, C128 };

static inline int dt_itemsize(Dt d) {
  switch (d) {
    case Dt::Bool: case Dt::I8: case Dt::U8: return 1;
    case Dt::I16: case Dt::U16: case Dt::F16: case Dt::BF16: return 2;
    case Dt::I32: case Dt::U32: case Dt::F32: return 4;
    case Dt::I64: case Dt::U64: case Dt::F64: case Dt::C64: return 8;
    case Dt::C128: return 16;
  }
  return 0;
}

static inline bool dt_is_integer(Dt d) {
  return d == Dt::Bool || d == Dt::I8 || d == Dt::I16 || d == Dt::I32 || d == Dt::I64 || d == Dt::U8 ||
         d == Dt::U16 || d == Dt::U32 || d == Dt::U64;
}

/** Types the per-ISA contiguous kernels take directly (native byte order); the rest are converted into tiles. */
static inline bool dt_is_kernel_type(Dt d) {
  return d != Dt::I64 && d != Dt::U64 && d != Dt::C64 && d != Dt::C128;
}

/** Elements per kernel call: a block stays in L1/L2 so pass B (deviations from the block mean) reads cache. */
constexpr size_t kBlock = 32768;

/** Moments of one block of contiguous values (all values as float64, exact for every kernel type). */
struct Partial {
  uint64_t n, nan, posinf, neginf, zeros, finite;
  double min, max;    // over finite values; +inf / -inf when none
  double sum, sum_c;  // sum of finite values = sum + sum_c (compensated; exact for integer types)
  double m2;          // sum of squared deviations from this block's own mean
};

static inline void partial_init(Partial* p) {
  p->n = p->nan = p->posinf = p->neginf = p->zeros = p->finite = 0;
  p->min = INFINITY;
  p->max = -INFINITY;
  p->sum = p->sum_c = p->m2 = 0;
}

/** TwoSum-combines n lane sums s[k] and their compensations c[k] into hi + lo (the order of the lanes kept). */
static inline void combine_lanes(const double* s, const double* c, int n, double* hi, double* lo) {
  double h = *hi, l = *lo;
  for (int k = 0; k < n; k++) {
    const double t = h + s[k], bp = t - h;
    l += (h - (t - bp)) + (s[k] - bp) + c[k];
    h = t;
  }
  *hi = h;
  *lo = l;
}

/**
 * A shifted block's sum, nf * pv + (hi + lo), into o->sum + o->sum_c: exact int64 arithmetic for integer types
 * (every term an exact integer), else TwoSum (nf * pv is exact: nf <= 2^15 and pv has at most 24 bits).
 */
static inline void shifted_block_sum(double pv, double hi, double lo, bool integer, Partial* o) {
  const double base = (double)o->finite * pv;
  if (integer) {
    o->sum = (double)((int64_t)base + (int64_t)hi + (int64_t)lo);
    o->sum_c = 0;
  } else {
    const double t = base + hi, bp = t - base;
    o->sum = t;
    o->sum_c = ((base - (t - bp)) + (hi - bp)) + lo;
  }
}

/**
 * Shifted-sum kernels keep m2 = S2 - S1^2 / n when the subtraction loses at most a factor 64 of relative
 * accuracy (m2 >= S2 / 64); a farther pivot makes them recompute the block two-pass.
 */
static inline bool pivot_close_enough(double shift, double s2) { return shift <= (63.0 / 64) * s2; }

/**
 * Whether x - p is exact in float64 for every float32 x of a block whose finite values lie in [mn, mx]: it is when
 * every nonzero |x| is within 2^27 of |p| either way (at most 28 exponents apart: 24 + 28 + 1 bits fit in 53).
 * A range that reaches near zero (or holds zeros) cannot tell, so it counts as inexact too.
 */
static inline bool pivot_subtraction_exact(double p, double mn, double mx) {
  if (p == 0) return true;
  const double ap = std::fabs(p), t = ap * 0x1p-27;
  return std::fmax(std::fabs(mn), std::fabs(mx)) < ap * 0x1p27 && !(mn < t && mx > -t);
}

/**
 * The reference moments of a block's finite values (`value(j)`, j < n, as float64; o->finite already counted):
 * Neumaier-compensated sum and the corrected two-pass m2, as the serial kernels and src/core/stats.ts. For the
 * SIMD kernels' rare blocks whose shifted sums would round.
 */
template <class V>
static inline void reference_sums(size_t n, V value, Partial* o) {
  double s = 0, c = 0;
  for (size_t j = 0; j < n; j++) {
    const double x = value(j);
    if (!(x - x == 0)) continue;
    const double t = s + x;
    c += std::fabs(s) >= std::fabs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  o->sum = s;
  o->sum_c = c;
  const double nf = (double)o->finite, mean = (s + c) / nf;
  double m2 = 0, cc = 0;
  for (size_t j = 0; j < n; j++) {
    const double x = value(j);
    if (!(x - x == 0)) continue;
    const double d = x - mean;
    m2 += d * d;
    cc += d;
  }
  o->m2 = m2 - cc * cc / nf;
}

/**
 * The pivot the driver hands the next block: 0 while the data sit near zero against their spread
 * (mean^2 <= 32 var, so S2 / m2 <= 33 and the unshifted sums are accurate; kernels then skip the subtraction),
 * else the block's mean.
 */
static inline double next_pivot(const Partial& part) {
  if (!part.finite) return NAN;
  const double mean = (part.sum + part.sum_c) / (double)part.finite;
  return mean * mean <= 32 * (part.m2 / (double)part.finite) ? 0.0 : mean;
}

/** numpy.histogram's bins for range (first, last): edges as histogramSpec gives them (bins + 1 values). */
struct HistSpec {
  double first, last;
  const double* edges;
  int32_t bins;
  // Float32 fast path, filled by hist_prepare32 (false: every value takes bin_index). For a float32 value x in
  // [lo32, hi32], q = fl32(fl32(x - first32) * scale32); when q's fraction lies in (tol32, 1 - tol32), trunc(q)
  // is proven to be bin_index(x) (see hist_prepare32).
  bool fast32 = false;
  float lo32 = 0, hi32 = 0, first32 = 0, scale32 = 0, tol32 = 0;
};

/** Counts are `copies` interleaved tables of (bins + 1) slots; slot `bins` takes values outside the range. */
constexpr int kHistCopies = 4;

/** `pivot`: a guess at the block's mean (NaN: none); kernels may use it as a shift, results do not depend on it. */
using MomentsFn = void (*)(Dt, const void*, size_t, double pivot, Partial*);
using HistogramFn = void (*)(Dt, const void*, size_t, const HistSpec&, uint64_t*);
using ReadSumFn = uint64_t (*)(const uint8_t*, size_t);
/** Copies the first k <= cnt elements (`item` bytes, `stride` > 0 apart) of a run to `out`, contiguous; returns k. */
using CompactFn = size_t (*)(const uint8_t* p, int64_t stride, size_t cnt, int item, uint8_t* out);

/**
 * The unreferenced-buffer scan (src/leaks/scan.ts): tracked blocks [starts[i], ends[i]) sorted by start (they may
 * overlap: a word counts for the last block starting at or before it); lo = starts[0], hi = the largest end.
 */
struct ScanIndex {
  const uint64_t* starts;
  const uint64_t* ends;
  size_t n;
  uint64_t lo, hi;
  bool interior;  // a pointer anywhere inside a block counts (else only to its first byte)
  // Directory over [lo, hi) in buckets of 2^shift bytes: dir[b] = the last block starting at or before the
  // bucket's first byte (0 if none), dir[nb] = n - 1; a hit searches only dir[b] .. dir[b + 1].
  const uint32_t* dir;
  int shift;
};

/**
 * Fills the directory fields of `x` (starts/ends/n set, n >= 1, starts sorted; blocks may overlap): lo, hi, shift,
 * and dir (caller's storage of scan_directory_size(...) entries): about two buckets per block, at most 2^16, so a
 * hit's search covers a block or two. Call with dir == nullptr first to learn the size.
 */
static inline size_t scan_directory(ScanIndex* x, uint32_t* dir) {
  const size_t n = x->n;
  uint64_t hi = x->starts[0] + 1;
  for (size_t i = 0; i < n; i++) hi = std::max(hi, x->ends[i]);
  const uint64_t lo = x->starts[0];
  int shift = 0;
  const uint64_t want = std::min<uint64_t>(1u << 16, 2 * (uint64_t)n);
  while (((hi - lo - 1) >> shift) >= want) shift++;
  const size_t nb = (size_t)((hi - lo - 1) >> shift) + 1;
  x->lo = lo;
  x->hi = hi;
  x->shift = shift;
  if (!dir) return nb + 1;
  for (size_t b = 0, i = 0; b < nb; b++) {
    const uint64_t first = lo + ((uint64_t)b << shift);
    while (i + 1 < n && x->starts[i + 1] <= first) i++;
    dir[b] = (uint32_t)i;
  }
  dir[nb] = (uint32_t)(n - 1);
  x->dir = dir;
  return nb + 1;
}

/** A word already known to lie in [lo, hi): marks its block if it points to one; newly marked go to `newly`. */
static inline void scan_hit(uint64_t v, const ScanIndex& x, uint8_t* marks, uint32_t* newly, size_t* nn) {
  const size_t bucket = (size_t)((v - x.lo) >> x.shift);
  size_t a = x.dir[bucket], b = x.dir[bucket + 1];
  while (a < b) {  // last block whose start <= v
    const size_t m = (a + b + 1) >> 1;
    if (x.starts[m] <= v) a = m;
    else b = m - 1;
  }
  if ((x.interior ? v < x.ends[a] : v == x.starts[a]) && !marks[a]) {
    marks[a] = 1;
    newly[(*nn)++] = (uint32_t)a;
  }
}

/** Scans `words` aligned little-endian u64 words at p for pointers into the index (x.n >= 1). */
using ScanFn = void (*)(const uint8_t* p, size_t words, const ScanIndex& x, uint8_t* marks, uint32_t* newly, size_t* nn);

struct KernelTable {
  const char* isa;
  MomentsFn moments;      // n <= kBlock, kernel types only
  HistogramFn histogram;  // any n, kernel types only
  ReadSumFn read_sum;     // sum of the little u64 words of a buffer: the streaming-read bandwidth probe
  CompactFn compact;      // optional (nullptr): the fast part of copying strided runs into tiles
  // Optional (nullptr): as moments / histogram over every second element of a run that spans 2n - 1 elements
  // (the `[:, ::2]` case read in place); false when the type is not handled (the tile path then runs).
  bool (*moments_s2)(Dt, const void*, size_t, double pivot, Partial*);
  bool (*histogram_s2)(Dt, const void*, size_t, const HistSpec&, uint64_t*);
  ScanFn scan;  // the leak scan's pointer filter
};

static inline float half_to_float(uint16_t h) {
  uint32_t s = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0) {
    float v = (float)m * 5.9604644775390625e-8f;  // 2^-24, exact
    return s ? -v : v;
  }
  uint32_t bits = e == 31 ? (s | 0x7f800000u | (m << 13)) : (s | ((e + 112) << 23) | (m << 13));
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

static inline float bf16_to_float(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/** numpy.histogram's bin of x, bit for bit as binIndex in src/core/stats.ts; `bins` (the trash slot) if outside. */
static inline int32_t bin_index(double x, const HistSpec& h) {
  if (!(x >= h.first && x <= h.last)) return h.bins;
  int32_t n = h.bins;
  double t = std::trunc(((x - h.first) / (h.last - h.first)) * (double)n);
  if (!(t >= 0)) return 0;  // degenerate range (0/0): as binIndex, everything in bin 0
  int32_t i = (int32_t)t;
  if (i == n) i--;
  if (x < h.edges[i]) i--;
  if (i < 0) return h.bins;  // only when edges[0] is not `first` (overflowing range): as binIndex's -1
  if (x >= h.edges[i + 1] && i != n - 1) i++;
  return i;
}

/**
 * The edge checks of bin_index after a SIMD step computed i = min(trunc(q), bins - 1) for an in-range x with
 * q >= 0 (gathers are slow on CPUs with the Downfall microcode fix, so this part is scalar).
 */
static inline int32_t bin_fixup(double x, int32_t i, const HistSpec& h) {
  if (x < h.edges[i]) i--;
  if (i < 0) return h.bins;
  if (x >= h.edges[i + 1] && i != h.bins - 1) i++;
  return i;
}

// ---------------------------------------------------------------- float32 fast path of the bin rule

static inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
static inline float f32_from(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
/** Order-preserving key of a non-NaN float (-0 and +0 adjacent). */
static inline uint32_t f32_key(float f) {
  uint32_t u = f32_bits(f);
  return (u >> 31) ? ~u : (u | 0x80000000u);
}
static inline float f32_unkey(uint32_t k) { return f32_from((k >> 31) ? (k & 0x7fffffffu) : ~k); }
/** Smallest float >= d, largest float <= d (d finite and within float range). */
static inline float f32_up(double d) {
  float f = (float)d;
  return (double)f < d ? f32_unkey(f32_key(f) + 1) : f;
}
static inline float f32_down(double d) {
  float f = (float)d;
  return (double)f > d ? f32_unkey(f32_key(f) - 1) : f;
}

/** The kernels' float32 bin estimate; the SIMD code computes exactly this (two IEEE single operations). */
static inline float hist_q32(float x, const HistSpec& h) {
  volatile float d = x - h.first32;  // volatile: no contraction or reassociation, as the vector code
  return d * h.scale32;
}

/**
 * Decides whether the float32 fast path may be used for `h`, and its tolerance. Both q (above) and numpy's
 * candidate trunc(((x - first) / (last - first)) * bins) are non-decreasing in x. For a boundary j let
 * B_j = the smallest float whose candidate is >= j and U_j = the smallest float >= edges[j]. A float x with
 * max(B_k, U_k) <= x < min(B_{k+1}, U_{k+1}) has candidate exactly k and edges[k] <= x < edges[k+1], so
 * bin_index(x) = k (for k = bins - 1 the upper limit is the range itself). With
 *   tol >= q(pred(max(B_j, U_j))) - j   and   tol >= j - q(min(B_j, U_j))   for every j,
 * monotonicity of q gives: an x in range with frac(q(x)) in (tol, 1 - tol) lies in that interval for
 * k = trunc(q(x)). Found by bisection over float keys, once per histogram (about bins * 32 evaluations).
 */
static inline void hist_prepare32(HistSpec* h) {
  h->fast32 = false;
  const int32_t n = h->bins;
  const double first = h->first, last = h->last, delta = last - first;
  if (!(n >= 1 && n <= (1 << 20)) || !(delta > 0) || !std::isfinite(delta) || std::fabs(first) > 3e38 || std::fabs(last) > 3e38) return;
  const double scale = (double)n / delta;
  if (!(scale < 1e38 && scale > 1e-38)) return;
  for (int32_t i = 0; i <= n; i++)
    if (!(h->edges[i] - h->edges[i] == 0) || std::fabs(h->edges[i]) > 3e38) return;
  h->lo32 = f32_up(first);
  h->hi32 = f32_down(last);
  if (!(h->lo32 <= h->hi32)) return;
  h->first32 = (float)first;
  h->scale32 = (float)scale;
  const uint32_t klo = f32_key(h->lo32), khi = f32_key(h->hi32);
  auto candidate = [&](float x) { return std::trunc((((double)x - first) / delta) * (double)n); };
  // Smallest key in [klo, khi] whose float satisfies pred (monotone: false...false true...true); khi + 1 if none.
  auto first_key = [&](auto pred) {
    uint32_t a = klo, b = khi + 1;
    while (a < b) {
      uint32_t m = a + (b - a) / 2;
      if (pred(f32_unkey(m))) b = m;
      else a = m + 1;
    }
    return a;
  };
  double tol = 0;
  for (int32_t j = 0; j <= n; j++) {
    uint32_t kb = j == 0 ? klo : first_key([&](float x) { return candidate(x) >= (double)j; });
    const double e = h->edges[j];
    uint32_t ku = e <= (double)h->lo32 ? klo : e > (double)h->hi32 ? khi + 1 : f32_key(f32_up(e));
    if (j == n) kb = ku = khi + 1;  // nothing reaches bin n: bounds q of the largest value in range
    const uint32_t lower = std::max(kb, ku), upper = std::min(kb, ku);
    if (lower > klo) tol = std::fmax(tol, (double)hist_q32(f32_unkey(lower - 1), *h) - j);
    if (upper <= khi) tol = std::fmax(tol, j - (double)hist_q32(f32_unkey(upper), *h));
    if (!(tol < 0.125)) return;
  }
  h->tol32 = (float)(tol * 1.0001 + 1e-7);
  h->fast32 = h->tol32 < 0.125f;
}

}  // namespace arraylens
