// The float32 histogram shortcut (hist_prepare32 in common.h) against numpy's rule (bin_index): for 4000 random
// specs (wide, narrow, few-ulp, huge, offset ranges; 1..4096 bins, edges as histogramSpec makes them), every float
// within 40 ulps of every edge and 2000 random floats in range; wherever the shortcut claims a bin it must be
// bin_index's. Built and run by test/unit/nativeChecks.test.ts; prints "bad 0" when all agree.
#include <cstdio>
#include <random>
#include <vector>
#include "arraylens/common.h"
using namespace arraylens;
int main() {
  std::mt19937_64 rng(42);
  long checked = 0, claimed = 0, bad = 0, specs = 0, fast = 0;
  for (int it = 0; it < 4000; it++) {
    int bins = std::vector<int>{1, 2, 3, 7, 10, 64, 100, 255, 256, 1000, 4096}[rng() % 11];
    std::uniform_real_distribution<double> u(0, 1);
    double a, b;
    int mode = rng() % 5;
    float fa = (float)((u(rng) - 0.5) * std::pow(10.0, (int)(rng() % 20) - 10));
    float fb;
    if (mode == 0) fb = fa + (float)(u(rng) * std::pow(10.0, (int)(rng() % 20) - 10));
    else if (mode == 1) fb = f32_unkey(f32_key(fa) + 1 + rng() % 5000);  // few ulps wide
    else if (mode == 2) { fa = -(float)u(rng) * 1e30f; fb = (float)u(rng) * 1e30f; }
    else if (mode == 3) { fa = 1e6f + (float)u(rng); fb = fa + 0.01f * (float)u(rng); }
    else fb = fa + (float)u(rng) * std::fabs(fa) * 3;
    if (fb < fa) std::swap(fa, fb);
    a = fa; b = fb;
    if (a == b) { a -= 0.5; b += 0.5; }
    std::vector<double> e(bins + 1);
    double delta = b - a, step = delta / bins;
    for (int i = 0; i <= bins; i++) e[i] = step == 0 ? ((double)i / bins) * delta + a : i * step + a;
    e[bins] = b;
    HistSpec h{a, b, e.data(), bins};
    hist_prepare32(&h);
    specs++;
    if (!h.fast32) continue;
    fast++;
    auto check = [&](float x) {
      if (!(x >= h.lo32 && x <= h.hi32)) return;
      checked++;
      float q = hist_q32(x, h);
      float t = std::trunc(q), f = q - t;
      if (!(f > h.tol32 && f < 1.0f - h.tol32)) return;
      claimed++;
      int k = (int)t;
      if (k != bin_index((double)x, h)) { if (bad++ < 10) printf("BAD x=%.9g k=%d bin=%d bins=%d [%g,%g] tol=%g\n", x, k, bin_index((double)x, h), bins, a, b, h.tol32); }
    };
    for (int i = 0; i <= bins; i++) {
      float c = (float)e[i];
      uint32_t kc = f32_key(c);
      for (int d = -40; d <= 40; d++) check(f32_unkey(kc + d));
    }
    for (int r = 0; r < 2000; r++) check(f32_unkey(f32_key(h.lo32) + (uint32_t)(u(rng) * (f32_key(h.hi32) - f32_key(h.lo32) + 1.0))));
  }
  printf("specs %ld fast %ld checked %ld claimed %ld bad %ld\n", specs, fast, checked, claimed, bad);
  return bad == 0 && fast > specs / 2 ? 0 : 1;
}
