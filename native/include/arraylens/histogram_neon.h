// Pass two, NEON (arm64): float32 takes the proven float32 fast path on 4 float32 lanes (see hist_prepare32 in
// common.h); every other type numpy.histogram's bin index on float64x2 lanes (exact division), scalar edge checks.
// Element i goes to counts copy i & 3, as in the serial kernel.
#pragma once
#if defined(__aarch64__)
#include "histogram_serial.h"
#include "loaders_neon.h"

namespace arraylens {
namespace neon {

/** Two values of copies j0, j0 + 1: range test and q = ((x - first) / delta) * bins as bin_index computes them. */
static inline void hist_pair(float64x2_t x, uint64x2_t kv, int j0, const HistSpec& h, float64x2_t first, float64x2_t last,
                             float64x2_t delta, float64x2_t nb, uint64_t* counts, size_t stride) {
  const uint64x2_t in = vandq_u64(kv, vandq_u64(vcgeq_f64(x, first), vcleq_f64(x, last)));
  const float64x2_t q = vmulq_f64(vdivq_f64(vsubq_f64(x, first), delta), nb);
  const uint64x2_t degen = vbicq_u64(in, vcgezq_f64(q));  // 0/0 (or inf/inf): bin 0, as bin_index
  // trunc(q) clamped to [0, bins - 1]: for an in-range x, q lies in [0, bins] (i == bins is bin_index's i--).
  const int32x2_t i = vmin_s32(vmax_s32(vqmovn_s64(vcvtq_s64_f64(q)), vdup_n_s32(0)), vdup_n_s32(h.bins - 1));
  for (int j = 0; j < 2; j++) {
    const bool lane_in = j == 0 ? vgetq_lane_u64(in, 0) : vgetq_lane_u64(in, 1);
    const bool lane_degen = j == 0 ? vgetq_lane_u64(degen, 0) : vgetq_lane_u64(degen, 1);
    const double xj = j == 0 ? vgetq_lane_f64(x, 0) : vgetq_lane_f64(x, 1);
    const int32_t ij = j == 0 ? vget_lane_s32(i, 0) : vget_lane_s32(i, 1);
    const int32_t b = !lane_in ? h.bins : lane_degen ? 0 : bin_fixup(xj, ij, h);
    if (j == 0 ? vgetq_lane_u64(kv, 0) : vgetq_lane_u64(kv, 1)) counts[(size_t)(j0 + j) * stride + (size_t)b]++;
  }
}

template <class L>
static void histogram_run(const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  using T = typename L::T;
  const T* a = (const T*)p;
  const size_t stride = (size_t)h.bins + 1;
  const float64x2_t first = vdupq_n_f64(h.first), last = vdupq_n_f64(h.last);
  const float64x2_t delta = vdupq_n_f64(h.last - h.first), nb = vdupq_n_f64((double)h.bins);
  const uint64x2_t all = vdupq_n_u64(~0ull);
  const size_t full = n / 4, rem = n % 4;
  for (size_t i = 0; i < full; i++) {
    __builtin_prefetch((const char*)(a + i * 4) + 1024);
    const Quad x = L::load(a + i * 4);
    hist_pair(x.lo, all, 0, h, first, last, delta, nb, counts, stride);
    hist_pair(x.hi, all, 2, h, first, last, delta, nb, counts, stride);
  }
  if (rem) {
    uint64x2_t klo, khi;
    part_masks(rem, &klo, &khi);
    const Quad x = load_part<L>(a + full * 4, rem);
    hist_pair(x.lo, klo, 0, h, first, last, delta, nb, counts, stride);
    hist_pair(x.hi, khi, 2, h, first, last, delta, nb, counts, stride);
  }
}

/**
 * Float32 fast path: q = (x - first32) * scale32 in float32 (bit for bit hist_q32), trunc(q) where its fraction is
 * clear of the integers by tol32 (proven equal to bin_index), the exact rule for the other in-range lanes.
 */
static inline void hist4_f32(float32x4_t x, const HistSpec& h, float32x4_t lo, float32x4_t hi, float32x4_t F, float32x4_t S,
                             float32x4_t tol, float32x4_t tol1, int32x4_t trash, int32x4_t off, uint64_t* counts) {
  const uint32x4_t in = vandq_u32(vcgeq_f32(x, lo), vcleq_f32(x, hi));
  const float32x4_t q = vmulq_f32(vsubq_f32(x, F), S);
  const float32x4_t t = vrndq_f32(q);  // toward zero
  const float32x4_t f = vsubq_f32(q, t);
  const uint32x4_t fast = vandq_u32(in, vandq_u32(vcgtq_f32(f, tol), vcltq_f32(f, tol1)));
  int32_t b[4];
  vst1q_s32(b, vaddq_s32(vbslq_s32(fast, vcvtq_s32_f32(t), trash), off));
  const uint32x4_t slow = vbicq_u32(in, fast);
  if (vmaxvq_u32(slow)) {
    float xs[4];
    uint32_t sl[4];
    vst1q_f32(xs, x);
    vst1q_u32(sl, slow);
    for (int j = 0; j < 4; j++)
      if (sl[j]) b[j] = bin_index((double)xs[j], h) + j * (h.bins + 1);
  }
  for (int j = 0; j < 4; j++) counts[b[j]]++;
}

static void histogram_f32(const float* a, size_t n, const HistSpec& h, uint64_t* counts) {
  const int32_t stride = h.bins + 1;
  const float32x4_t lo = vdupq_n_f32(h.lo32), hi = vdupq_n_f32(h.hi32), F = vdupq_n_f32(h.first32), S = vdupq_n_f32(h.scale32);
  const float32x4_t tol = vdupq_n_f32(h.tol32), tol1 = vdupq_n_f32(1.0f - h.tol32);
  const int32x4_t trash = vdupq_n_s32(h.bins);
  const int32x4_t off = vmulq_n_s32(int32x4_t{0, 1, 2, 3}, stride);  // copy j of 4 for lane j (i & 3 == j)
  const size_t full = n / 8;
  for (size_t i = 0; i < full; i++) {
    __builtin_prefetch((const char*)(a + i * 8) + 2048);
    hist4_f32(vld1q_f32(a + i * 8), h, lo, hi, F, S, tol, tol1, trash, off, counts);
    hist4_f32(vld1q_f32(a + i * 8 + 4), h, lo, hi, F, S, tol, tol1, trash, off, counts);
  }
  // Fewer than 8 left: whole vectors while 4 remain, then the scalar rule (no read past the last element).
  size_t i = full * 8;
  if (i + 4 <= n) {
    hist4_f32(vld1q_f32(a + i), h, lo, hi, F, S, tol, tol1, trash, off, counts);
    i += 4;
  }
  for (; i < n; i++) counts[(i & (kHistCopies - 1)) * (size_t)stride + (size_t)bin_index((double)a[i], h)]++;
}

static void histogram(Dt dt, const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  if (h.fast32 && dt == Dt::F32) return histogram_f32((const float*)p, n, h, counts);
  with_loader(dt, [&](auto l) { histogram_run<decltype(l)>(p, n, h, counts); });
}

}  // namespace neon
}  // namespace arraylens
#endif
