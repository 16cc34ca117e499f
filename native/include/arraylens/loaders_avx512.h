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

/** The float64 halves of 16 float32 lanes. */
struct M16Halves {
  template <class T> static __m512d lo(const T*, __m512 x) { return _mm512_cvtps_pd(_mm512_castps512_ps256(x)); }
  template <class T> static __m512d hi(const T*, __m512 x) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)); }
};

// 16-lane loaders for the types whose every value is an exact float32 (moments_block16): load 16 elements,
// load_masked the first r < 16 (the rest 0, nothing read past them), one a single element.
struct M16F32 { using T = float; static constexpr bool classify = true, integer = false, half = false; static constexpr size_t S = 1;
  static __m512 load(const T* p) { return _mm512_loadu_ps(p); }
  static __m512d lo(const T* p, __m512) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
  static __m512d hi(const T* p, __m512) { return _mm512_cvtps_pd(_mm256_loadu_ps(p + 8)); }
  static __m512 load_masked(const T* p, size_t r) { return _mm512_maskz_loadu_ps((__mmask16)((1u << r) - 1), p); }
  static float one(const T* p) { return *p; } };
struct M16F16 : M16Halves { using T = uint16_t; static constexpr bool classify = true, integer = false, half = true; static constexpr size_t S = 1;
  static __m512 load(const T* p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)p)); }
  static __m512 load_masked(const T* p, size_t r) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16((__mmask16)((1u << r) - 1), p)); }
  static float one(const T* p) { return half_to_float(*p); } };
struct M16BF16 : M16Halves { using T = uint16_t; static constexpr bool classify = true, integer = false, half = false; static constexpr size_t S = 1;
  static __m512 widen(__m256i w) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(w), 16)); }
  static __m512 load(const T* p) { return widen(_mm256_loadu_si256((const __m256i*)p)); }
  static __m512 load_masked(const T* p, size_t r) { return widen(_mm256_maskz_loadu_epi16((__mmask16)((1u << r) - 1), p)); }
  static float one(const T* p) { return bf16_to_float(*p); } };
struct M16I16 : M16Halves { using T = int16_t; static constexpr bool classify = false, integer = true, half = false; static constexpr size_t S = 1;
  static __m512 load(const T* p) { return _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i*)p))); }
  static __m512 load_masked(const T* p, size_t r) { return _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16((__mmask16)((1u << r) - 1), p))); }
  static float one(const T* p) { return (float)*p; } };
struct M16U16 : M16Halves { using T = uint16_t; static constexpr bool classify = false, integer = true, half = false; static constexpr size_t S = 1;
  static __m512 load(const T* p) { return _mm512_cvtepi32_ps(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)p))); }
  static __m512 load_masked(const T* p, size_t r) { return _mm512_cvtepi32_ps(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16((__mmask16)((1u << r) - 1), p))); }
  static float one(const T* p) { return (float)*p; } };
struct M16I8 : M16Halves { using T = int8_t; static constexpr bool classify = false, integer = true, half = false; static constexpr size_t S = 1;
  static __m512 load(const T* p) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)p))); }
  static __m512 load_masked(const T* p, size_t r) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8((__mmask16)((1u << r) - 1), p))); }
  static float one(const T* p) { return (float)*p; } };
struct M16U8 : M16Halves { using T = uint8_t; static constexpr bool classify = false, integer = true, half = false; static constexpr size_t S = 1;
  static __m512 load(const T* p) { return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)p))); }
  static __m512 load_masked(const T* p, size_t r) { return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8((__mmask16)((1u << r) - 1), p))); }
  static float one(const T* p) { return (float)*p; } };

// Every second element (a `[:, ::2]` run read in place): 32 elements loaded, the even ones kept. load() may read
// up to the element after the 16th (callers load whole vectors only while a later element exists);
// load_masked(p, r) reads exactly elements 0 .. 2r - 2.
static inline __m512i even_dwords() { return _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30); }
struct M16F32S2 : M16Halves { using T = float; static constexpr bool classify = true, integer = false, half = false; static constexpr size_t S = 2;
  static __m512 load(const T* p) { return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even_dwords(), _mm512_loadu_ps(p + 16)); }
  static __m512 load_masked(const T* p, size_t r) {
    const uint32_t m = (uint32_t)((1ull << (2 * r - 1)) - 1);
    return _mm512_permutex2var_ps(_mm512_maskz_loadu_ps((__mmask16)m, p), even_dwords(), _mm512_maskz_loadu_ps((__mmask16)(m >> 16), p + 16)); }
  static float one(const T* p) { return *p; } };
struct M16F16S2 : M16Halves { using T = uint16_t; static constexpr bool classify = true, integer = false, half = true; static constexpr size_t S = 2;
  static __m512 load(const T* p) { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_loadu_si512((const void*)p))); }
  static __m512 load_masked(const T* p, size_t r) {
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_maskz_loadu_epi16((__mmask32)((1ull << (2 * r - 1)) - 1), p))); }
  static float one(const T* p) { return half_to_float(*p); } };

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
