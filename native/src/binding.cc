// N-API binding: the exported functions, long work on AsyncWorkers. Arguments are checked and converted in
// marshal.cc, the numerics live in the driver and the per-ISA kernels; nothing here touches array memory.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <napi.h>

#include "engine.h"
#include "marshal.h"
#include "overview.h"
#include "vmread.h"

namespace arraylens {
namespace {

// ---------------------------------------------------------------- async jobs

enum class JobKind { Moments, Histogram, Patterns, Percentiles };

/** One operation off the JS thread; holds references so the buffers outlive it. Rejects with 'cancelled'. */
class Job : public Napi::AsyncWorker {
 public:
  Job(Napi::Env env, JobKind kind, Napi::Value buf, const ViewDesc& v, const Options& opts)
      : Napi::AsyncWorker(env, "arraylens-stats"), deferred_(Napi::Promise::Deferred::New(env)), kind_(kind), view_(v) {
    control_ = {opts.k, opts.threads, opts.cancel};
    buf_ = Napi::Persistent(buf.As<Napi::Object>());
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  Napi::ObjectReference cancel_ref, edges_ref, counts_ref;
  HistSpec spec{};
  std::vector<double> qs;

 protected:
  void Execute() override {
    bool ok = true;
    switch (kind_) {
      case JobKind::Moments: ok = compute_moments(view_, control_, &moments_); break;
      case JobKind::Histogram:
        counts_.assign((size_t)spec.bins, 0.0);
        ok = compute_histogram(view_, spec, control_, &counts_);
        break;
      case JobKind::Patterns: ok = compute_patterns(view_, control_, &counts_); break;
      case JobKind::Percentiles: ok = compute_percentiles(view_, qs, control_, &pct_, &any_); break;
    }
    if (!ok) SetError("cancelled");
  }
  void OnOK() override {
    Napi::Env env = Env();
    switch (kind_) {
      case JobKind::Moments: deferred_.Resolve(moments_to_js(env, moments_)); break;
      case JobKind::Histogram:
      case JobKind::Patterns: {
        add_counts(counts_ref.Value().As<Napi::Float64Array>(), counts_);
        deferred_.Resolve(env.Undefined());
        break;
      }
      case JobKind::Percentiles: deferred_.Resolve(percentiles_to_js(env, pct_, any_)); break;
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  JobKind kind_;
  ViewDesc view_;
  Control control_{};
  Napi::ObjectReference buf_;
  MomentsResult moments_{};
  std::vector<double> counts_, pct_;
  bool any_ = false;
};

Job* make_job(const Napi::CallbackInfo& info, JobKind kind, int opts_index) {
  Napi::Env env = info.Env();
  ViewDesc v = call_view(info);
  Options opts = parse_options(env, info[opts_index]);
  Job* job = new Job(env, kind, info[0], v, opts);
  if (opts.cancel) job->cancel_ref = Napi::Persistent(info[opts_index].As<Napi::Object>().Get("cancel").As<Napi::Object>());
  return job;
}

Napi::Value queue(Job* job) {
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

// ---------------------------------------------------------------- exports

Napi::Value Backend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Dispatch& d = dispatch();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", d.best->isa);
  o.Set("reason", d.reason);
  Napi::Array s = Napi::Array::New(env, d.supported.size());
  for (uint32_t i = 0; i < d.supported.size(); i++) s.Set(i, d.supported[i]->isa);
  o.Set("supported", s);
  o.Set("threads", (double)std::max(1u, std::thread::hardware_concurrency()));
  return o;
}

Napi::Value Moments(const Napi::CallbackInfo& info) {
  ViewDesc v = call_view(info);
  MomentsResult m{};
  if (!compute_moments(v, call_control(info, 2), &m)) throw_cancelled(info.Env());
  return moments_to_js(info.Env(), m);
}

Napi::Value MomentsAsync(const Napi::CallbackInfo& info) { return queue(make_job(info, JobKind::Moments, 2)); }

Napi::Value Histogram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ViewDesc v = call_view(info);
  HistSpec spec = parse_spec(env, info[2], nullptr);
  Napi::Float64Array counts = parse_counts(env, info[3], spec.bins);
  std::vector<double> c((size_t)spec.bins, 0.0);
  if (!compute_histogram(v, spec, call_control(info, 4), &c)) throw_cancelled(env);
  add_counts(counts, c);
  return env.Undefined();
}

Napi::Value HistogramAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  call_view(info);
  Napi::ObjectReference edges;
  HistSpec spec = parse_spec(env, info[2], &edges);
  Napi::Float64Array counts = parse_counts(env, info[3], spec.bins);
  Job* job = make_job(info, JobKind::Histogram, 4);
  job->spec = spec;
  job->edges_ref = std::move(edges);
  job->counts_ref = Napi::Persistent(counts.As<Napi::Object>());
  return queue(job);
}

/** The pattern-count table of a 1- or 2-byte view: a Float64Array of 256 or 65536 entries. */
Napi::Float64Array parse_pattern_counts(Napi::Env env, const ViewDesc& v, Napi::Value cv) {
  const int item = dt_itemsize(v.dt);
  if (item > 2)
    type_error(env, "patterns: only 1- and 2-byte dtypes (bool, int8, uint8, int16, uint16, float16, bfloat16) have a pattern table");
  return parse_counts(env, cv, item == 1 ? 256 : 65536);
}

Napi::Value Patterns(const Napi::CallbackInfo& info) {
  ViewDesc v = call_view(info);
  Napi::Float64Array counts = parse_pattern_counts(info.Env(), v, info[2]);
  std::vector<double> c;
  if (!compute_patterns(v, call_control(info, 3), &c)) throw_cancelled(info.Env());
  add_counts(counts, c);
  return info.Env().Undefined();
}

Napi::Value PatternsAsync(const Napi::CallbackInfo& info) {
  Napi::Float64Array counts = parse_pattern_counts(info.Env(), call_view(info), info[2]);
  Job* job = make_job(info, JobKind::Patterns, 3);
  job->counts_ref = Napi::Persistent(counts.As<Napi::Object>());
  return queue(job);
}

Napi::Value Percentiles(const Napi::CallbackInfo& info) {
  ViewDesc v = call_view(info);
  std::vector<double> qs = parse_qs(info.Env(), info[2]);
  std::vector<double> out;
  bool any = false;
  if (!compute_percentiles(v, qs, call_control(info, 3), &out, &any)) throw_cancelled(info.Env());
  return percentiles_to_js(info.Env(), out, any);
}

Napi::Value PercentilesAsync(const Napi::CallbackInfo& info) {
  std::vector<double> qs = parse_qs(info.Env(), info[2]);
  Job* job = make_job(info, JobKind::Percentiles, 3);
  job->qs = qs;
  return queue(job);
}

/**
 * reduceBlocksAsync(x, rows, cols, stride, factor, mode, acc, cnt, flags): `rows` rows of `cols` values of `x`
 * (Float32Array or Float64Array; row i starts at element i * stride) reduced on a worker thread to blocks
 * (native/src/overview.h); the results are written into `acc`/`cnt` (Float64Array) and `flags` (Uint8Array) of
 * ceil(rows/factor) × ceil(cols/factor) entries once it is done, on the JS thread.
 */
class ReduceJob : public Napi::AsyncWorker {
 public:
  ReduceJob(Napi::Env env, const Napi::CallbackInfo& info, const void* x, bool f64, int64_t n, int64_t C, int64_t stride,
            int64_t factor, ReduceMode m, size_t cells)
      : Napi::AsyncWorker(env, "arraylens-reduce"), deferred_(Napi::Promise::Deferred::New(env)), x_(x), f64_(f64), n_(n),
        c_(C), stride_(stride), factor_(factor), mode_(m), acc_(cells), cnt_(cells), flags_(cells) {
    xref_ = Napi::Persistent(info[0].As<Napi::Object>());
    for (int i = 0; i < 3; i++) out_[i] = Napi::Persistent(info[6 + i].As<Napi::Object>());
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { reduce_blocks(x_, f64_, n_, c_, stride_, factor_, mode_, acc_.data(), cnt_.data(), flags_.data()); }
  void OnOK() override {
    Napi::Float64Array acc = out_[0].Value().As<Napi::Float64Array>(), cnt = out_[1].Value().As<Napi::Float64Array>();
    Napi::Uint8Array flags = out_[2].Value().As<Napi::Uint8Array>();
    // The caller's arrays may have been detached meanwhile: write only what is still there.
    const size_t m = std::min({acc.ElementLength(), cnt.ElementLength(), flags.ElementLength(), acc_.size()});
    if (m) {
      std::memcpy(acc.Data(), acc_.data(), m * sizeof(double));
      std::memcpy(cnt.Data(), cnt_.data(), m * sizeof(double));
      std::memcpy(flags.Data(), flags_.data(), m);
    }
    deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  const void* x_;
  bool f64_;
  int64_t n_, c_, stride_, factor_;
  ReduceMode mode_;
  std::vector<double> acc_, cnt_;
  std::vector<uint8_t> flags_;
  Napi::ObjectReference xref_, out_[3];
};

Napi::Value ReduceBlocksAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) type_error(env, "reduceBlocksAsync: x must be a Float32Array or Float64Array");
  Napi::TypedArray xa = info[0].As<Napi::TypedArray>();
  const bool f64 = xa.TypedArrayType() == napi_float64_array;
  if (!f64 && xa.TypedArrayType() != napi_float32_array) type_error(env, "reduceBlocksAsync: x must be a Float32Array or Float64Array");
  const int64_t n = safe_int(env, info[1], "rows"), C = safe_int(env, info[2], "cols"), stride = safe_int(env, info[3], "stride");
  const int64_t factor = safe_int(env, info[4], "factor");
  if (n < 1 || C < 1 || factor < 1 || factor > (int64_t)1 << 30 || stride < C)
    range_error(env, "reduceBlocksAsync: rows, cols and factor must be positive and stride at least cols");
  // Every value read lies in x: the last row ends at (n - 1) * stride + C (checked without overflow).
  const int64_t len = (int64_t)xa.ElementLength();
  if ((n - 1) > (len - C) / stride || len < C) range_error(env, "reduceBlocksAsync: x is shorter than (rows - 1) * stride + cols values");
  if (!info[5].IsString()) type_error(env, "reduceBlocksAsync: mode must be 'mean', 'min' or 'max'");
  const std::string mode = info[5].As<Napi::String>().Utf8Value();
  const ReduceMode m = mode == "mean" ? ReduceMode::Mean : mode == "min" ? ReduceMode::Min : mode == "max" ? ReduceMode::Max
                                                                                                    : (type_error(env, "reduceBlocksAsync: mode must be 'mean', 'min' or 'max'"), ReduceMode::Mean);
  const size_t cells = (size_t)((n + factor - 1) / factor) * (size_t)((C + factor - 1) / factor);
  auto typed = [&](int i, napi_typedarray_type t, const char* what) {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != t) type_error(env, std::string("reduceBlocksAsync: ") + what);
    if (info[i].As<Napi::TypedArray>().ElementLength() != cells)
      range_error(env, std::string("reduceBlocksAsync: ") + what + " must have ceil(rows/factor) * ceil(cols/factor) = " + std::to_string(cells) + " entries");
  };
  typed(6, napi_float64_array, "acc must be a Float64Array");
  typed(7, napi_float64_array, "cnt must be a Float64Array");
  typed(8, napi_uint8_array, "flags must be a Uint8Array");
  const uint8_t* data = static_cast<const uint8_t*>(xa.ArrayBuffer().Data()) + xa.ByteOffset();
  auto* job = new ReduceJob(env, info, data, f64, n, C, stride, factor, m, cells);
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

/** Sum of the buffer's little-endian u64 words (the streaming-read bandwidth probe of the benchmark). */
Napi::Value ReadSum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Bytes b = typed_bytes(env, info[0], "buf");
  Options o = parse_options(env, info[1]);
  if (b.length < 8) range_error(env, "readSum needs at least 8 bytes");
  return Napi::BigInt::New(env, o.k->read_sum(b.data, b.length / 8));
}

/**
 * The leak scan's kernel (src/leaks/scan.ts markPointers): marks each block of a sorted index that an aligned
 * u64 word of `words` points to (the last block starting at or before it, as the JS kernel); returns the indexes
 * it newly marked. Validates the index (sorted by start, integer addresses) before any read; reads only `words`,
 * writes only `marks`.
 */
Napi::Value MarkPointers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Bytes w = typed_bytes(env, info[0], "words");
  auto f64 = [&](Napi::Value v, const char* what) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      type_error(env, std::string(what) + " must be a Float64Array");
    return v.As<Napi::Float64Array>();
  };
  Napi::Float64Array st = f64(info[1], "starts"), en = f64(info[2], "ends");
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    type_error(env, "marks must be a Uint8Array");
  Napi::Uint8Array mk = info[3].As<Napi::Uint8Array>();
  const size_t n = st.ElementLength();
  if (en.ElementLength() != n || mk.ElementLength() != n) range_error(env, "starts, ends and marks must have the same length");
  Options o = parse_options(env, info[4]);
  bool interior = false;
  if (info[4].IsObject()) {
    Napi::Value iv = info[4].As<Napi::Object>().Get("interior");
    if (!iv.IsUndefined()) {
      if (!iv.IsBoolean()) type_error(env, "options.interior must be a boolean");
      interior = iv.As<Napi::Boolean>().Value();
    }
  }
  if (n == 0 || w.length < 8) return Napi::Uint32Array::New(env, 0);
  if (n > 0xffffffffu) range_error(env, "too many blocks");
  std::vector<uint64_t> starts(n), ends(n);
  for (size_t i = 0; i < n; i++) {
    const double a = st[i], b = en[i];
    if (!(a >= 0 && a <= kMaxSafe && std::trunc(a) == a && b >= a && b <= kMaxSafe && std::trunc(b) == b))
      range_error(env, "block " + std::to_string(i) + ": starts/ends must be integer addresses with start <= end");
    if (i > 0 && a < (double)starts[i - 1]) range_error(env, "blocks must be sorted by start");
    starts[i] = (uint64_t)a;
    ends[i] = (uint64_t)b;
  }
  // Blocks may overlap (as in the JS kernel, a word counts for the last block starting at or before it).
  ScanIndex x{starts.data(), ends.data(), n, 0, 0, interior, nullptr, 0};
  std::vector<uint32_t> dir(scan_directory(&x, nullptr));
  scan_directory(&x, dir.data());
  std::vector<uint32_t> newly(n);
  size_t nn = 0;
  o.k->scan(w.data, w.length / 8, x, mk.Data(), newly.data(), &nn);
  Napi::Uint32Array out = Napi::Uint32Array::New(env, nn);
  for (size_t i = 0; i < nn; i++) out[i] = newly[i];
  return out;
}

/** Maps a file read-only-shared / copy-on-write private; the ArrayBuffer unmaps it when collected. */
Napi::Value Mmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) type_error(env, "mmap(path, offset?): path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int64_t offset = info.Length() > 1 && !info[1].IsUndefined() ? safe_int(env, info[1], "offset") : 0;
  long page = sysconf(_SC_PAGESIZE);
  if (offset < 0 || offset % page != 0) type_error(env, "mmap offset must be a non-negative multiple of the page size (" + std::to_string(page) + ")");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Napi::Error::New(env, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    throw Napi::Error::New(env, path + " is not a regular file");
  }
  if (st.st_size <= offset) {
    close(fd);
    range_error(env, path + " has no bytes past offset " + std::to_string(offset));
  }
  size_t len = (size_t)(st.st_size - offset);
  // PROT_WRITE + MAP_PRIVATE: a stray write from JS gets a private copy instead of a segfault.
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, (off_t)offset);
  int err = errno;
  close(fd);
  if (p == MAP_FAILED) throw Napi::Error::New(env, "mmap " + path + ": " + std::strerror(err));
  madvise(p, len, MADV_SEQUENTIAL);
  napi_value ab;
  napi_status s = napi_create_external_arraybuffer(
      env, p, len, [](napi_env, void* data, void* hint) { munmap(data, (size_t)(uintptr_t)hint); }, (void*)(uintptr_t)len, &ab);
  if (s != napi_ok) {
    munmap(p, len);
    throw Napi::Error::New(env, "this runtime does not allow external ArrayBuffers (V8 sandbox): read the file instead");
  }
  return Napi::Value(env, ab);
}

/**
 * Asks for transparent huge pages over the 2 MiB-aligned interior of a buffer not touched yet (THP "madvise" mode):
 * its first touch then faults 2 MiB at a time instead of 4 KiB. Returns the bytes advised (0 where refused).
 */
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  Bytes b = typed_bytes(info.Env(), info[0], "buf");
  const uintptr_t huge = 2u << 20;
  uintptr_t lo = ((uintptr_t)b.data + huge - 1) & ~(huge - 1), hi = ((uintptr_t)b.data + b.length) & ~(huge - 1);
  if (hi <= lo) return Napi::Number::New(info.Env(), 0);
#ifdef MADV_HUGEPAGE
  if (madvise((void*)lo, hi - lo, MADV_HUGEPAGE) == 0) return Napi::Number::New(info.Env(), (double)(hi - lo));
#endif
  return Napi::Number::New(info.Env(), 0);
}

// ---------------------------------------------------------------- process_vm_readv

/** A checked vmRead call: the ranges copied out of the BigUint64Array, the destination span inside `buf`. */
struct VmReadCall {
  int pid;
  std::vector<uint64_t> ranges;
  uint8_t* dst;
};

VmReadCall parse_vm_read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t pid = safe_int(env, info[0], "pid");
  if (pid <= 0 || pid > 0x7fffffff) range_error(env, "pid must be a positive process id");
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_biguint64_array)
    type_error(env, "ranges must be a BigUint64Array of address, length pairs");
  Napi::BigUint64Array ra = info[1].As<Napi::BigUint64Array>();
  if (ra.ElementLength() % 2 != 0) range_error(env, "ranges must hold address, length pairs (an even length)");
  Bytes b = typed_bytes(env, info[2], "buf");
  int64_t offset = info.Length() > 3 && !info[3].IsUndefined() ? safe_int(env, info[3], "offset") : 0;
  if (offset < 0 || (uint64_t)offset > b.length) range_error(env, "offset must lie within buf");
  VmReadCall c{(int)pid, std::vector<uint64_t>(ra.Data(), ra.Data() + ra.ElementLength()), const_cast<uint8_t*>(b.data) + offset};
  uint64_t room = b.length - (uint64_t)offset, total = 0;
  for (size_t i = 0; i < c.ranges.size(); i += 2) {
    uint64_t a = c.ranges[i], n = c.ranges[i + 1];
    if (n > room - total) range_error(env, "the ranges add up to more bytes than buf holds past offset");
    if (a + n < a) range_error(env, "range " + std::to_string(i / 2) + " wraps past the end of the address space");
    total += n;
  }
  return c;
}

Napi::Value vm_outcome_to_js(Napi::Env env, const VmReadOutcome& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("bytes", (double)r.bytes);
  o.Set("errno", r.err);
  const char* code = r.err == 0 ? nullptr : r.err == EFAULT ? "EFAULT" : r.err == ESRCH ? "ESRCH" : r.err == EPERM ? "EPERM"
                   : r.err == ENOSYS ? "ENOSYS" : r.err == ENOMEM ? "ENOMEM" : r.err == EINVAL ? "EINVAL" : "EIO";
  if (code) {
    o.Set("code", code);
    o.Set("message", std::strerror(r.err));
    o.Set("address", Napi::BigInt::New(env, (uint64_t)r.fail_address));
  }
  return o;
}

Napi::Value VmRead(const Napi::CallbackInfo& info) {
  VmReadCall c = parse_vm_read(info);
  return vm_outcome_to_js(info.Env(), vm_read(c.pid, c.ranges.data(), c.ranges.size() / 2, c.dst));
}

/** vmRead on a worker thread (the stats stream reads chunk k+1 while the kernels run on chunk k). */
class VmReadJob : public Napi::AsyncWorker {
 public:
  VmReadJob(Napi::Env env, VmReadCall call, Napi::Value buf)
      : Napi::AsyncWorker(env, "arraylens-vmread"), deferred_(Napi::Promise::Deferred::New(env)), call_(std::move(call)) {
    buf_ = Napi::Persistent(buf.As<Napi::Object>());
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { out_ = vm_read(call_.pid, call_.ranges.data(), call_.ranges.size() / 2, call_.dst); }
  void OnOK() override { deferred_.Resolve(vm_outcome_to_js(Env(), out_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  VmReadCall call_;
  Napi::ObjectReference buf_;
  VmReadOutcome out_{};
};

Napi::Value VmReadAsync(const Napi::CallbackInfo& info) {
  VmReadJob* job = new VmReadJob(info.Env(), parse_vm_read(info), info[2]);
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using Fn = Napi::Value (*)(const Napi::CallbackInfo&);
  const std::pair<const char*, Fn> table[] = {
      {"backend", Backend}, {"readSum", ReadSum}, {"mmap", Mmap}, {"markPointers", MarkPointers},
      {"moments", Moments}, {"momentsAsync", MomentsAsync}, {"histogram", Histogram}, {"histogramAsync", HistogramAsync},
      {"patterns", Patterns}, {"patternsAsync", PatternsAsync}, {"percentiles", Percentiles}, {"percentilesAsync", PercentilesAsync},
      {"vmRead", VmRead}, {"vmReadAsync", VmReadAsync}, {"reduceBlocksAsync", ReduceBlocksAsync}, {"adviseHugePages", AdviseHugePages},
  };
  for (const auto& [name, fn] : table) exports.Set(name, Napi::Function::New(env, fn));
  return exports;
}

}  // namespace
}  // namespace arraylens

static Napi::Object InitArrayLens(Napi::Env env, Napi::Object exports) { return arraylens::Init(env, exports); }

NODE_API_MODULE(arraylens_native, InitArrayLens)
