// Argument checks and conversions for the N-API binding (see marshal.h): every value from JS is validated here
// before the engine sees it; results go back as plain objects, numbers and BigInts.
#include "marshal.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

namespace arraylens {

void type_error(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
void range_error(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

static bool host_little() {
  uint16_t one = 1;
  uint8_t b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

static Dt parse_dtype(Napi::Env env, const std::string& s) {
  static const char* names[] = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                "uint64", "float16", "bfloat16", "float32", "float64", "complex64", "complex128"};
  for (int i = 0; i < 15; i++)
    if (s == names[i]) return (Dt)i;
  type_error(env, "unknown dtype '" + s + "': use a NumPy name such as float32, int64, complex128");
}

int64_t safe_int(Napi::Env env, Napi::Value v, const std::string& what) {
  if (v.IsBigInt()) {
    bool lossless = false;
    int64_t x = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless || x > (int64_t)kMaxSafe || x < -(int64_t)kMaxSafe) range_error(env, what + " is out of range");
    return x;
  }
  if (!v.IsNumber()) type_error(env, what + " must be an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(std::fabs(d) <= kMaxSafe) || std::trunc(d) != d) type_error(env, what + " must be a safe integer, got " + std::to_string(d));
  return (int64_t)d;
}

Bytes typed_bytes(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsTypedArray()) type_error(env, std::string(what) + " must be a Uint8Array or Buffer");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  Napi::ArrayBuffer ab = ta.ArrayBuffer();
  size_t len = ta.ByteLength();
  const uint8_t* data = ab.Data() ? (const uint8_t*)ab.Data() + ta.ByteOffset() : nullptr;
  if (!data && len > 0) type_error(env, std::string(what) + " has no memory (detached ArrayBuffer?)");
  return {data, len};
}

/**
 * {offset, dtype, byteOrder, shape, strides} -> ViewDesc, rejecting anything that would read outside `buf`:
 * zero-size views, byte sizes that overflow, extents below 0 or past the end.
 */
ViewDesc parse_view(Napi::Env env, const Bytes& buf, Napi::Value vv) {
  if (!vv.IsObject()) type_error(env, "view must be an object {offset, dtype, byteOrder, shape, strides}");
  Napi::Object o = vv.As<Napi::Object>();
  ViewDesc v;
  Napi::Value dt = o.Get("dtype");
  if (!dt.IsString()) type_error(env, "view.dtype must be a string");
  v.dt = parse_dtype(env, dt.As<Napi::String>().Utf8Value());
  const int item = dt_itemsize(v.dt);
  Napi::Value bo = o.Get("byteOrder");
  std::string order = bo.IsString() ? bo.As<Napi::String>().Utf8Value() : "";
  if (order != "little" && order != "big") type_error(env, "view.byteOrder must be 'little' or 'big'");
  v.swap = item > 1 && (order == "little") != host_little();
  Napi::Value shv = o.Get("shape"), stv = o.Get("strides");
  if (!shv.IsArray() || !stv.IsArray()) type_error(env, "view.shape and view.strides must be arrays");
  Napi::Array sh = shv.As<Napi::Array>(), st = stv.As<Napi::Array>();
  if (sh.Length() != st.Length())
    type_error(env, "shape has " + std::to_string(sh.Length()) + " dims but strides has " + std::to_string(st.Length()));
  if (sh.Length() > (uint32_t)kMaxNdim) range_error(env, "at most 32 dimensions are supported");
  v.nd = (int)sh.Length();
  unsigned __int128 count = 1;
  __int128 lo = 0, hi = 0;
  bool overflow = false;
  for (int i = 0; i < v.nd; i++) {
    int64_t d = safe_int(env, sh.Get((uint32_t)i), "shape[" + std::to_string(i) + "]");
    int64_t s = safe_int(env, st.Get((uint32_t)i), "strides[" + std::to_string(i) + "]");
    if (d < 0) range_error(env, "shape[" + std::to_string(i) + "] is negative");
    v.shape[i] = d;
    v.strides[i] = s;
    count *= (unsigned __int128)d;
    if (count > ((unsigned __int128)1 << 63)) overflow = true;
    if (d > 0) {
      __int128 span = (__int128)(d - 1) * s;
      if (span < 0) lo += span;
      else hi += span;
    }
  }
  if (count == 0) range_error(env, "zero-size view: there are no elements to read");
  if (overflow || count * (unsigned __int128)item > ((unsigned __int128)1 << 62))
    range_error(env, "view is too large: its byte size overflows");
  int64_t off = safe_int(env, o.Get("offset"), "view.offset");
  hi += item;
  if ((__int128)off + lo < 0 || (__int128)off + hi > (__int128)buf.length)
    range_error(env, "view reaches outside the buffer: bytes [" + std::to_string((long long)((__int128)off + lo)) + ", " +
                         std::to_string((long long)((__int128)off + hi)) + ") of " + std::to_string(buf.length));
  v.base = buf.data + off;
  return v;
}

Options parse_options(Napi::Env env, Napi::Value ov) {
  Options r{dispatch().best, (int)std::max(1u, std::min(8u, std::thread::hardware_concurrency())), nullptr};
  if (ov.IsUndefined() || ov.IsNull()) return r;
  if (!ov.IsObject()) type_error(env, "options must be an object {isa?, threads?, cancel?}");
  Napi::Object o = ov.As<Napi::Object>();
  Napi::Value isa = o.Get("isa");
  if (isa.IsString()) {
    std::string name = isa.As<Napi::String>().Utf8Value();
    r.k = find_kernels(name);
    if (!r.k) type_error(env, "isa '" + name + "' is not supported on this CPU");
  }
  Napi::Value th = o.Get("threads");
  if (!th.IsUndefined()) {
    int64_t t = safe_int(env, th, "options.threads");
    if (t < 1 || t > 64) range_error(env, "options.threads must be 1..64");
    r.threads = (int)t;
  }
  Napi::Value cv = o.Get("cancel");
  if (!cv.IsUndefined()) {
    if (!cv.IsTypedArray() || cv.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        cv.As<Napi::TypedArray>().ElementLength() < 1)
      type_error(env, "options.cancel must be an Int32Array of length >= 1");
    Bytes b = typed_bytes(env, cv, "options.cancel");
    if ((uintptr_t)b.data % 4 != 0) type_error(env, "options.cancel is not 4-byte aligned");
    r.cancel = (const int32_t*)b.data;
  }
  return r;
}

static Napi::Value bigint128(Napi::Env env, __int128 x) {
  bool neg = x < 0;
  unsigned __int128 m = neg ? (unsigned __int128)0 - (unsigned __int128)x : (unsigned __int128)x;
  uint64_t words[2] = {(uint64_t)m, (uint64_t)(m >> 64)};
  return Napi::BigInt::New(env, neg ? 1 : 0, words[1] ? 2 : 1, words);
}

Napi::Value moments_to_js(Napi::Env env, const MomentsResult& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("count", (double)m.count);
  o.Set("nan", (double)m.nan);
  o.Set("posinf", (double)m.posinf);
  o.Set("neginf", (double)m.neginf);
  o.Set("zeros", (double)m.zeros);
  o.Set("finite", (double)m.finite);
  bool big = m.kind == ValueKind::Int64 || m.kind == ValueKind::UInt64;
  if (m.finite == 0) {
    o.Set("min", env.Null());
    o.Set("max", env.Null());
  } else if (big) {
    o.Set("min", bigint128(env, m.imin));
    o.Set("max", bigint128(env, m.imax));
  } else {
    o.Set("min", m.min);
    o.Set("max", m.max);
  }
  o.Set("sum", m.sum);
  if (m.kind == ValueKind::Float) o.Set("intSum", env.Null());
  else o.Set("intSum", bigint128(env, m.isum));
  o.Set("m2", m.m2);
  return o;
}

HistSpec parse_spec(Napi::Env env, Napi::Value sv, Napi::ObjectReference* keep) {
  if (!sv.IsObject()) type_error(env, "spec must be {bins, first, last, edges}");
  Napi::Object o = sv.As<Napi::Object>();
  Napi::Value ev = o.Get("edges");
  if (!ev.IsTypedArray() || ev.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    type_error(env, "spec.edges must be a Float64Array");
  Napi::Float64Array edges = ev.As<Napi::Float64Array>();
  int64_t bins = safe_int(env, o.Get("bins"), "spec.bins");
  if (bins < 1 || bins > (1 << 24)) range_error(env, "spec.bins must be 1..16777216");
  if (edges.ElementLength() != (size_t)bins + 1) range_error(env, "spec.edges must hold bins + 1 values");
  Napi::Value f = o.Get("first"), l = o.Get("last");
  if (!f.IsNumber() || !l.IsNumber()) type_error(env, "spec.first and spec.last must be numbers");
  if (keep) *keep = Napi::Persistent(edges.As<Napi::Object>());
  return {f.As<Napi::Number>().DoubleValue(), l.As<Napi::Number>().DoubleValue(), edges.Data(), (int32_t)bins};
}

Napi::Float64Array parse_counts(Napi::Env env, Napi::Value cv, int32_t bins) {
  if (!cv.IsTypedArray() || cv.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    type_error(env, "counts must be a Float64Array");
  Napi::Float64Array c = cv.As<Napi::Float64Array>();
  if (c.ElementLength() != (size_t)bins) range_error(env, "counts must hold spec.bins values");
  return c;
}

std::vector<double> parse_qs(Napi::Env env, Napi::Value qv) {
  if (!qv.IsArray()) type_error(env, "qs must be an array of percents (0..100)");
  Napi::Array a = qv.As<Napi::Array>();
  std::vector<double> qs;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value x = a.Get(i);
    if (!x.IsNumber()) type_error(env, "qs must hold numbers");
    double q = x.As<Napi::Number>().DoubleValue();
    if (!(q >= 0 && q <= 100)) range_error(env, "percentiles must lie in [0, 100]");
    qs.push_back(q);
  }
  return qs;
}

Napi::Value percentiles_to_js(Napi::Env env, const std::vector<double>& out, bool any) {
  if (!any) return env.Null();
  Napi::Array a = Napi::Array::New(env, out.size());
  for (uint32_t i = 0; i < out.size(); i++) a.Set(i, out[i] + 0.0);
  return a;
}

/** Adds a computed table into the caller's Float64Array (histogram and pattern counts accumulate). */
void add_counts(Napi::Float64Array into, const std::vector<double>& c) {
  for (size_t i = 0; i < c.size() && i < into.ElementLength(); i++) into[i] += c[i];
}

ViewDesc call_view(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return parse_view(env, typed_bytes(env, info[0], "buf"), info[1]);
}

Control call_control(const Napi::CallbackInfo& info, int opts_index) {
  Options o = parse_options(info.Env(), info[opts_index]);
  return {o.k, o.threads, o.cancel};
}

void throw_cancelled(Napi::Env env) { throw Napi::Error::New(env, "cancelled"); }

}  // namespace arraylens
