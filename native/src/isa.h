// The kernel tables each per-ISA file defines, and the one place that picks among them (dispatch.cc).
#pragma once
#include <string>
#include <vector>
#include "arraylens/common.h"

namespace arraylens {

extern const KernelTable kSerialKernels;
#if defined(__x86_64__)
extern const KernelTable kAvx2Kernels;
extern const KernelTable kAvx512Kernels;
#endif
#if defined(__aarch64__)
extern const KernelTable kNeonKernels;
#endif

struct Dispatch {
  const KernelTable* best;
  std::string reason;                           // why `best` was chosen, for the loader's one-line report
  std::vector<const KernelTable*> supported;    // every table this CPU can run, best first
};

/** Detected once (cpuid / XCR0 via __builtin_cpu_supports); ARRAYLENS_NATIVE_ISA=serial|avx2|avx512|neon caps it. */
const Dispatch& dispatch();

/** The table named `isa` if this CPU runs it, else nullptr. */
const KernelTable* find_kernels(const std::string& isa);

}  // namespace arraylens
