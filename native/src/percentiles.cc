// numpy.percentile ('linear') as exact order statistics: values mapped to order-preserving 64-bit keys, then a
// radix select 16 bits a pass over the view until few candidates are left. No kernels: the walk is the cost.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "engine.h"
#include "tiles.h"
#include "walk.h"

namespace arraylens {

namespace {

enum class KeyKind { Double, Int64, UInt64 };

inline uint64_t double_key(double x) {
  x += 0.0;  // -0 -> +0
  uint64_t b;
  std::memcpy(&b, &x, 8);
  return (b >> 63) ? ~b : (b | 0x8000000000000000ull);
}

inline double key_value(uint64_t k, KeyKind kind) {
  if (kind == KeyKind::Int64) return (double)(int64_t)(k ^ 0x8000000000000000ull);
  if (kind == KeyKind::UInt64) return (double)k;
  uint64_t b = (k >> 63) ? (k & 0x7fffffffffffffffull) : ~k;
  double x;
  std::memcpy(&x, &b, 8);
  return x;
}

using KeyFn = bool (*)(const uint8_t* p, uint64_t* key);

template <class T, bool Swap>
bool key_num(const uint8_t* p, uint64_t* key) {
  double x = (double)load_as<T, Swap>(p);
  if (!(x - x == 0)) return false;
  *key = double_key(x);
  return true;
}

template <bool BF, bool Swap>
bool key_half(const uint8_t* p, uint64_t* key) {
  uint16_t h = load_as<uint16_t, Swap>(p);
  double x = BF ? (double)bf16_to_float(h) : (double)half_to_float(h);
  if (!(x - x == 0)) return false;
  *key = double_key(x);
  return true;
}

template <class F, bool Swap>
bool key_complex(const uint8_t* p, uint64_t* key) {
  double m;
  gather_cmag<F, Swap>(p, 0, 1, (uint8_t*)&m);
  if (!(m - m == 0)) return false;
  *key = double_key(m);
  return true;
}

/** NumPy reads a bool byte as True when it is nonzero (a bool array over 0/255 bytes has max True = 1). */
inline bool key_bool(const uint8_t* p, uint64_t* key) {
  *key = double_key(*p != 0 ? 1.0 : 0.0);
  return true;
}

template <bool Signed, bool Swap>
bool key_int64(const uint8_t* p, uint64_t* key) {
  uint64_t u = load_as<uint64_t, Swap>(p);
  *key = Signed ? (u ^ 0x8000000000000000ull) : u;
  return true;
}

template <bool Swap>
KeyFn key_fn_for(Dt dt) {
  switch (dt) {
    case Dt::Bool: return key_bool;
    case Dt::U8: return key_num<uint8_t, false>;
    case Dt::I8: return key_num<int8_t, false>;
    case Dt::I16: return key_num<int16_t, Swap>;
    case Dt::U16: return key_num<uint16_t, Swap>;
    case Dt::I32: return key_num<int32_t, Swap>;
    case Dt::U32: return key_num<uint32_t, Swap>;
    case Dt::I64: return key_int64<true, Swap>;
    case Dt::U64: return key_int64<false, Swap>;
    case Dt::F16: return key_half<false, Swap>;
    case Dt::BF16: return key_half<true, Swap>;
    case Dt::F32: return key_num<float, Swap>;
    case Dt::F64: return key_num<double, Swap>;
    case Dt::C64: return key_complex<float, Swap>;
    case Dt::C128: return key_complex<double, Swap>;
  }
  return nullptr;
}

template <class F>
bool for_each_key(const NormView& nv, const Control& c, KeyFn kf, F&& f) {
  return walk_range(nv, 0, nv.count, c, [&](const uint8_t* p, uint64_t cnt, int64_t s) {
    uint64_t key;
    for (uint64_t i = 0; i < cnt; i++, p += s)
      if (kf(p, &key)) f(key);
  });
}

}  // namespace

bool compute_percentiles(const ViewDesc& v, const std::vector<double>& qs, const Control& c, std::vector<double>* out,
                         bool* any_finite) {
  const NormView nv = normalize(v);
  const KeyFn kf = v.swap ? key_fn_for<true>(v.dt) : key_fn_for<false>(v.dt);
  const KeyKind kind = v.dt == Dt::I64 ? KeyKind::Int64 : v.dt == Dt::U64 ? KeyKind::UInt64 : KeyKind::Double;
  // Level 1: top 16 bits of every key, and the number of finite values.
  std::vector<uint64_t> h1(65536, 0);
  uint64_t n = 0;
  if (!for_each_key(nv, c, kf, [&](uint64_t k) {
        h1[k >> 48]++;
        n++;
      }))
    return false;
  *any_finite = n > 0;
  out->assign(qs.size(), NAN);
  if (n == 0) return true;
  // numpy.percentile, method 'linear': virtual index, neighbours, gamma (see numpy/lib/_function_base_impl.py).
  struct Want {
    uint64_t lo, hi;
    double gamma;
  };
  std::vector<Want> wants;
  std::vector<uint64_t> ranks;
  for (double q : qs) {
    double qf = q / 100.0;
    double virt = (double)(n - 1) * qf;
    double prev = std::floor(virt);
    uint64_t lo, hi;
    if (virt >= (double)(n - 1)) lo = hi = n - 1;
    else if (virt < 0) lo = hi = 0;
    else {
      lo = (uint64_t)prev;
      hi = lo + 1;
    }
    wants.push_back({lo, hi, virt - prev});
    ranks.push_back(lo);
    ranks.push_back(hi);
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  // Radix select per rank: narrow the key prefix 16 bits a pass until the candidates are few, then sort them.
  struct Sel {
    uint64_t rank, prefix, below, cnt, value;
    int bits;
    bool done;
  };
  const uint64_t kCap = 1u << 16;
  std::vector<Sel> sels;
  for (uint64_t r : ranks) {
    uint64_t cum = 0;
    for (uint32_t b = 0; b < 65536; b++) {
      if (cum + h1[b] > r) {
        sels.push_back({r, (uint64_t)b << 48, cum, h1[b], 0, 16, false});
        break;
      }
      cum += h1[b];
    }
  }
  auto matches = [](const Sel& s, uint64_t k) { return s.bits == 0 || (k >> (64 - s.bits)) == (s.prefix >> (64 - s.bits)); };
  for (;;) {
    std::vector<Sel*> refine;
    for (Sel& s : sels)
      if (!s.done && s.cnt > kCap && s.bits < 64) refine.push_back(&s);
    if (refine.empty()) break;
    std::vector<std::vector<uint64_t>> hs(refine.size(), std::vector<uint64_t>(65536, 0));
    if (!for_each_key(nv, c, kf, [&](uint64_t k) {
          for (size_t i = 0; i < refine.size(); i++)
            if (matches(*refine[i], k)) hs[i][(k >> (48 - refine[i]->bits)) & 0xffff]++;
        }))
      return false;
    for (size_t i = 0; i < refine.size(); i++) {
      Sel& s = *refine[i];
      uint64_t cum = s.below;
      for (uint32_t b = 0; b < 65536; b++) {
        if (cum + hs[i][b] > s.rank) {
          s.prefix |= (uint64_t)b << (48 - s.bits);
          s.bits += 16;
          s.below = cum;
          s.cnt = hs[i][b];
          break;
        }
        cum += hs[i][b];
      }
    }
  }
  std::vector<Sel*> collect;
  for (Sel& s : sels) {
    if (s.bits == 64) {
      s.value = s.prefix;
      s.done = true;
    } else {
      collect.push_back(&s);
    }
  }
  if (!collect.empty()) {
    std::vector<std::vector<uint64_t>> keys(collect.size());
    if (!for_each_key(nv, c, kf, [&](uint64_t k) {
          for (size_t i = 0; i < collect.size(); i++)
            if (matches(*collect[i], k)) keys[i].push_back(k);
        }))
      return false;
    for (size_t i = 0; i < collect.size(); i++) {
      auto& ks = keys[i];
      size_t at = (size_t)(collect[i]->rank - collect[i]->below);
      std::nth_element(ks.begin(), ks.begin() + (ptrdiff_t)at, ks.end());
      collect[i]->value = ks[at];
      collect[i]->done = true;
    }
  }
  auto value_at = [&](uint64_t r) {
    for (const Sel& s : sels)
      if (s.rank == r) return key_value(s.value, kind);
    return (double)NAN;
  };
  for (size_t i = 0; i < wants.size(); i++) {
    double a = value_at(wants[i].lo), b = value_at(wants[i].hi), t = wants[i].gamma;
    double diff = b - a;
    (*out)[i] = t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;  // numpy's _lerp
  }
  return true;
}

}  // namespace arraylens
