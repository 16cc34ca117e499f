// What the N-API binding checks and converts: views, options, histogram specs, percent lists in; moments and
// percentiles out. Each parse_* throws a JS TypeError/RangeError that says what to pass instead.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <napi.h>

#include "engine.h"

namespace arraylens {

constexpr double kMaxSafe = 9007199254740991.0;  // 2^53 - 1

[[noreturn]] void type_error(Napi::Env env, const std::string& msg);
[[noreturn]] void range_error(Napi::Env env, const std::string& msg);
[[noreturn]] void throw_cancelled(Napi::Env env);

/** A safe integer (number or BigInt within +-2^53): `what` names it in the error. */
int64_t safe_int(Napi::Env env, Napi::Value v, const std::string& what);

struct Bytes {
  const uint8_t* data;
  size_t length;
};

/** The memory of a Uint8Array/Buffer (or any TypedArray). */
Bytes typed_bytes(Napi::Env env, Napi::Value v, const char* what);

/**
 * {offset, dtype, byteOrder, shape, strides} -> ViewDesc, rejecting anything that would read outside `buf`:
 * zero-size views, byte sizes that overflow, extents below 0 or past the end.
 */
ViewDesc parse_view(Napi::Env env, const Bytes& buf, Napi::Value vv);

struct Options {
  const KernelTable* k;
  int threads;
  const int32_t* cancel;
};

/** {isa?, threads?, cancel?}; undefined gives the best kernels and the hardware threads (at most 8). */
Options parse_options(Napi::Env env, Napi::Value ov);

/** The buffer and view every stats call takes first (arguments 0 and 1), checked against each other. */
ViewDesc call_view(const Napi::CallbackInfo& info);
/** The options at `opts_index` as the engine's Control. */
Control call_control(const Napi::CallbackInfo& info, int opts_index);

/** {bins, first, last, edges}; `keep` (if given) holds the edges alive for an async job. */
HistSpec parse_spec(Napi::Env env, Napi::Value sv, Napi::ObjectReference* keep);
Napi::Float64Array parse_counts(Napi::Env env, Napi::Value cv, int32_t bins);
std::vector<double> parse_qs(Napi::Env env, Napi::Value qv);

Napi::Value moments_to_js(Napi::Env env, const MomentsResult& m);
Napi::Value percentiles_to_js(Napi::Env env, const std::vector<double>& out, bool any);
/** Adds a computed table into the caller's Float64Array (histogram and pattern counts accumulate). */
void add_counts(Napi::Float64Array into, const std::vector<double>& c);

}  // namespace arraylens
