// AVX2 loaders: 4 elements of each kernel type widened exactly to 4 float64 lanes (F16C for float16).
#pragma once
#include <immintrin.h>
#include "common.h"

namespace arraylens {
namespace avx2 {

static inline __m128i load32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm_cvtsi32_si128(v);
}

struct LF32 { using T = float; static constexpr bool classify = true, compensate = true;
  static __m256d load(const T* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); } };
struct LF64 { using T = double; static constexpr bool classify = true, compensate = true;
  static __m256d load(const T* p) { return _mm256_loadu_pd(p); } };
struct LF16 { using T = uint16_t; static constexpr bool classify = true, compensate = false;
  static __m256d load(const T* p) { return _mm256_cvtps_pd(_mm_cvtph_ps(_mm_loadl_epi64((const __m128i*)p))); } };
struct LBF16 { using T = uint16_t; static constexpr bool classify = true, compensate = true;
  static __m256d load(const T* p) {
    return _mm256_cvtps_pd(_mm_castsi128_ps(_mm_slli_epi32(_mm_cvtepu16_epi32(_mm_loadl_epi64((const __m128i*)p)), 16))); } };
struct LI8 { using T = int8_t; static constexpr bool classify = false, compensate = false;
  static __m256d load(const T* p) { return _mm256_cvtepi32_pd(_mm_cvtepi8_epi32(load32(p))); } };
struct LU8 { using T = uint8_t; static constexpr bool classify = false, compensate = false;
  static __m256d load(const T* p) { return _mm256_cvtepi32_pd(_mm_cvtepu8_epi32(load32(p))); } };
struct LI16 { using T = int16_t; static constexpr bool classify = false, compensate = false;
  static __m256d load(const T* p) { return _mm256_cvtepi32_pd(_mm_cvtepi16_epi32(_mm_loadl_epi64((const __m128i*)p))); } };
struct LU16 { using T = uint16_t; static constexpr bool classify = false, compensate = false;
  static __m256d load(const T* p) { return _mm256_cvtepi32_pd(_mm_cvtepu16_epi32(_mm_loadl_epi64((const __m128i*)p))); } };
struct LI32 { using T = int32_t; static constexpr bool classify = false, compensate = false;
  static __m256d load(const T* p) { return _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i*)p)); } };
struct LU32 { using T = uint32_t; static constexpr bool classify = false, compensate = false;
  static __m256d load(const T* p) {
    // No unsigned conversion before AVX-512: convert as signed, add 2^32 where the top bit was set (exact).
    __m256d d = _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i*)p));
    return _mm256_add_pd(d, _mm256_and_pd(_mm256_cmp_pd(d, _mm256_setzero_pd(), _CMP_LT_OQ), _mm256_set1_pd(4294967296.0))); } };

template <class F>
static inline void with_loader(Dt dt, F&& f) {
  switch (dt) {
    case Dt::Bool: case Dt::U8: return f(LU8{});
    case Dt::I8: return f(LI8{});
    case Dt::I16: return f(LI16{});
    case Dt::U16: return f(LU16{});
    case Dt::I32: return f(LI32{});
    case Dt::U32: return f(LU32{});
    case Dt::F16: return f(LF16{});
    case Dt::BF16: return f(LBF16{});
    case Dt::F32: return f(LF32{});
    case Dt::F64: return f(LF64{});
    default: return;
  }
}

/** Lane mask of the first `rem` of 8 float32 lanes. */
static inline __m256 lane_mask8(size_t rem) {
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}

/** Lane mask of the first `rem` of 4 lanes. */
static inline __m256d lane_mask(size_t rem) {
  return _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)rem), _mm256_setr_epi64x(0, 1, 2, 3)));
}

}  // namespace avx2
}  // namespace arraylens
