// Runtime dispatch: which instruction sets this CPU (and OS) supports, decided once.
#include <cstdlib>
#include "isa.h"

namespace arraylens {

static Dispatch detect() {
  Dispatch d;
  std::string why;
#if defined(__x86_64__)
  __builtin_cpu_init();
  // libgcc's checks include XCR0, so these are false where the OS does not save AVX/AVX-512 state.
  bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("f16c");
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") && __builtin_cpu_supports("fma");
  if (avx512) d.supported.push_back(&kAvx512Kernels);
  if (avx2) d.supported.push_back(&kAvx2Kernels);
  why = avx512 ? "CPU has AVX-512 F/BW/DQ/VL and F16C" : avx2 ? "CPU has AVX2, F16C and FMA but not AVX-512 F/BW/DQ/VL"
                                                               : "CPU lacks AVX2/F16C/FMA";
#elif defined(__aarch64__)
  d.supported.push_back(&kNeonKernels);
  why = "arm64: NEON is always present";
#else
  why = "no SIMD kernels for this architecture";
#endif
  d.supported.push_back(&kSerialKernels);
  d.best = d.supported.front();
  const char* cap = std::getenv("ARRAYLENS_NATIVE_ISA");
  if (cap && *cap) {
    const KernelTable* want = nullptr;
    for (const KernelTable* t : d.supported)
      if (std::string(t->isa) == cap) want = t;
    if (want) {
      d.best = want;
      why = std::string("ARRAYLENS_NATIVE_ISA=") + cap + " (" + why + ")";
    } else {
      why += std::string("; ARRAYLENS_NATIVE_ISA=") + cap + " ignored: not supported here";
    }
  }
  d.reason = why;
  return d;
}

const Dispatch& dispatch() {
  static const Dispatch d = detect();
  return d;
}

const KernelTable* find_kernels(const std::string& isa) {
  for (const KernelTable* t : dispatch().supported)
    if (isa == t->isa) return t;
  return nullptr;
}

}  // namespace arraylens
