// AVX2 + F16C + FMA kernels. This file alone is compiled with -mavx2 -mf16c -mfma (a static library of its own
// in binding.gyp); nothing from it runs unless dispatch.cc saw those features on the CPU.
#include "isa.h"
#if defined(__x86_64__)
#include "arraylens/histogram_avx2.h"
#include "arraylens/moments_avx2.h"
#include "arraylens/readsum_avx2.h"
#include "arraylens/scan_avx2.h"

namespace arraylens {
const KernelTable kAvx2Kernels = {"avx2", avx2::moments, avx2::histogram, avx2::read_sum, nullptr, nullptr, nullptr, avx2::scan};
}
#endif
