// NEON kernels (arm64 only; NEON is part of the arm64 baseline, so no extra flags).
#include "isa.h"
#if defined(__aarch64__)
#include "arraylens/histogram_neon.h"
#include "arraylens/moments_neon.h"
#include "arraylens/readsum_neon.h"
#include "arraylens/scan_neon.h"

namespace arraylens {
const KernelTable kNeonKernels = {"neon", neon::moments, neon::histogram, neon::read_sum, nullptr, nullptr, nullptr, neon::scan};
}
#endif
