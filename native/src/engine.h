// The portable driver: walks any strided view in memory order, feeds contiguous runs (or converted tiles) to the
// dispatched kernels, splits the work over threads and merges the partials. No N-API here.
#pragma once
#include <cstdint>
#include <vector>
#include "isa.h"

namespace arraylens {

constexpr int kMaxNdim = 32;

/** A validated view: every byte it touches lies inside the caller's buffer (the binding checks that). */
struct ViewDesc {
  const uint8_t* base;  // element [0, ..., 0]
  Dt dt;
  bool swap;  // stored in the other byte order
  int nd;
  int64_t shape[kMaxNdim];
  int64_t strides[kMaxNdim];
};

struct Control {
  const KernelTable* k;
  int threads;
  const int32_t* cancel;  // optional: becomes nonzero when the caller gives up
  bool cancelled() const { return cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED) != 0; }
};

enum class ValueKind { Float, SmallInt, Int64, UInt64 };

struct MomentsResult {
  ValueKind kind;
  uint64_t count, nan, posinf, neginf, zeros, finite;
  double min, max;        // Float / SmallInt
  __int128 imin, imax;    // Int64 / UInt64
  double sum;             // Float: compensated sum of finite values
  __int128 isum;          // integer kinds: exact sum
  double m2;
};

uint64_t element_count(const ViewDesc& v);

/** Each returns false when cancelled. */
bool compute_moments(const ViewDesc& v, const Control& c, MomentsResult* out);
/** Adds into `counts` (length spec.bins). */
bool compute_histogram(const ViewDesc& v, const HistSpec& spec, const Control& c, std::vector<double>* counts);
/**
 * 1- and 2-byte dtypes only (the binding checks): adds the number of elements with each bit pattern into
 * `counts` (256 or 65536 entries, indexed by the value's host-order bits).
 */
bool compute_patterns(const ViewDesc& v, const Control& c, std::vector<double>* counts);
/** NumPy's linear-method percentiles of the finite values (|z| for complex), exact order statistics. */
bool compute_percentiles(const ViewDesc& v, const std::vector<double>& qs, const Control& c, std::vector<double>* out,
                         bool* any_finite);

}  // namespace arraylens
