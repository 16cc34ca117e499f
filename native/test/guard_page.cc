// Views whose last byte is the last byte before a PROT_NONE page, so any read past a view faults: float16/32/64,
// contiguous, every second and every third element, 1 and 3 rows, 1..300 elements a row, every ISA this CPU
// runs (contiguous kernels, in-place [:, ::2] loads, permute/gather compaction, masked tails). Built and run by
// test/unit/nativeChecks.test.ts; prints "no fault" and exits 0.
#include <sys/mman.h>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include "engine.h"
using namespace arraylens;
int main() {
  const size_t pg = 4096;
  uint8_t* m = (uint8_t*)mmap(nullptr, 64 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(m + 63 * pg, pg, PROT_NONE);
  uint8_t* end = m + 63 * pg;
  for (size_t i = 0; i < 63 * pg; i += 4) { float f = (float)((i * 2654435761u) % 1000) - 500; memcpy(m + i, &f, 4); }
  int runs = 0;
  std::string isas;
  for (const char* isa : {"avx512", "avx2", "neon", "serial"}) {
    const KernelTable* k = find_kernels(isa);
    if (!k) continue;
    isas += std::string(isas.empty() ? "" : ", ") + isa;
    for (int item : {2, 4, 8}) for (int64_t step : {1, 2, 3}) for (int64_t n = 1; n <= 300; n += (n < 70 ? 1 : 37)) for (int rows : {1, 3}) {
      Dt dt = item == 2 ? Dt::F16 : item == 4 ? Dt::F32 : Dt::F64;
      int64_t rowbytes = n * step * item + (step == 1 ? 0 : item);  // rows padded
      ViewDesc v{}; v.dt = dt; v.nd = 2; v.shape[0] = rows; v.shape[1] = n; v.strides[0] = rowbytes; v.strides[1] = step * item;
      size_t span = (size_t)((rows - 1) * rowbytes + (n - 1) * step * item + item);
      v.base = end - span;
      Control c{k, 1, nullptr};
      MomentsResult r{}; compute_moments(v, c, &r);
      std::vector<double> e(65); for (int i = 0; i <= 64; i++) e[i] = -500 + i * (1000.0 / 64); e[64] = 500;
      HistSpec h{-500, 500, e.data(), 64}; std::vector<double> counts(64, 0);
      compute_histogram(v, h, c, &counts);
      runs++;
    }
  }
  printf("guard-page runs: %d (%s), no fault\n", runs, isas.c_str());
  return runs > 0 ? 0 : 1;
}
