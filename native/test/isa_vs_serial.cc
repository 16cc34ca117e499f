// Every SIMD kernel table this CPU runs (or the ones named on the command line) against the serial reference:
// kernels called directly on random blocks (every kernel dtype, NaN/Inf/zero placements, lengths around vector and
// block boundaries, unaligned starts, any pivot) and the engine driver on random strided views (every dtype, both
// byte orders, negative/zero/padded strides, threads). Counts, min/max, histograms, pattern tables, read sums and
// scan marks must be identical, mean and std within 1e-12 relative (as test/unit/nativeStats.test.ts asks of the
// addon). test/unit/nativeChecks.test.ts builds it for aarch64 and runs it under qemu-aarch64 (the NEON table).
// Built natively on x86-64 it checks AVX2/AVX-512 the same way (also in test/unit/nativeChecks.test.ts). Prints
// "<isa> vs serial: checks N bad 0" per table and exits 0 when all agree (--dispatch: only the dispatch line;
// ARRAYLENS_CHECK_VIEWS: number of random engine views, 400; ARRAYLENS_CHECK_SEED; ARRAYLENS_CHECK_VERBOSE: every
// disagreement).
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>
#include "engine.h"
using namespace arraylens;

namespace {

std::mt19937_64 rng(20261122);
uint64_t below(uint64_t n) { return n ? rng() % n : 0; }
double uniform() { return (double)(rng() >> 11) * 0x1p-53; }
double normal() {
  double s = 0;
  for (int i = 0; i < 4; i++) s += uniform();
  return (s - 2) * 1.7320508;
}

long bad = 0, checks = 0;
std::string where;  // what the current check is about, for the report
void fail(const char* what, const std::string& detail) {
  if (bad++ < (std::getenv("ARRAYLENS_CHECK_VERBOSE") ? 100000 : 25)) std::printf("BAD %s: %s: %s\n", where.c_str(), what, detail.c_str());
}
std::string fmt(double a, double b) {
  char s[96];
  std::snprintf(s, sizeof s, "%.17g vs serial %.17g", a, b);
  return s;
}
void same_u(const char* what, uint64_t a, uint64_t b) {
  checks++;
  if (a != b) fail(what, std::to_string(a) + " vs serial " + std::to_string(b));
}
/** Exactly equal, -0 == +0, NaN == NaN. */
void same_d(const char* what, double a, double b) {
  checks++;
  if (!(a == b || (std::isnan(a) && std::isnan(b)))) fail(what, fmt(a, b));
}
/** As close() in test/unit/nativeStats.test.ts: |a - b| <= rel |b| + abs (NaN only with NaN). */
void close_d(const char* what, double a, double b, double rel, double abs) {
  checks++;
  if (std::isnan(a) || std::isnan(b)) {
    if (!(std::isnan(a) && std::isnan(b))) fail(what, fmt(a, b));
    return;
  }
  if (a == b) return;
  if (!(std::fabs(a - b) <= rel * std::fabs(b) + abs)) fail(what, fmt(a, b));
}
/**
 * mean and std from (finite, sum, m2) as the TS layer derives them, with the addon test's tolerances. Where the
 * sum (or the sum of squares) of values this large can overflow, the result depends on the order of additions
 * and is not compared.
 */
void same_moments(uint64_t finite, double sum_a, double m2_a, double sum_b, double m2_b, double mn, double mx) {
  if (finite == 0) return;
  const double f = (double)finite, big = std::fmax(std::fabs(mn), std::fabs(mx));
  const double mean_a = sum_a / f, mean_b = sum_b / f;
  const double std_a = m2_a < 0 ? 0 : std::sqrt(m2_a / f), std_b = m2_b < 0 ? 0 : std::sqrt(m2_b / f);
  const double scale = std::fmax(std::fmax(std::fabs(mean_a), std_b), big);
  if (big * f < 1e300) close_d("mean", mean_a, mean_b, 1e-12, 1e-300);
  if (big < 1e150) close_d("std", std_a, std_b, 1e-12, 1e-14 * scale);
}

// ---------------------------------------------------------------- random data of every dtype

const Dt kKernelTypes[] = {Dt::Bool, Dt::I8, Dt::I16, Dt::I32, Dt::U8, Dt::U16, Dt::U32, Dt::F16, Dt::BF16, Dt::F32, Dt::F64};
const Dt kAllTypes[] = {Dt::Bool, Dt::I8, Dt::I16, Dt::I32, Dt::I64, Dt::U8, Dt::U16, Dt::U32, Dt::U64,
                        Dt::F16, Dt::BF16, Dt::F32, Dt::F64, Dt::C64, Dt::C128};
const char* dt_name(Dt d) {
  static const char* n[] = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                            "float16", "bfloat16", "float32", "float64", "complex64", "complex128"};
  return n[(int)d];
}
bool dt_is_float(Dt d) { return !dt_is_integer(d); }

enum Mode { Normal, Ints, Offset, Wide, Bits, Cancel, kModes };
const char* mode_name(int m) {
  static const char* n[] = {"normal", "ints", "offset", "wide", "bits", "cancel"};
  return n[m];
}

/** Half bit patterns of the finite halves, sorted by value: a double's half is found by binary search. */
std::vector<std::pair<float, uint16_t>> half_table() {
  std::vector<std::pair<float, uint16_t>> t;
  for (uint32_t h = 0; h < 65536; h++) {
    float f = half_to_float((uint16_t)h);
    if (f - f == 0 && !(f == 0 && (h & 0x8000))) t.push_back({f, (uint16_t)h});
  }
  std::sort(t.begin(), t.end());
  return t;
}
uint16_t to_half(double v) {
  static const auto t = half_table();
  if (std::isnan(v)) return 0x7e00;
  if (v > 65504) return 0x7c00;
  if (v < -65504) return 0xfc00;
  auto it = std::lower_bound(t.begin(), t.end(), std::make_pair((float)v, (uint16_t)0));
  if (it == t.end()) --it;
  return it->second;
}
uint16_t to_bf16(double v) {
  uint32_t b = f32_bits((float)v);
  return (uint16_t)(b >> 16);
}

double float_value(Mode m, bool narrow) {
  switch (m) {
    case Normal: return normal() * 3;
    case Ints: return (double)((int)below(7) - 3);
    case Offset: return narrow ? 1000 + normal() : 1e6 + normal() * 1e-3;
    case Wide: return (rng() & 1 ? -1 : 1) * std::ldexp(uniform(), narrow ? (int)below(60) - 30 : (int)below(2000) - 1040);
    default: return 0;
  }
}

double special_value() {
  switch (below(7)) {
    case 0: return NAN;
    case 1: return -NAN;
    case 2: return INFINITY;
    case 3: return -INFINITY;
    case 4: return 0.0;
    case 5: return -0.0;
    default: return std::ldexp(1.0, -1074);
  }
}

/** One element of `dt` with value `v` (or random bits), native order, at p. */
void put(Dt dt, uint8_t* p, double v, bool bits) {
  const int item = dt_itemsize(dt);
  if (bits || dt_is_integer(dt)) {
    for (int k = 0; k < item; k++) p[k] = (uint8_t)rng();
    if (!bits && dt_is_integer(dt) && !std::isnan(v)) {  // integers from the value (Ints mode, extremes)
      int64_t i = (int64_t)std::fmax(std::fmin(v, 9e18), -9e18);
      std::memcpy(p, &i, (size_t)item);  // little-endian low bytes: wraps like a cast
    }
    if (dt == Dt::Bool) p[0] &= 1;
    return;
  }
  switch (dt) {
    case Dt::F16: { uint16_t h = to_half(v); std::memcpy(p, &h, 2); return; }
    case Dt::BF16: { uint16_t h = to_bf16(v); std::memcpy(p, &h, 2); return; }
    case Dt::F32: { float f = (float)v; std::memcpy(p, &f, 4); return; }
    case Dt::F64: std::memcpy(p, &v, 8); return;
    case Dt::C64: { float f[2] = {(float)v, (float)(rng() & 3 ? v * 0.5 : -v)}; std::memcpy(p, f, 8); return; }
    case Dt::C128: { double d[2] = {v, rng() & 3 ? v * 0.5 : -v}; std::memcpy(p, d, 16); return; }
    default: return;
  }
}

/**
 * n elements of dt at p: values of `mode`; with `special` > 0 that share replaced by NaN/Inf/zeros/subnormals;
 * `placement` puts single specials at the first / last / a vector-boundary position, or makes all of them special.
 */
void fill(Dt dt, uint8_t* p, size_t n, Mode mode, double special, int placement) {
  const int item = dt_itemsize(dt);
  const bool narrow = dt == Dt::F16 || dt == Dt::BF16;
  // Cancel: big values, each followed by its negation plus a little noise: only a compensated sum keeps the mean.
  const double big = narrow ? 1e3 : dt == Dt::F32 ? 1e6 : 1e12, noise = narrow ? 1 : dt == Dt::F32 ? 1e-2 : 1e-3;
  double prev = 0;
  for (size_t i = 0; i < n; i++) {
    const bool is_special = special > 0 && uniform() < special;
    double v;
    if (dt_is_integer(dt)) {
      if (is_special) v = 0;
      else if (mode == Ints) v = (double)((int)below(7) - 3);
      else if (mode == Offset) v = (double)(rng() & 1 ? 0x7fffffff - below(50) : below(50));
      else v = NAN;  // random bits
    } else {
      if (mode == Cancel) v = prev = i & 1 ? -prev + normal() * noise : normal() * big;
      else v = mode == Bits ? 0 : float_value(mode, narrow);
      if (is_special) v = special_value();
    }
    put(dt, p + i * (size_t)item, v, mode == Bits && !is_special);
  }
  if (n == 0 || !dt_is_float(dt)) return;
  auto at = [&](size_t i, double v) { put(dt, p + i * (size_t)item, v, false); };
  switch (placement) {
    case 1: at(0, special_value()); break;
    case 2: at(n - 1, special_value()); break;
    case 3: for (size_t i = 3; i < n; i += 8) at(i, special_value()); break;  // lane 3 of 4, lane 7 of 8, ...
    case 4: for (size_t i = 0; i < n; i++) at(i, NAN); break;
    case 5: for (size_t i = 0; i < n; i++) at(i, i & 1 ? INFINITY : -INFINITY); break;
    case 6: for (size_t i = 0; i < n; i++) at(i, i & 1 ? 0.0 : -0.0); break;
    default: break;
  }
}

// ---------------------------------------------------------------- kernel-level checks

/** The counts a kernel Partial and an engine MomentsResult both carry. */
template <class R>
void same_counts(const R& a, const R& b) {
  same_u("nan", a.nan, b.nan);
  same_u("posinf", a.posinf, b.posinf);
  same_u("neginf", a.neginf, b.neginf);
  same_u("zeros", a.zeros, b.zeros);
  same_u("finite", a.finite, b.finite);
}

void same_partial(const Partial& a, const Partial& b, bool integer) {
  same_u("n", a.n, b.n);
  same_counts(a, b);
  if (b.finite == 0) return;
  same_d("min", a.min, b.min);
  same_d("max", a.max, b.max);
  if (integer) same_d("integer sum", a.sum, b.sum);  // the engine takes (int64_t)sum for integer blocks
  same_moments(b.finite, a.sum + a.sum_c, a.m2, b.sum + b.sum_c, b.m2, b.min, b.max);
}

/** HistSpec as src/core histogramSpec / numpy.histogram make it: edges i * step + first, the last one `last`. */
struct Spec {
  std::vector<double> edges;
  HistSpec h;
  Spec(double a, double b, int bins) {
    if (a == b) { a -= 0.5; b += 0.5; }
    edges.resize((size_t)bins + 1);
    const double delta = b - a, step = delta / bins;
    for (int i = 0; i <= bins; i++) edges[(size_t)i] = step == 0 ? ((double)i / bins) * delta + a : i * step + a;
    edges[(size_t)bins] = b;
    h = HistSpec{a, b, edges.data(), bins};
    hist_prepare32(&h);
  }
};

/** A histogram range for data whose finite min/max are mn, mx: the data's own, or a narrower/offset/odd one. */
Spec random_spec(double mn, double mx) {
  const int bins = std::vector<int>{1, 2, 7, 10, 64, 256, 1000}[below(7)];
  if (!(mn <= mx)) { mn = 0; mx = 1; }
  const double w = mx - mn;
  switch (below(5)) {
    case 0: return Spec(mn + w * uniform() * 0.4, mx - w * uniform() * 0.4, bins);  // cuts through the data
    case 1: return Spec(mn - w * uniform(), mx + w * uniform(), bins);
    case 2: return Spec(mn, mn, bins);  // degenerate range: +-0.5
    default: return Spec(mn, mx, bins);
  }
}

/**
 * Summed over the interleaved copies: what the engine reads of a kernel's counts. The out-of-range slot is not
 * compared: nothing reads it, and the AVX-512 kernels count their masked-off tail lanes there.
 */
std::vector<uint64_t> bin_totals(const std::vector<uint64_t>& t, int bins) {
  std::vector<uint64_t> s((size_t)bins, 0);
  for (int k = 0; k < kHistCopies; k++)
    for (int i = 0; i < bins; i++) s[(size_t)i] += t[(size_t)k * (size_t)(bins + 1) + (size_t)i];
  return s;
}

void same_hist(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  checks++;
  for (size_t i = 0; i < a.size(); i++)
    if (a[i] != b[i]) {
      fail("histogram", "bin " + std::to_string(i) + ": " + std::to_string(a[i]) + " vs serial " + std::to_string(b[i]));
      return;
    }
}

std::vector<size_t> lengths() {
  std::vector<size_t> n;
  for (size_t i = 0; i <= 70; i++) n.push_back(i);
  for (size_t b : {64, 128, 256, 1000, 4096}) for (int d = -3; d <= 3; d++) n.push_back(b + (size_t)(int64_t)d);
  for (size_t d : {1, 3, 8, 17}) n.push_back(kBlock - d);
  n.push_back(kBlock);
  for (int i = 0; i < 8; i++) n.push_back(1 + below(kBlock));
  return n;
}

void kernel_checks(const KernelTable* k) {
  const KernelTable* s = &kSerialKernels;
  std::vector<uint8_t> buf(kBlock * 8 + 64);
  long runs = 0;
  for (Dt dt : kKernelTypes) {
    for (size_t n : lengths()) {
      const int reps = n <= 70 ? 3 : 1;
      for (int r = 0; r < reps; r++) {
        const Mode mode = (Mode)below(kModes);
        const double special = dt_is_float(dt) && rng() % 3 == 0 ? (rng() & 1 ? 0.02 : 0.5) : 0;
        const int placement = dt_is_float(dt) ? (int)below(9) : 0;
        const size_t mis = rng() % 3 == 0 ? 1 + below(7) : 0;  // unaligned starts
        uint8_t* p = buf.data() + mis;
        fill(dt, p, n, mode, special, placement);
        char w[160];
        std::snprintf(w, sizeof w, "%s kernel %s n=%zu %s special=%g placement=%d +%zu", k->isa, dt_name(dt), n, mode_name(mode), special, placement, mis);
        where = w;
        // Moments (n <= kBlock): any pivot gives the same answer.
        Partial ref, got;
        s->moments(dt, p, n, NAN, &ref);
        const double mean = ref.finite ? (ref.sum + ref.sum_c) / (double)ref.finite : 0;
        const std::vector<double> pivots = n <= 4096 ? std::vector<double>{NAN, 0.0, mean, mean + 1e6 * (1 + std::fabs(mean)), ref.finite ? ref.max : 1.0}
                                                      : std::vector<double>{NAN, mean};
        for (double pivot : pivots) {
          k->moments(dt, p, n, pivot, &got);
          const std::string w0 = where;
          where += " pivot=" + std::to_string(pivot);
          same_partial(got, ref, dt_is_integer(dt));
          where = w0;
        }
        // Histogram: one or two random specs over the data's finite range.
        for (int hs = 0; hs < (n > 1000 ? 1 : 2); hs++) {
          Spec sp = random_spec(ref.min, ref.max);
          std::vector<uint64_t> ta((size_t)(sp.h.bins + 1) * kHistCopies, 0), tb = ta;
          k->histogram(dt, p, n, sp.h, ta.data());
          s->histogram(dt, p, n, sp.h, tb.data());
          same_hist(bin_totals(ta, sp.h.bins), bin_totals(tb, sp.h.bins));
        }
        // Optional kernels: in-place every-second-element moments/histogram, strided compaction.
        if ((k->moments_s2 || k->histogram_s2 || k->compact) && n >= 1) {
          const int item = dt_itemsize(dt);
          std::vector<uint8_t> wide((2 * n - 1) * (size_t)item + 16), even(n * (size_t)item);
          fill(dt, wide.data() + 8, 2 * n - 1, mode, special, placement);
          for (size_t i = 0; i < n; i++) std::memcpy(even.data() + i * (size_t)item, wide.data() + 8 + 2 * i * (size_t)item, (size_t)item);
          if (k->moments_s2 && n <= kBlock) {
            Partial a, b;
            s->moments(dt, even.data(), n, NAN, &b);
            if (k->moments_s2(dt, wide.data() + 8, n, NAN, &a)) same_partial(a, b, dt_is_integer(dt));
          }
          if (k->histogram_s2) {
            Spec sp = random_spec(ref.min, ref.max);
            std::vector<uint64_t> ta((size_t)(sp.h.bins + 1) * kHistCopies, 0), tb = ta;
            s->histogram(dt, even.data(), n, sp.h, tb.data());
            if (k->histogram_s2(dt, wide.data() + 8, n, sp.h, ta.data())) same_hist(bin_totals(ta, sp.h.bins), bin_totals(tb, sp.h.bins));
          }
          if (k->compact) {
            std::vector<uint8_t> out(n * (size_t)item + 64, 0xcd);
            const size_t done = k->compact(wide.data() + 8, 2 * item, n, item, out.data());
            checks++;
            if (done > n || std::memcmp(out.data(), even.data(), done * (size_t)item) != 0) fail("compact", std::to_string(done) + " elements");
          }
        }
        runs++;
      }
    }
  }
  // Streaming-read probe: exact u64 sums, any length and start.
  for (size_t words : lengths()) {
    const size_t mis = below(8);
    for (size_t i = 0; i < words * 8 + mis; i++) buf[i] = (uint8_t)rng();
    where = std::string(k->isa) + " read_sum words=" + std::to_string(words);
    same_u("read_sum", k->read_sum(buf.data() + mis, words), s->read_sum(buf.data() + mis, words));
  }
  std::printf("%s: %ld kernel runs (moments, histogram, read_sum%s%s%s)\n", k->isa, runs, k->compact ? ", compact" : "",
              k->moments_s2 ? ", moments_s2" : "", k->histogram_s2 ? ", histogram_s2" : "");
}

// ---------------------------------------------------------------- leak scan

/** A scan index with its directory (scan_directory, as binding.cc's MarkPointers builds it). */
struct Index {
  std::vector<uint64_t> starts, ends;
  std::vector<uint32_t> dir;
  ScanIndex x;
  Index(std::vector<uint64_t> st, std::vector<uint64_t> en, bool interior) : starts(std::move(st)), ends(std::move(en)) {
    x = ScanIndex{starts.data(), ends.data(), starts.size(), 0, 0, interior, nullptr, 0};
    dir.resize(scan_directory(&x, nullptr));
    scan_directory(&x, dir.data());
  }
};

void scan_checks(const KernelTable* k) {
  long runs = 0;
  for (int it = 0; it < 400; it++) {
    // Blocks: sorted starts, 8-byte aligned, sizes 1 B .. 64 KiB; some overlap, some touch, some share a start.
    const size_t nblocks = 1 + below(it % 10 == 0 ? 2000 : 60);
    const uint64_t base = (rng() & 1 ? 0x7f0000000000ull : 0x555500000000ull) + (below(1 << 20) << 3);
    std::vector<uint64_t> st, en;
    uint64_t at = base;
    for (size_t i = 0; i < nblocks; i++) {
      const uint64_t size = 1 + below(rng() % 4 == 0 ? 65536 : 512);
      if (i > 0 && rng() % 8 == 0) at = st.back() + (rng() % 2 ? 0 : 8 * below(4));  // overlapping / same start
      st.push_back(at);
      en.push_back(at + size);
      at += ((size + 7) & ~7ull) + 8 * below(rng() % 3 == 0 ? 4 : 1000);
    }
    const bool interior = rng() & 1;
    Index ix(st, en, interior);
    // Words: mostly outside, some pointers to starts, interiors, ends, just below lo / at hi, the range ends.
    const size_t words = it < 100 ? (size_t)it : below(5000);
    std::vector<uint64_t> w(words + 1);
    for (size_t i = 0; i < words; i++) {
      const size_t b = below(nblocks);
      switch (below(12)) {
        case 0: w[i] = st[b]; break;
        case 1: w[i] = st[b] + below(en[b] - st[b] + 1); break;
        case 2: w[i] = en[b]; break;
        case 3: w[i] = ix.x.lo - 1 - below(2); break;
        case 4: w[i] = ix.x.hi - below(2); break;
        case 5: w[i] = ix.x.hi + below(1 << 20); break;
        case 6: w[i] = ~0ull - below(4); break;
        case 7: w[i] = below(4); break;
        default: w[i] = rng(); break;
      }
    }
    std::vector<uint8_t> ma(nblocks, 0), mb(nblocks, 0);
    for (size_t i = 0; i < nblocks; i++) if (rng() % 16 == 0) ma[i] = mb[i] = 1;  // already marked
    std::vector<uint32_t> na(nblocks), nbv(nblocks);
    size_t nna = 0, nnb = 0;
    where = std::string(k->isa) + " scan #" + std::to_string(it) + " blocks=" + std::to_string(nblocks) + " words=" + std::to_string(words) +
            (interior ? " interior" : " starts only");
    // Unaligned buffers too: the kernels take any byte address.
    std::vector<uint8_t> bytes(words * 8 + 8);
    const size_t mis = rng() % 4 == 0 ? 4 : 0;
    if (words) std::memcpy(bytes.data() + mis, w.data(), words * 8);
    k->scan(bytes.data() + mis, words, ix.x, ma.data(), na.data(), &nna);
    kSerialKernels.scan(bytes.data() + mis, words, ix.x, mb.data(), nbv.data(), &nnb);
    checks++;
    if (ma != mb) fail("scan marks", "differ");
    same_u("scan newly count", nna, nnb);
    checks++;
    if (nna == nnb && !std::equal(na.begin(), na.begin() + (ptrdiff_t)nna, nbv.begin())) fail("scan newly order", "differs");
    runs++;
  }
  std::printf("%s: %ld scan runs\n", k->isa, runs);
}

// ---------------------------------------------------------------- engine driver on strided views

struct RandomView {
  std::vector<uint8_t> buf;
  ViewDesc v;
  std::string label;
};

/** As makeCase in test/unit/nativeStats.test.ts: a strided window (flipped, broadcast, permuted, padded, unaligned). */
RandomView random_view(size_t max_elems) {
  RandomView r;
  const Dt dt = kAllTypes[below(15)];
  const int item = dt_itemsize(dt);
  const bool any_bytes = dt_is_integer(dt);
  const int nd = (int)below(5);
  int64_t shape[kMaxNdim], strides[kMaxNdim];
  for (int i = 0; i < nd; i++) shape[i] = rng() % 33 == 0 ? 0 : 1 + (int64_t)below(6);
  if (nd > 0 && rng() % 2) shape[below((uint64_t)nd)] = 1 + (int64_t)below(rng() % 3 == 0 ? 70000 : 3000);
  auto count = [&] { int64_t c = 1; for (int i = 0; i < nd; i++) c *= shape[i]; return c; };
  while ((size_t)count() > max_elems) *std::max_element(shape, shape + nd) >>= 1;
  std::vector<int> order(nd);
  for (int i = 0; i < nd; i++) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  int64_t acc = item * (rng() % 7 == 0 ? 2 : 1);
  for (int k = nd - 1; k >= 0; k--) {
    const int i = order[k];
    const int64_t step = rng() % 3 == 0 ? 2 + (int64_t)below(2) : 1;
    strides[i] = acc * step;
    acc *= std::max<int64_t>(1, shape[i] * step);
  }
  for (int i = 0; i < nd; i++) {
    if (rng() % 12 == 0) strides[i] = 0;
    else if (any_bytes && rng() % 5 == 0) strides[i] += 1 + (int64_t)below(3);
    if (rng() % 3 == 0) strides[i] = -strides[i];
  }
  int64_t lo = 0, hi = item;
  for (int i = 0; i < nd; i++) {
    const int64_t span = std::max<int64_t>(0, shape[i] - 1) * strides[i];
    if (span < 0) lo += span;
    else hi += span;
  }
  const int64_t mis = rng() % 3 == 0 ? 1 + (int64_t)below(item > 1 ? (uint64_t)item - 1 : 3) : 0;
  const int64_t offset = 16 - lo + mis;
  r.buf.assign((size_t)(offset + hi + 16), 0);
  const Mode mode = (Mode)below(kModes);
  const double special = rng() % 3 == 0 ? 0 : rng() % 10 == 0 ? 0.9 : 0.02;
  const size_t first = (size_t)(offset % item), slots = (r.buf.size() - first) / (size_t)item;
  fill(dt, r.buf.data() + first, slots, mode, special, (int)below(9));
  const bool swap = rng() % 10 < 3;
  if (swap) {
    const int unit = dt == Dt::C64 || dt == Dt::C128 ? item / 2 : item;  // complex: each part swapped
    for (size_t s = 0; s < slots * (size_t)item / (size_t)unit; s++) std::reverse(r.buf.begin() + (ptrdiff_t)(first + s * (size_t)unit), r.buf.begin() + (ptrdiff_t)(first + (s + 1) * (size_t)unit));
  }
  r.v.base = r.buf.data() + offset;
  r.v.dt = dt;
  r.v.swap = swap;
  r.v.nd = nd;
  std::string sh, stv;
  for (int i = 0; i < nd; i++) {
    r.v.shape[i] = shape[i];
    r.v.strides[i] = strides[i];
    sh += std::to_string(shape[i]) + (i + 1 < nd ? "," : "");
    stv += std::to_string(strides[i]) + (i + 1 < nd ? "," : "");
  }
  r.label = std::string(swap ? ">" : "<") + dt_name(dt) + "[" + sh + "] strides [" + stv + "] +" + std::to_string(mis) + " " + mode_name(mode);
  return r;
}

void engine_case(const KernelTable* k, const RandomView& rv, int threads) {
  const ViewDesc& v = rv.v;
  where = std::string(k->isa) + " engine " + rv.label + " threads=" + std::to_string(threads);
  Control ck{k, threads, nullptr}, cs{&kSerialKernels, threads, nullptr};
  MomentsResult a{}, b{};
  compute_moments(v, ck, &a);
  compute_moments(v, cs, &b);
  same_u("kind", (uint64_t)a.kind, (uint64_t)b.kind);
  same_u("count", a.count, b.count);
  same_counts(a, b);
  const bool wide_int = b.kind == ValueKind::Int64 || b.kind == ValueKind::UInt64;
  if (b.finite) {
    if (wide_int) {
      checks++;
      if (a.imin != b.imin || a.imax != b.imax) fail("int64 min/max", "differ");
    } else {
      same_d("min", a.min, b.min);
      same_d("max", a.max, b.max);
    }
    if (b.kind != ValueKind::Float) {
      checks++;
      if (a.isum != b.isum) fail("exact integer sum", fmt((double)a.isum, (double)b.isum));
    }
    const double mn = wide_int ? (double)b.imin : b.min, mx = wide_int ? (double)b.imax : b.max;
    same_moments(b.finite, a.sum, a.m2, b.sum, b.m2, mn, mx);
  }
  // numpy.histogram over the finite range (or a random one); 1-/2-byte views go by pattern table on SIMD tables.
  const double mn = wide_int ? (double)b.imin : b.min, mx = wide_int ? (double)b.imax : b.max;
  Spec sp = rng() % 3 ? Spec(b.finite ? mn : 0, b.finite ? mx : 1, std::vector<int>{1, 7, 10, 256}[below(4)]) : random_spec(mn, mx);
  std::vector<double> ha((size_t)sp.h.bins, 0), hb = ha;
  compute_histogram(v, sp.h, ck, &ha);
  compute_histogram(v, sp.h, cs, &hb);
  checks++;
  if (ha != hb) fail("engine histogram", "counts differ");
  if (dt_itemsize(v.dt) <= 2) {
    std::vector<double> pa, pb;
    compute_patterns(v, ck, &pa);
    compute_patterns(v, cs, &pb);
    checks++;
    if (pa != pb) fail("pattern table", "differs");
  }
}

void engine_checks(const KernelTable* k, int nviews) {
  for (int i = 0; i < nviews; i++) engine_case(k, random_view(60000), 1);
  // Two views past the 8 MiB threading threshold: split over 2 threads, partials merged.
  for (Dt dt : {Dt::F32, Dt::F64}) {
    RandomView rv;
    const size_t n = (9u << 20) / (size_t)dt_itemsize(dt) + 12345;
    rv.buf.resize(n * (size_t)dt_itemsize(dt) + 16);
    fill(dt, rv.buf.data(), n, Offset, 0.001, 3);
    rv.v = ViewDesc{};
    rv.v.base = rv.buf.data();
    rv.v.dt = dt;
    rv.v.nd = 1;
    rv.v.shape[0] = (int64_t)n;
    rv.v.strides[0] = dt_itemsize(dt);
    rv.label = std::string(dt_name(dt)) + "[" + std::to_string(n) + "] contiguous, offset";
    engine_case(k, rv, 2);
  }
  std::printf("%s: %d engine views + 2 threaded\n", k->isa, nviews);
}

}  // namespace

int main(int argc, char** argv) {
  const Dispatch& d = dispatch();
  std::printf("dispatch: best %s (%s); supported", d.best->isa, d.reason.c_str());
  for (const KernelTable* k : d.supported) std::printf(" %s", k->isa);
  std::printf("\n");
  if (argc > 1 && std::string(argv[1]) == "--dispatch") return 0;
  std::vector<const KernelTable*> tables;
  if (argc > 1) {
    for (int i = 1; i < argc; i++) {
      const KernelTable* k = find_kernels(argv[i]);
      if (!k) {
        std::printf("%s: not supported on this CPU\n", argv[i]);
        return 2;
      }
      tables.push_back(k);
    }
  } else {
    for (const KernelTable* k : d.supported)
      if (k != &kSerialKernels) tables.push_back(k);
  }
  if (const char* seed = std::getenv("ARRAYLENS_CHECK_SEED")) rng.seed(std::strtoull(seed, nullptr, 10));
  const int nviews = std::getenv("ARRAYLENS_CHECK_VIEWS") ? std::atoi(std::getenv("ARRAYLENS_CHECK_VIEWS")) : 400;
  for (const KernelTable* k : tables) {
    const long bad0 = bad, checks0 = checks;
    const auto t0 = std::chrono::steady_clock::now();
    kernel_checks(k);
    const auto t1 = std::chrono::steady_clock::now();
    scan_checks(k);
    const auto t2 = std::chrono::steady_clock::now();
    engine_checks(k, nviews);
    const auto t3 = std::chrono::steady_clock::now();
    auto ms = [](auto a, auto b) { return (long)std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count(); };
    std::printf("%s vs serial: checks %ld bad %ld (kernels %ld ms, scan %ld ms, engine %ld ms)\n", k->isa, checks - checks0, bad - bad0,
                ms(t0, t1), ms(t1, t2), ms(t2, t3));
  }
  std::printf("tables %zu checks %ld bad %ld\n", tables.size(), checks, bad);
  return bad == 0 && !tables.empty() ? 0 : 1;
}
