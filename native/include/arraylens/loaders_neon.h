// NEON loaders (arm64): 4 elements of each kernel type widened exactly to two float64x2 halves (FCVTL for
// float16, a shift for bfloat16). Each reads exactly 4 elements, never more.
#pragma once
#if defined(__aarch64__)
#include <arm_neon.h>
#include "common.h"

namespace arraylens {
namespace neon {

/** Elements 0-1 and 2-3 of a group of 4, as float64. */
struct Quad {
  float64x2_t lo, hi;
};

static inline Quad quad_f32(float32x4_t v) { return {vcvt_f64_f32(vget_low_f32(v)), vcvt_high_f64_f32(v)}; }
static inline Quad quad_s32(int32x4_t v) { return {vcvtq_f64_s64(vmovl_s32(vget_low_s32(v))), vcvtq_f64_s64(vmovl_high_s32(v))}; }
static inline Quad quad_u32(uint32x4_t v) { return {vcvtq_f64_u64(vmovl_u32(vget_low_u32(v))), vcvtq_f64_u64(vmovl_high_u32(v))}; }
static inline uint8x8_t load4_u8(const void* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return vreinterpret_u8_u32(vdup_n_u32(w));
}

struct NF32 { using T = float; static constexpr bool classify = true, compensate = true;
  static Quad load(const T* p) { return quad_f32(vld1q_f32(p)); } };
struct NF64 { using T = double; static constexpr bool classify = true, compensate = true;
  static Quad load(const T* p) { return {vld1q_f64(p), vld1q_f64(p + 2)}; } };
struct NF16 { using T = uint16_t; static constexpr bool classify = true, compensate = true;
  static Quad load(const T* p) { return quad_f32(vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)))); } };
struct NBF16 { using T = uint16_t; static constexpr bool classify = true, compensate = true;
  static Quad load(const T* p) { return quad_f32(vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16))); } };
struct NI8 { using T = int8_t; static constexpr bool classify = false, compensate = false;
  static Quad load(const T* p) { return quad_s32(vmovl_s16(vget_low_s16(vmovl_s8(vreinterpret_s8_u8(load4_u8(p)))))); } };
struct NU8 { using T = uint8_t; static constexpr bool classify = false, compensate = false;
  static Quad load(const T* p) { return quad_u32(vmovl_u16(vget_low_u16(vmovl_u8(load4_u8(p))))); } };
struct NI16 { using T = int16_t; static constexpr bool classify = false, compensate = false;
  static Quad load(const T* p) { return quad_s32(vmovl_s16(vld1_s16(p))); } };
struct NU16 { using T = uint16_t; static constexpr bool classify = false, compensate = false;
  static Quad load(const T* p) { return quad_u32(vmovl_u16(vld1_u16(p))); } };
struct NI32 { using T = int32_t; static constexpr bool classify = false, compensate = false;
  static Quad load(const T* p) { return quad_s32(vld1q_s32(p)); } };
struct NU32 { using T = uint32_t; static constexpr bool classify = false, compensate = false;
  static Quad load(const T* p) { return quad_u32(vld1q_u32(p)); } };

template <class F>
static inline void with_loader(Dt dt, F&& f) {
  switch (dt) {
    case Dt::Bool: case Dt::U8: return f(NU8{});
    case Dt::I8: return f(NI8{});
    case Dt::I16: return f(NI16{});
    case Dt::U16: return f(NU16{});
    case Dt::I32: return f(NI32{});
    case Dt::U32: return f(NU32{});
    case Dt::F16: return f(NF16{});
    case Dt::BF16: return f(NBF16{});
    case Dt::F32: return f(NF32{});
    case Dt::F64: return f(NF64{});
    default: return;
  }
}

/** The first r < 4 elements at p, zeros after them, read without touching anything past element r - 1. */
template <class L>
static inline Quad load_part(const typename L::T* p, size_t r) {
  typename L::T t[4] = {};
  std::memcpy(t, p, r * sizeof(typename L::T));
  return L::load(t);
}

/** Lane masks (all-ones = valid) of the first r of 4 elements, as the lo and hi halves. */
static inline void part_masks(size_t r, uint64x2_t* lo, uint64x2_t* hi) {
  const uint64x2_t idx_lo = {0, 1}, idx_hi = {2, 3}, rv = vdupq_n_u64(r);
  *lo = vcltq_u64(idx_lo, rv);
  *hi = vcltq_u64(idx_hi, rv);
}

}  // namespace neon
}  // namespace arraylens
#endif
