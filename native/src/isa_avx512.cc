// AVX-512 (F, BW, DQ, VL) + F16C kernels. Compiled alone with the AVX-512 flags (binding.gyp); dispatch.cc only
// picks them on CPUs (and kernels) that enable AVX-512 state.
#include "isa.h"
#if defined(__x86_64__)
#include "arraylens/compact_avx512.h"
#include "arraylens/histogram_avx512.h"
#include "arraylens/moments_avx512.h"
#include "arraylens/readsum_avx512.h"
#include "arraylens/scan_avx512.h"

namespace arraylens {
const KernelTable kAvx512Kernels = {"avx512", avx512::moments, avx512::histogram, avx512::read_sum, avx512::compact, avx512::moments_s2, avx512::histogram_s2, avx512::scan};
}
#endif
