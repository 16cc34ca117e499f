// Types shared by every kernel: element types, per-block partial moments, the histogram spec, kernel table.
// Everything here is POD or `static inline` so per-ISA translation units never share an inline body.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

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
constexpr size_t kBlock = 8192;

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

/** numpy.histogram's bins for range (first, last): edges as histogramSpec gives them (bins + 1 values). */
struct HistSpec {
  double first, last;
  const double* edges;
  int32_t bins;
};

/** Counts are `copies` interleaved tables of (bins + 1) slots; slot `bins` takes values outside the range. */
constexpr int kHistCopies = 4;

using MomentsFn = void (*)(Dt, const void*, size_t, Partial*);
using HistogramFn = void (*)(Dt, const void*, size_t, const HistSpec&, uint64_t*);
using ReadSumFn = uint64_t (*)(const uint8_t*, size_t);

struct KernelTable {
  const char* isa;
  MomentsFn moments;      // n <= kBlock, kernel types only
  HistogramFn histogram;  // any n, kernel types only
  ReadSumFn read_sum;     // sum of the little u64 words of a buffer: the streaming-read bandwidth probe
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

}  // namespace arraylens
