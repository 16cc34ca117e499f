// Histograms (numpy.histogram semantics) and bit-pattern counts: the kernels' binning over tiles, or for 1- and
// 2-byte dtypes one count per bit pattern, binned once per pattern.
#include <algorithm>
#include <cstring>
#include <vector>

#include "engine.h"
#include "tiles.h"
#include "walk.h"

namespace arraylens {

namespace {

/**
 * Adds one run of `n` 1- or 2-byte elements (`s` bytes apart) into two interleaved uint32 pattern tables (two so
 * neighbouring equal values do not chain on one counter; measured here, four uint32 or four uint16 tables with a
 * carry are 20-35 % slower: their footprint leaves L2).
 */
template <int Item>
void count_run(const uint8_t* p, uint64_t n, int64_t s, uint32_t* __restrict t0, uint32_t* __restrict t1) {
  uint64_t i = 0;
  if (s == Item) {  // contiguous: 8 bytes at a time
    for (; i + 8 / Item <= n; i += 8 / Item) {
      uint64_t w;
      std::memcpy(&w, p + i * Item, 8);
      if (Item == 2) {
        t0[w & 0xffff]++;
        t1[(w >> 16) & 0xffff]++;
        t0[(w >> 32) & 0xffff]++;
        t1[w >> 48]++;
      } else {
        t0[w & 0xff]++;
        t1[(w >> 8) & 0xff]++;
        t0[(w >> 16) & 0xff]++;
        t1[(w >> 24) & 0xff]++;
        t0[(w >> 32) & 0xff]++;
        t1[(w >> 40) & 0xff]++;
        t0[(w >> 48) & 0xff]++;
        t1[w >> 56]++;
      }
    }
  } else {
    for (; i + 2 <= n; i += 2) {
      const uint8_t* q = p + (int64_t)i * s;
      if (Item == 2) {
        t0[load_as<uint16_t, false>(q)]++;
        t1[load_as<uint16_t, false>(q + s)]++;
      } else {
        t0[q[0]]++;
        t1[q[s]]++;
      }
    }
  }
  for (; i < n; i++) t0[Item == 2 ? load_as<uint16_t, false>(p + (int64_t)i * s) : p[(int64_t)i * s]]++;
}

/**
 * 1- and 2-byte types (bool, int8/16, uint8/16, float16, bfloat16, either byte order): the number of elements
 * with each bit pattern, indexed by the value's bits in host order (one increment per element, no arithmetic,
 * no conversion; see count_run). Every statistic of such a view (counts,
 * min/max, exact sums, numpy.histogram for any range) follows from these <= 65536 numbers.
 */
bool count_patterns(const NormView& nv, const Control& c, std::vector<uint64_t>* out) {
  const int item = nv.item;
  const size_t np = item == 1 ? 256 : 65536;
  const int nt = thread_count(c, nv.count * (uint64_t)item);
  std::vector<std::vector<uint64_t>> sums((size_t)nt);
  bool ok = run_threads(nt, [&](int t) {
    std::vector<uint32_t> tab(2 * np, 0);
    std::vector<uint64_t>& sum = sums[(size_t)t];
    sum.assign(np, 0);
    uint64_t pending = 0;
    auto flush = [&] {  // long before a uint32 could wrap
      for (size_t i = 0; i < np; i++) sum[i] += (uint64_t)tab[i] + tab[np + i];
      std::fill(tab.begin(), tab.end(), 0);
      pending = 0;
    };
    auto run = [&](const uint8_t* p, uint64_t cnt, int64_t s) {
      while (cnt > 0) {
        const uint64_t take = std::min<uint64_t>(cnt, 1u << 20);
        if (pending + take >= (1ull << 31)) flush();
        pending += take;
        if (item == 2) count_run<2>(p, take, s, tab.data(), tab.data() + np);
        else count_run<1>(p, take, s, tab.data(), tab.data() + np);
        p += (int64_t)take * s;
        cnt -= take;
        if (c.cancelled()) return;
      }
    };
    uint64_t a = nv.count * (uint64_t)t / (uint64_t)nt, b = nv.count * (uint64_t)(t + 1) / (uint64_t)nt;
    bool r = walk_range(nv, a, b, c, run);
    flush();
    return r && !c.cancelled();
  });
  if (!ok) return false;
  out->assign(np, 0);
  for (size_t pat = 0; pat < np; pat++) {
    uint64_t n = 0;
    for (const auto& sum : sums) n += sum[pat];
    // Memory order -> value bits: a 2-byte pattern read in host order is the value's bits
    // unless the view is stored in the other byte order.
    const size_t bits = item == 2 && nv.swap ? ((pat >> 8) | ((pat & 0xff) << 8)) : pat;
    (*out)[bits] += n;
  }
  return true;
}

double pattern_value(Dt dt, uint16_t bits) {
  switch (dt) {
    case Dt::Bool: return bits != 0 ? 1.0 : 0.0;  // NumPy: any nonzero byte is True
    case Dt::I8: return (double)(int8_t)bits;
    case Dt::I16: return (double)(int16_t)bits;
    case Dt::F16: return (double)half_to_float(bits);
    case Dt::BF16: return (double)bf16_to_float(bits);
    default: return (double)bits;  // uint8, uint16
  }
}

/** numpy.histogram of a 1- or 2-byte view: count the patterns, then bin each of them once with bin_index. */
bool histogram_by_pattern(const NormView& nv, const HistSpec& spec, const Control& c, std::vector<double>* counts) {
  std::vector<uint64_t> pats;
  if (!count_patterns(nv, c, &pats)) return false;
  for (size_t bits = 0; bits < pats.size(); bits++) {
    if (!pats[bits]) continue;
    const int32_t bin = bin_index(pattern_value(nv.dt, (uint16_t)bits), spec);
    if (bin < spec.bins) (*counts)[(size_t)bin] += (double)pats[bits];
  }
  return true;
}

}  // namespace

bool compute_patterns(const ViewDesc& v, const Control& c, std::vector<double>* counts) {
  const NormView nv = normalize(v);
  std::vector<uint64_t> pats;
  if (!count_patterns(nv, c, &pats)) return false;
  counts->assign(pats.size(), 0.0);
  for (size_t i = 0; i < pats.size(); i++) (*counts)[i] = (double)pats[i];
  return true;
}

bool compute_histogram(const ViewDesc& v, const HistSpec& user_spec, const Control& c, std::vector<double>* counts) {
  const NormView nv = normalize(v);
  if (nv.item <= 2 && c.k != &kSerialKernels) return histogram_by_pattern(nv, user_spec, c, counts);
  HistSpec spec = user_spec;
  hist_prepare32(&spec);  // the float32 fast path's proof, once per call
  const size_t stride = (size_t)spec.bins + 1;
  const int nt = thread_count(c, nv.count * (uint64_t)nv.item);
  std::vector<std::vector<uint64_t>> tables((size_t)nt);
  bool ok = run_threads(nt, [&](int t) {
    std::vector<uint64_t>& tab = tables[(size_t)t];
    tab.assign(stride * kHistCopies, 0);
    Tiler tiler(v.dt, v.swap, false, c.k);
    auto block = [&](const uint8_t* p, size_t n) { c.k->histogram(tiler.p.tdt, p, n, spec, tab.data()); };
    auto block_s2 = [&](const uint8_t* p, size_t n) { return c.k->histogram_s2 && c.k->histogram_s2(tiler.p.tdt, p, n, spec, tab.data()); };
    uint64_t a = nv.count * (uint64_t)t / (uint64_t)nt, b = nv.count * (uint64_t)(t + 1) / (uint64_t)nt;
    bool r = walk_range(nv, a, b, c, [&](const uint8_t* p, uint64_t cnt, int64_t s) { tiler.segment(p, cnt, s, 1u << 20, block, block_s2); });
    tiler.flush(block);
    return r;
  });
  if (!ok) return false;
  for (const auto& tab : tables)
    for (int k = 0; k < kHistCopies; k++)
      for (int32_t i = 0; i < spec.bins; i++) (*counts)[(size_t)i] += (double)tab[(size_t)k * stride + (size_t)i];
  return true;
}

}  // namespace arraylens
