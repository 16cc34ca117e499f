// Internal to the driver: a view in memory order (NormView), the walk over its contiguous inner runs, and the
// split of that walk over threads. Shared by moments.cc, histogram.cc and percentiles.cc; no N-API.
#pragma once
#include <algorithm>
#include <thread>
#include <vector>

#include "engine.h"

namespace arraylens {

struct NormView {
  const uint8_t* base;
  Dt dt;
  bool swap;
  int item;
  int nd;
  int64_t n[kMaxNdim];
  int64_t s[kMaxNdim];
  uint64_t count;
};

/** Same multiset of elements: size-1 axes dropped, negative strides flipped, axes by |stride| descending,
 *  contiguous neighbours merged (as memoryOrder in src/core/view.ts). */
NormView normalize(const ViewDesc& v);

/** Calls seg(ptr, count, stride) for the inner runs covering linear (memory-order) elements [a, b). */
template <class Seg>
bool walk_range(const NormView& v, uint64_t a, uint64_t b, const Control& c, Seg&& seg) {
  if (a >= b) return true;
  const int nd = v.nd;
  const uint64_t L = (uint64_t)v.n[nd - 1];
  const int64_t S = v.s[nd - 1];
  uint64_t row = a / L, col = a % L;
  int64_t idx[kMaxNdim] = {0};
  int64_t off = 0;
  for (int k = nd - 2; k >= 0; k--) {
    idx[k] = (int64_t)(row % (uint64_t)v.n[k]);
    row /= (uint64_t)v.n[k];
    off += idx[k] * v.s[k];
  }
  uint64_t left = b - a;
  unsigned since_check = 0;
  while (left > 0) {
    uint64_t cnt = std::min<uint64_t>(L - col, left);
    seg(v.base + off + (int64_t)col * S, cnt, S);
    left -= cnt;
    col = 0;
    since_check += (unsigned)std::min<uint64_t>(cnt, 1u << 20) + 64;
    if (since_check >= (1u << 16)) {
      since_check = 0;
      if (c.cancelled()) return false;
    }
    for (int k = nd - 2; k >= 0; k--) {
      off += v.s[k];
      if (++idx[k] < v.n[k]) break;
      off -= idx[k] * v.s[k];
      idx[k] = 0;
    }
  }
  return !c.cancelled();
}

/** How many threads for `bytes` of data: small views stay on one thread (thread start costs ~20-50 us). */
inline int thread_count(const Control& c, uint64_t bytes) {
  int t = std::max(1, std::min(c.threads, 16));
  if (bytes < (8u << 20)) return 1;
  return (int)std::min<uint64_t>((uint64_t)t, bytes / (4u << 20));
}

template <class Work>
bool run_threads(int nthreads, Work&& work) {
  if (nthreads <= 1) return work(0);
  std::vector<std::thread> pool;
  std::vector<char> ok((size_t)nthreads, 0);
  for (int t = 1; t < nthreads; t++) pool.emplace_back([&, t] { ok[(size_t)t] = work(t) ? 1 : 0; });
  ok[0] = work(0) ? 1 : 0;
  for (auto& th : pool) th.join();
  return std::all_of(ok.begin(), ok.end(), [](char x) { return x != 0; });
}

}  // namespace arraylens
