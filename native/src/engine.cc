// The portable driver (see engine.h). Kernels only ever see contiguous native-order blocks of a kernel type;
// everything else (byte-swapped, strided, 64-bit integers, complex) is converted into a tile here first.
#include "engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

namespace arraylens {

namespace {

// ---------------------------------------------------------------- memory-order view

struct NormView {
  const uint8_t* base;
  Dt dt;
  bool swap;
  int item;
  int nd;
  int64_t n[kMaxNdim];
  int64_t s[kMaxNdim];
  uint64_t count;
};

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

/** Calls seg(ptr, count, stride) for the inner runs covering linear (memory-order) elements [a, b). */
template <class Seg>
bool walk_range(const NormView& v, uint64_t a, uint64_t b, const Control& c, Seg&& seg) {
  if (a >= b) return true;
  const int nd = v.nd;
  const uint64_t L = (uint64_t)v.n[nd - 1];
  const int64_t S = v.s[nd - 1];
  uint64_t row = a / L, col = a % L;
  int64_t idx[kMaxNdim] = {0};
  int64_t off = 0;
  for (int k = nd - 2; k >= 0; k--) {
    idx[k] = (int64_t)(row % (uint64_t)v.n[k]);
    row /= (uint64_t)v.n[k];
    off += idx[k] * v.s[k];
  }
  uint64_t left = b - a;
  unsigned since_check = 0;
  while (left > 0) {
    uint64_t cnt = std::min<uint64_t>(L - col, left);
    seg(v.base + off + (int64_t)col * S, cnt, S);
    left -= cnt;
    col = 0;
    since_check += (unsigned)std::min<uint64_t>(cnt, 1u << 20) + 64;
    if (since_check >= (1u << 16)) {
      since_check = 0;
      if (c.cancelled()) return false;
    }
    for (int k = nd - 2; k >= 0; k--) {
      off += v.s[k];
      if (++idx[k] < v.n[k]) break;
      off -= idx[k] * v.s[k];
      idx[k] = 0;
    }
  }
  return !c.cancelled();
}

// ---------------------------------------------------------------- conversion into tiles

using GatherFn = void (*)(const uint8_t* p, int64_t stride, size_t cnt, uint8_t* out);

template <int Size, bool Swap>
void gather_copy(const uint8_t* p, int64_t stride, size_t cnt, uint8_t* out) {
  for (size_t i = 0; i < cnt; i++, p += stride, out += Size) {
    if (Swap)
      for (int b = 0; b < Size; b++) out[b] = p[Size - 1 - b];
    else
      std::memcpy(out, p, Size);
  }
}

template <class T, bool Swap>
inline T load_as(const uint8_t* p) {
  uint8_t b[sizeof(T)];
  if (Swap)
    for (size_t k = 0; k < sizeof(T); k++) b[k] = p[sizeof(T) - 1 - k];
  else
    std::memcpy(b, p, sizeof(T));
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
}

/**
 * |z| bit for bit as numpy.abs(z.astype(complex128)) computes it here: NumPy 2.x's SIMD loop takes
 * larger * sqrt(fma(r, r, 1)) with r = smaller / larger, which is not glibc's hypot (measured: they differ on
 * ~30 % of random inputs; this formula matched all). NaN when either part is NaN, as the JS reference.
 */
inline double numpy_cabs(double re, double im) {
  if (std::isnan(re) || std::isnan(im)) return NAN;
  double a = std::fabs(re), b = std::fabs(im);
  double larger = a > b ? a : b, smaller = a > b ? b : a;
  if (larger == 0 || std::isinf(larger)) return larger;
  double r = smaller / larger;
  return larger * std::sqrt(std::fma(r, r, 1.0));
}

template <class F, bool Swap>
void gather_cmag(const uint8_t* p, int64_t stride, size_t cnt, uint8_t* out) {
  for (size_t i = 0; i < cnt; i++, p += stride) {
    double m = numpy_cabs((double)load_as<F, Swap>(p), (double)load_as<F, Swap>(p + sizeof(F)));
    std::memcpy(out + i * 8, &m, 8);
  }
}

template <class I, bool Swap>
void gather_int64_as_f64(const uint8_t* p, int64_t stride, size_t cnt, uint8_t* out) {
  for (size_t i = 0; i < cnt; i++, p += stride) {
    double d = (double)load_as<I, Swap>(p);
    std::memcpy(out + i * 8, &d, 8);
  }
}

GatherFn copy_fn(int size, bool swap) {
  switch (size) {
    case 1: return gather_copy<1, false>;
    case 2: return swap ? gather_copy<2, true> : gather_copy<2, false>;
    case 4: return swap ? gather_copy<4, true> : gather_copy<4, false>;
    case 8: return swap ? gather_copy<8, true> : gather_copy<8, false>;
    default: return gather_copy<16, false>;  // complex128 bytes as stored (fingerprints); never swapped whole
  }
}

struct TilePlan {
  Dt tdt;           // type of the tile the kernels get
  GatherFn gather;  // element bytes -> tile entries
  bool direct;      // contiguous runs can skip the tile
};

/** int64/uint64 stay integers for moments (exact sums); histogram and percentiles see them as float64. */
TilePlan plan(Dt dt, bool swap, bool int64_exact) {
  switch (dt) {
    case Dt::C64: return {Dt::F64, swap ? gather_cmag<float, true> : gather_cmag<float, false>, false};
    case Dt::C128: return {Dt::F64, swap ? gather_cmag<double, true> : gather_cmag<double, false>, false};
    case Dt::I64:
    case Dt::U64:
      if (int64_exact) return {dt, copy_fn(8, swap), !swap};
      if (dt == Dt::I64) return {Dt::F64, swap ? gather_int64_as_f64<int64_t, true> : gather_int64_as_f64<int64_t, false>, false};
      return {Dt::F64, swap ? gather_int64_as_f64<uint64_t, true> : gather_int64_as_f64<uint64_t, false>, false};
    default: return {dt, copy_fn(dt_itemsize(dt), swap), !swap};
  }
}

/** Feeds inner runs to `block(ptr, n)` in blocks of at most kBlock contiguous native values of plan.tdt. */
struct Tiler {
  TilePlan p;
  int item, titem;
  std::vector<uint8_t> tile;
  size_t tn = 0;
  CompactFn compact;  // the kernels' fast copy of plain strided runs (nullptr: none)
  Tiler(Dt dt, bool swap, bool int64_exact, const KernelTable* k)
      : p(plan(dt, swap, int64_exact)), item(dt_itemsize(dt)), titem(dt_itemsize(p.tdt)), compact(p.direct ? k->compact : nullptr) {
    tile.resize(kBlock * (size_t)titem + 64);
  }
  bool s2_off = false;  // the kernels said no to reading every second element in place
  template <class Block, class BlockS2>
  void segment(const uint8_t* ptr, uint64_t cnt, int64_t stride, size_t direct_piece, Block&& block, BlockS2&& block_s2) {
    if (p.direct && stride == item && cnt >= 64) {
      for (uint64_t off = 0; off < cnt; off += direct_piece) block(ptr + off * (uint64_t)item, (size_t)std::min<uint64_t>(direct_piece, cnt - off));
      return;
    }
    if (p.direct && stride == 2 * (int64_t)item && cnt >= 64 && !s2_off) {
      while (cnt > 0) {
        const size_t n = (size_t)std::min<uint64_t>(direct_piece, cnt);
        if (!block_s2(ptr, n)) {
          s2_off = true;
          break;
        }
        ptr += (int64_t)n * stride;
        cnt -= n;
      }
      if (cnt == 0) return;
    }
    while (cnt > 0) {
      size_t take = (size_t)std::min<uint64_t>(cnt, kBlock - tn);
      uint8_t* out = tile.data() + tn * (size_t)titem;
      const size_t done = compact && stride > 0 ? compact(ptr, stride, take, item, out) : 0;
      p.gather(ptr + (int64_t)done * stride, stride, take - done, out + done * (size_t)titem);
      tn += take;
      ptr += (int64_t)take * stride;
      cnt -= take;
      if (tn == kBlock) flush(block);
    }
  }
  template <class Block>
  void flush(Block&& block) {
    if (tn) block(tile.data(), tn);
    tn = 0;
  }
};

// ---------------------------------------------------------------- moments accumulation

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

  void add(const Partial& p) {
    if (p.finite) chan(p.finite, (p.sum + p.sum_c) / (double)p.finite, p.m2);
    count += p.n;
    nan += p.nan;
    posinf += p.posinf;
    neginf += p.neginf;
    zeros += p.zeros;
    finite += p.finite;
    if (p.finite) {
      if (p.min < min) min = p.min;
      if (p.max > max) max = p.max;
    }
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
    count += o.count;
    nan += o.nan;
    posinf += o.posinf;
    neginf += o.neginf;
    zeros += o.zeros;
    finite += o.finite;
    if (o.finite) {
      if (o.min < min) min = o.min;
      if (o.max > max) max = o.max;
    }
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

/** How many threads for `bytes` of data: small views stay on one thread (thread start costs ~20-50 us). */
int thread_count(const Control& c, uint64_t bytes) {
  int t = std::max(1, std::min(c.threads, 16));
  if (bytes < (8u << 20)) return 1;
  return (int)std::min<uint64_t>((uint64_t)t, bytes / (4u << 20));
}

template <class Work>
bool run_threads(int nthreads, Work&& work) {
  if (nthreads <= 1) return work(0);
  std::vector<std::thread> pool;
  std::vector<char> ok((size_t)nthreads, 0);
  for (int t = 1; t < nthreads; t++) pool.emplace_back([&, t] { ok[(size_t)t] = work(t) ? 1 : 0; });
  ok[0] = work(0) ? 1 : 0;
  for (auto& th : pool) th.join();
  return std::all_of(ok.begin(), ok.end(), [](char x) { return x != 0; });
}

// ---------------------------------------------------------------- keys for exact order statistics

enum class KeyKind { Double, Int64, UInt64 };

inline uint64_t double_key(double x) {
  x += 0.0;  // -0 -> +0
  uint64_t b;
  std::memcpy(&b, &x, 8);
  return (b >> 63) ? ~b : (b | 0x8000000000000000ull);
}

inline double key_value(uint64_t k, KeyKind kind) {
  if (kind == KeyKind::Int64) return (double)(int64_t)(k ^ 0x8000000000000000ull);
  if (kind == KeyKind::UInt64) return (double)k;
  uint64_t b = (k >> 63) ? (k & 0x7fffffffffffffffull) : ~k;
  double x;
  std::memcpy(&x, &b, 8);
  return x;
}

using KeyFn = bool (*)(const uint8_t* p, uint64_t* key);

template <class T, bool Swap>
bool key_num(const uint8_t* p, uint64_t* key) {
  double x = (double)load_as<T, Swap>(p);
  if (!(x - x == 0)) return false;
  *key = double_key(x);
  return true;
}

template <bool BF, bool Swap>
bool key_half(const uint8_t* p, uint64_t* key) {
  uint16_t h = load_as<uint16_t, Swap>(p);
  double x = BF ? (double)bf16_to_float(h) : (double)half_to_float(h);
  if (!(x - x == 0)) return false;
  *key = double_key(x);
  return true;
}

template <class F, bool Swap>
bool key_complex(const uint8_t* p, uint64_t* key) {
  double m;
  gather_cmag<F, Swap>(p, 0, 1, (uint8_t*)&m);
  if (!(m - m == 0)) return false;
  *key = double_key(m);
  return true;
}

template <bool Signed, bool Swap>
bool key_int64(const uint8_t* p, uint64_t* key) {
  uint64_t u = load_as<uint64_t, Swap>(p);
  *key = Signed ? (u ^ 0x8000000000000000ull) : u;
  return true;
}

template <bool Swap>
KeyFn key_fn_for(Dt dt) {
  switch (dt) {
    case Dt::Bool: case Dt::U8: return key_num<uint8_t, false>;
    case Dt::I8: return key_num<int8_t, false>;
    case Dt::I16: return key_num<int16_t, Swap>;
    case Dt::U16: return key_num<uint16_t, Swap>;
    case Dt::I32: return key_num<int32_t, Swap>;
    case Dt::U32: return key_num<uint32_t, Swap>;
    case Dt::I64: return key_int64<true, Swap>;
    case Dt::U64: return key_int64<false, Swap>;
    case Dt::F16: return key_half<false, Swap>;
    case Dt::BF16: return key_half<true, Swap>;
    case Dt::F32: return key_num<float, Swap>;
    case Dt::F64: return key_num<double, Swap>;
    case Dt::C64: return key_complex<float, Swap>;
    case Dt::C128: return key_complex<double, Swap>;
  }
  return nullptr;
}

template <class F>
bool for_each_key(const NormView& nv, const Control& c, KeyFn kf, F&& f) {
  return walk_range(nv, 0, nv.count, c, [&](const uint8_t* p, uint64_t cnt, int64_t s) {
    uint64_t key;
    for (uint64_t i = 0; i < cnt; i++, p += s)
      if (kf(p, &key)) f(key);
  });
}

// ---------------------------------------------------------------- XXH64

constexpr uint64_t P1 = 0x9E3779B185EBCA87ull, P2 = 0xC2B2AE3D27D4EB4Full, P3 = 0x165667B19E3779F9ull,
                   P4 = 0x85EBCA77C2B2AE63ull, P5 = 0x27D4EB2F165667C5ull;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t rd64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian hosts only (x86-64, arm64)
}
inline uint64_t xround(uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; }
inline uint64_t xmerge(uint64_t acc, uint64_t v) { return (acc ^ xround(0, v)) * P1 + P4; }

struct Xxh64 {
  uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0 - P1, total = 0;
  uint8_t buf[32];
  size_t bn = 0;
  void stripes(const uint8_t* p, size_t n) {  // n multiple of 32
    for (size_t i = 0; i < n; i += 32) {
      v1 = xround(v1, rd64(p + i));
      v2 = xround(v2, rd64(p + i + 8));
      v3 = xround(v3, rd64(p + i + 16));
      v4 = xround(v4, rd64(p + i + 24));
    }
  }
  void update(const uint8_t* p, size_t n) {
    total += n;
    if (bn) {
      size_t take = std::min(n, 32 - bn);
      std::memcpy(buf + bn, p, take);
      bn += take;
      p += take;
      n -= take;
      if (bn < 32) return;
      stripes(buf, 32);
      bn = 0;
    }
    size_t whole = n & ~(size_t)31;
    stripes(p, whole);
    std::memcpy(buf, p + whole, n - whole);
    bn = n - whole;
  }
  uint64_t digest() const {
    uint64_t h;
    if (total >= 32) {
      h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
      h = xmerge(h, v1);
      h = xmerge(h, v2);
      h = xmerge(h, v3);
      h = xmerge(h, v4);
    } else {
      h = P5;
    }
    h += total;
    size_t i = 0;
    for (; i + 8 <= bn; i += 8) h = rotl(h ^ xround(0, rd64(buf + i)), 27) * P1 + P4;
    if (i + 4 <= bn) {
      uint32_t w;
      std::memcpy(&w, buf + i, 4);
      h = rotl(h ^ ((uint64_t)w * P1), 23) * P2 + P3;
      i += 4;
    }
    for (; i < bn; i++) h = rotl(h ^ (buf[i] * P5), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
  }
};

}  // namespace

uint64_t element_count(const ViewDesc& v) {
  uint64_t n = 1;
  for (int i = 0; i < v.nd; i++) n *= (uint64_t)v.shape[i];
  return n;
}

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

/**
 * Adds one run of `n` 1- or 2-byte elements (`s` bytes apart) into two interleaved uint32 pattern tables (two so
 * neighbouring equal values do not chain on one counter; measured here, four uint32 or four uint16 tables with a
 * carry are 20-35 % slower: their footprint leaves L2).
 */
template <int Item>
static void count_run(const uint8_t* p, uint64_t n, int64_t s, uint32_t* __restrict t0, uint32_t* __restrict t1) {
  uint64_t i = 0;
  if (s == Item) {  // contiguous: 8 bytes at a time
    for (; i + 8 / Item <= n; i += 8 / Item) {
      uint64_t w;
      std::memcpy(&w, p + i * Item, 8);
      if (Item == 2) {
        t0[w & 0xffff]++;
        t1[(w >> 16) & 0xffff]++;
        t0[(w >> 32) & 0xffff]++;
        t1[w >> 48]++;
      } else {
        t0[w & 0xff]++;
        t1[(w >> 8) & 0xff]++;
        t0[(w >> 16) & 0xff]++;
        t1[(w >> 24) & 0xff]++;
        t0[(w >> 32) & 0xff]++;
        t1[(w >> 40) & 0xff]++;
        t0[(w >> 48) & 0xff]++;
        t1[w >> 56]++;
      }
    }
  } else {
    for (; i + 2 <= n; i += 2) {
      const uint8_t* q = p + (int64_t)i * s;
      if (Item == 2) {
        t0[load_as<uint16_t, false>(q)]++;
        t1[load_as<uint16_t, false>(q + s)]++;
      } else {
        t0[q[0]]++;
        t1[q[s]]++;
      }
    }
  }
  for (; i < n; i++) t0[Item == 2 ? load_as<uint16_t, false>(p + (int64_t)i * s) : p[(int64_t)i * s]]++;
}

/**
 * 1- and 2-byte types (bool, int8/16, uint8/16, float16, bfloat16, either byte order): the number of elements
 * with each bit pattern, indexed by the value's bits in host order (one increment per element, no arithmetic,
 * no conversion; see count_run). Every statistic of such a view (counts,
 * min/max, exact sums, numpy.histogram for any range) follows from these <= 65536 numbers.
 */
bool count_patterns(const NormView& nv, const Control& c, std::vector<uint64_t>* out) {
  const int item = nv.item;
  const size_t np = item == 1 ? 256 : 65536;
  const int nt = thread_count(c, nv.count * (uint64_t)item);
  std::vector<std::vector<uint64_t>> sums((size_t)nt);
  bool ok = run_threads(nt, [&](int t) {
    std::vector<uint32_t> tab(2 * np, 0);
    std::vector<uint64_t>& sum = sums[(size_t)t];
    sum.assign(np, 0);
    uint64_t pending = 0;
    auto flush = [&] {  // long before a uint32 could wrap
      for (size_t i = 0; i < np; i++) sum[i] += (uint64_t)tab[i] + tab[np + i];
      std::fill(tab.begin(), tab.end(), 0);
      pending = 0;
    };
    auto run = [&](const uint8_t* p, uint64_t cnt, int64_t s) {
      while (cnt > 0) {
        const uint64_t take = std::min<uint64_t>(cnt, 1u << 20);
        if (pending + take >= (1ull << 31)) flush();
        pending += take;
        if (item == 2) count_run<2>(p, take, s, tab.data(), tab.data() + np);
        else count_run<1>(p, take, s, tab.data(), tab.data() + np);
        p += (int64_t)take * s;
        cnt -= take;
        if (c.cancelled()) return;
      }
    };
    uint64_t a = nv.count * (uint64_t)t / (uint64_t)nt, b = nv.count * (uint64_t)(t + 1) / (uint64_t)nt;
    bool r = walk_range(nv, a, b, c, run);
    flush();
    return r && !c.cancelled();
  });
  if (!ok) return false;
  out->assign(np, 0);
  for (size_t pat = 0; pat < np; pat++) {
    uint64_t n = 0;
    for (const auto& sum : sums) n += sum[pat];
    // Memory order -> value bits: a 2-byte pattern read in host order is the value's bits
    // unless the view is stored in the other byte order.
    const size_t bits = item == 2 && nv.swap ? ((pat >> 8) | ((pat & 0xff) << 8)) : pat;
    (*out)[bits] += n;
  }
  return true;
}

static double pattern_value(Dt dt, uint16_t bits) {
  switch (dt) {
    case Dt::I8: return (double)(int8_t)bits;
    case Dt::I16: return (double)(int16_t)bits;
    case Dt::F16: return (double)half_to_float(bits);
    case Dt::BF16: return (double)bf16_to_float(bits);
    default: return (double)bits;  // bool, uint8, uint16
  }
}

/** numpy.histogram of a 1- or 2-byte view: count the patterns, then bin each of them once with bin_index. */
bool histogram_by_pattern(const NormView& nv, const HistSpec& spec, const Control& c, std::vector<double>* counts) {
  std::vector<uint64_t> pats;
  if (!count_patterns(nv, c, &pats)) return false;
  for (size_t bits = 0; bits < pats.size(); bits++) {
    if (!pats[bits]) continue;
    const int32_t bin = bin_index(pattern_value(nv.dt, (uint16_t)bits), spec);
    if (bin < spec.bins) (*counts)[(size_t)bin] += (double)pats[bits];
  }
  return true;
}

bool compute_patterns(const ViewDesc& v, const Control& c, std::vector<double>* counts) {
  const NormView nv = normalize(v);
  std::vector<uint64_t> pats;
  if (!count_patterns(nv, c, &pats)) return false;
  counts->assign(pats.size(), 0.0);
  for (size_t i = 0; i < pats.size(); i++) (*counts)[i] = (double)pats[i];
  return true;
}

bool compute_histogram(const ViewDesc& v, const HistSpec& user_spec, const Control& c, std::vector<double>* counts) {
  const NormView nv = normalize(v);
  if (nv.item <= 2 && c.k != &kSerialKernels) return histogram_by_pattern(nv, user_spec, c, counts);
  HistSpec spec = user_spec;
  hist_prepare32(&spec);  // the float32 fast path's proof, once per call
  const size_t stride = (size_t)spec.bins + 1;
  const int nt = thread_count(c, nv.count * (uint64_t)nv.item);
  std::vector<std::vector<uint64_t>> tables((size_t)nt);
  bool ok = run_threads(nt, [&](int t) {
    std::vector<uint64_t>& tab = tables[(size_t)t];
    tab.assign(stride * kHistCopies, 0);
    Tiler tiler(v.dt, v.swap, false, c.k);
    auto block = [&](const uint8_t* p, size_t n) { c.k->histogram(tiler.p.tdt, p, n, spec, tab.data()); };
    auto block_s2 = [&](const uint8_t* p, size_t n) { return c.k->histogram_s2 && c.k->histogram_s2(tiler.p.tdt, p, n, spec, tab.data()); };
    uint64_t a = nv.count * (uint64_t)t / (uint64_t)nt, b = nv.count * (uint64_t)(t + 1) / (uint64_t)nt;
    bool r = walk_range(nv, a, b, c, [&](const uint8_t* p, uint64_t cnt, int64_t s) { tiler.segment(p, cnt, s, 1u << 20, block, block_s2); });
    tiler.flush(block);
    return r;
  });
  if (!ok) return false;
  for (const auto& tab : tables)
    for (int k = 0; k < kHistCopies; k++)
      for (int32_t i = 0; i < spec.bins; i++) (*counts)[(size_t)i] += (double)tab[(size_t)k * stride + (size_t)i];
  return true;
}

bool compute_percentiles(const ViewDesc& v, const std::vector<double>& qs, const Control& c, std::vector<double>* out,
                         bool* any_finite) {
  const NormView nv = normalize(v);
  const KeyFn kf = v.swap ? key_fn_for<true>(v.dt) : key_fn_for<false>(v.dt);
  const KeyKind kind = v.dt == Dt::I64 ? KeyKind::Int64 : v.dt == Dt::U64 ? KeyKind::UInt64 : KeyKind::Double;
  // Level 1: top 16 bits of every key, and the number of finite values.
  std::vector<uint64_t> h1(65536, 0);
  uint64_t n = 0;
  if (!for_each_key(nv, c, kf, [&](uint64_t k) {
        h1[k >> 48]++;
        n++;
      }))
    return false;
  *any_finite = n > 0;
  out->assign(qs.size(), NAN);
  if (n == 0) return true;
  // numpy.percentile, method 'linear': virtual index, neighbours, gamma (see numpy/lib/_function_base_impl.py).
  struct Want {
    uint64_t lo, hi;
    double gamma;
  };
  std::vector<Want> wants;
  std::vector<uint64_t> ranks;
  for (double q : qs) {
    double qf = q / 100.0;
    double virt = (double)(n - 1) * qf;
    double prev = std::floor(virt);
    uint64_t lo, hi;
    if (virt >= (double)(n - 1)) lo = hi = n - 1;
    else if (virt < 0) lo = hi = 0;
    else {
      lo = (uint64_t)prev;
      hi = lo + 1;
    }
    wants.push_back({lo, hi, virt - prev});
    ranks.push_back(lo);
    ranks.push_back(hi);
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  // Radix select per rank: narrow the key prefix 16 bits a pass until the candidates are few, then sort them.
  struct Sel {
    uint64_t rank, prefix, below, cnt, value;
    int bits;
    bool done;
  };
  const uint64_t kCap = 1u << 16;
  std::vector<Sel> sels;
  for (uint64_t r : ranks) {
    uint64_t cum = 0;
    for (uint32_t b = 0; b < 65536; b++) {
      if (cum + h1[b] > r) {
        sels.push_back({r, (uint64_t)b << 48, cum, h1[b], 0, 16, false});
        break;
      }
      cum += h1[b];
    }
  }
  auto matches = [](const Sel& s, uint64_t k) { return s.bits == 0 || (k >> (64 - s.bits)) == (s.prefix >> (64 - s.bits)); };
  for (;;) {
    std::vector<Sel*> refine;
    for (Sel& s : sels)
      if (!s.done && s.cnt > kCap && s.bits < 64) refine.push_back(&s);
    if (refine.empty()) break;
    std::vector<std::vector<uint64_t>> hs(refine.size(), std::vector<uint64_t>(65536, 0));
    if (!for_each_key(nv, c, kf, [&](uint64_t k) {
          for (size_t i = 0; i < refine.size(); i++)
            if (matches(*refine[i], k)) hs[i][(k >> (48 - refine[i]->bits)) & 0xffff]++;
        }))
      return false;
    for (size_t i = 0; i < refine.size(); i++) {
      Sel& s = *refine[i];
      uint64_t cum = s.below;
      for (uint32_t b = 0; b < 65536; b++) {
        if (cum + hs[i][b] > s.rank) {
          s.prefix |= (uint64_t)b << (48 - s.bits);
          s.bits += 16;
          s.below = cum;
          s.cnt = hs[i][b];
          break;
        }
        cum += hs[i][b];
      }
    }
  }
  std::vector<Sel*> collect;
  for (Sel& s : sels) {
    if (s.bits == 64) {
      s.value = s.prefix;
      s.done = true;
    } else {
      collect.push_back(&s);
    }
  }
  if (!collect.empty()) {
    std::vector<std::vector<uint64_t>> keys(collect.size());
    if (!for_each_key(nv, c, kf, [&](uint64_t k) {
          for (size_t i = 0; i < collect.size(); i++)
            if (matches(*collect[i], k)) keys[i].push_back(k);
        }))
      return false;
    for (size_t i = 0; i < collect.size(); i++) {
      auto& ks = keys[i];
      size_t at = (size_t)(collect[i]->rank - collect[i]->below);
      std::nth_element(ks.begin(), ks.begin() + (ptrdiff_t)at, ks.end());
      collect[i]->value = ks[at];
      collect[i]->done = true;
    }
  }
  auto value_at = [&](uint64_t r) {
    for (const Sel& s : sels)
      if (s.rank == r) return key_value(s.value, kind);
    return (double)NAN;
  };
  for (size_t i = 0; i < wants.size(); i++) {
    double a = value_at(wants[i].lo), b = value_at(wants[i].hi), t = wants[i].gamma;
    double diff = b - a;
    (*out)[i] = t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;  // numpy's _lerp
  }
  return true;
}

bool compute_fingerprint(const ViewDesc& v, const Control& c, uint64_t* out) {
  Xxh64 x;
  const int item = dt_itemsize(v.dt);
  if (v.nd == 0) {
    x.update(v.base, (size_t)item);
    *out = x.digest();
    return true;
  }
  // Logical C order (not memory order): equal arrays hash equal whatever their layout.
  const int nd = v.nd;
  const int64_t L = v.shape[nd - 1], S = v.strides[nd - 1];
  std::vector<uint8_t> row;
  const bool dense = S == item;
  if (!dense) row.resize((size_t)std::min<int64_t>(L, 1 << 16) * (size_t)item);
  int64_t idx[kMaxNdim] = {0};
  int64_t off = 0;
  uint64_t rows = L == 0 ? 0 : element_count(v) / (uint64_t)L;
  for (uint64_t r = 0; r < rows; r++) {
    const uint8_t* p = v.base + off;
    if (dense) {
      x.update(p, (size_t)L * (size_t)item);
    } else {
      for (int64_t j = 0; j < L;) {
        int64_t take = std::min<int64_t>(L - j, 1 << 16);
        copy_fn(item, false)(p + j * S, S, (size_t)take, row.data());
        x.update(row.data(), (size_t)take * (size_t)item);
        j += take;
      }
    }
    if ((r & 1023) == 1023 && c.cancelled()) return false;
    for (int k = nd - 2; k >= 0; k--) {
      off += v.strides[k];
      if (++idx[k] < v.shape[k]) break;
      off -= idx[k] * v.strides[k];
      idx[k] = 0;
    }
  }
  *out = x.digest();
  return true;
}

}  // namespace arraylens
