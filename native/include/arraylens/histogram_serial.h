// Pass two, scalar reference: numpy.histogram's bin of every value of one contiguous run.
#pragma once
#include "moments_serial.h"

namespace arraylens {
namespace serial {

template <class T>
static void histogram_run(const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  const size_t stride = (size_t)h.bins + 1;
  for (size_t i = 0; i < n; i++) {
    double x = load_value<T>(p, i);
    counts[(i & (kHistCopies - 1)) * stride + bin_index(x, h)]++;
  }
}

static void histogram(Dt dt, const void* p, size_t n, const HistSpec& h, uint64_t* counts) {
  switch (dt) {
    case Dt::Bool: case Dt::U8: return histogram_run<uint8_t>(p, n, h, counts);
    case Dt::I8: return histogram_run<int8_t>(p, n, h, counts);
    case Dt::I16: return histogram_run<int16_t>(p, n, h, counts);
    case Dt::U16: return histogram_run<uint16_t>(p, n, h, counts);
    case Dt::I32: return histogram_run<int32_t>(p, n, h, counts);
    case Dt::U32: return histogram_run<uint32_t>(p, n, h, counts);
    case Dt::F16: return histogram_run<F16Tag>(p, n, h, counts);
    case Dt::BF16: return histogram_run<BF16Tag>(p, n, h, counts);
    case Dt::F32: return histogram_run<float>(p, n, h, counts);
    case Dt::F64: return histogram_run<double>(p, n, h, counts);
    default: return;
  }
}

}  // namespace serial
}  // namespace arraylens
