// AVX-512 loaders: 8 elements of each kernel type widened exactly to 8 float64 lanes (F16C for float16).
#pragma once
#include <immintrin.h>
#include "common.h"

namespace arraylens {
namespace avx512 {

// classify: the type has NaN/Inf; compensate: sums need TwoSum (float16 and <=32-bit integers sum exactly in
// float64 over one block: 2^13 values per lane at most).
struct LF32 { using T = float; static constexpr bool classify = true, compensate = true;
  static __m512d load(const T* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); } };
struct LF64 { using T = double; static constexpr bool classify = true, compensate = true;
  static __m512d load(const T* p) { return _mm512_loadu_pd(p); } };
struct LF16 { using T = uint16_t; static constexpr bool classify = true, compensate = false;
  static __m512d load(const T* p) { return _mm512_cvtps_pd(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p))); } };
struct LBF16 { using T = uint16_t; static constexpr bool classify = true, compensate = true;
  static __m512d load(const T* p) {
    __m256i w = _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p)), 16);
    return _mm512_cvtps_pd(_mm256_castsi256_ps(w)); } };
struct LI8 { using T = int8_t; static constexpr bool classify = false, compensate = false;
  static __m512d load(const T* p) { return _mm512_cvtepi32_pd(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)p))); } };
struct LU8 { using T = uint8_t; static constexpr bool classify = false, compensate = false;
  static __m512d load(const T* p) { return _mm512_cvtepi32_pd(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)p))); } };
struct LI16 { using T = int16_t; static constexpr bool classify = false, compensate = false;
  static __m512d load(const T* p) { return _mm512_cvtepi32_pd(_mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i*)p))); } };
struct LU16 { using T = uint16_t; static constexpr bool classify = false, compensate = false;
  static __m512d load(const T* p) { return _mm512_cvtepi32_pd(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p))); } };
struct LI32 { using T = int32_t; static constexpr bool classify = false, compensate = false;
  static __m512d load(const T* p) { return _mm512_cvtepi32_pd(_mm256_loadu_si256((const __m256i*)p)); } };
struct LU32 { using T = uint32_t; static constexpr bool classify = false, compensate = false;
  static __m512d load(const T* p) { return _mm512_cvtepu32_pd(_mm256_loadu_si256((const __m256i*)p)); } };

/** Calls f(L) with the loader of a kernel type. */
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

}  // namespace avx512
}  // namespace arraylens
