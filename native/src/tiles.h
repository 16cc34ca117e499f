// Internal to the driver: converting element bytes into the tiles the kernels take (byte-swapped, strided,
// 64-bit integers, complex magnitudes), and the Tiler that feeds contiguous runs or tiles to a kernel.
#pragma once
#include <cmath>
#include <cstring>
#include <vector>

#include "engine.h"

namespace arraylens {

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

/** bool bytes -> 0/1: NumPy reads any nonzero byte as True, so 0/255 bytes have max 1, sum = count of nonzero. */
inline void gather_bool(const uint8_t* p, int64_t stride, size_t cnt, uint8_t* out) {
  for (size_t i = 0; i < cnt; i++, p += stride) out[i] = *p != 0;
}

inline GatherFn copy_fn(int size, bool swap) {
  switch (size) {
    case 1: return gather_copy<1, false>;
    case 2: return swap ? gather_copy<2, true> : gather_copy<2, false>;
    case 4: return swap ? gather_copy<4, true> : gather_copy<4, false>;
    case 8: return swap ? gather_copy<8, true> : gather_copy<8, false>;
    default: return gather_copy<16, false>;  // unused: plan() turns complex128 into magnitudes
  }
}

struct TilePlan {
  Dt tdt;           // type of the tile the kernels get
  GatherFn gather;  // element bytes -> tile entries
  bool direct;      // contiguous runs can skip the tile
};

/** int64/uint64 stay integers for moments (exact sums); histogram and percentiles see them as float64. */
inline TilePlan plan(Dt dt, bool swap, bool int64_exact) {
  switch (dt) {
    case Dt::Bool: return {Dt::Bool, gather_bool, false};  // never handed to a kernel as raw bytes
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

}  // namespace arraylens
