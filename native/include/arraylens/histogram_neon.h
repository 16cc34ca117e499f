// Pass two, NEON (arm64): the bin rule is division-bound and branchy; the scalar reference is used as is.
#pragma once
#if defined(__aarch64__)
#include "histogram_serial.h"

namespace arraylens {
namespace neon {

static void histogram(Dt dt, const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  serial::histogram(dt, p, n, h, counts);
}

}  // namespace neon
}  // namespace arraylens
#endif
