// Whole-array statistics with NumPy's semantics: exact counts and min/max, mean/std over finite values,
// numpy.histogram's bin assignment. StatsKernels is the seam where the native SIMD engine plugs in. The parts
// live by concern (moments.ts, histogram.ts, elementReaders.ts, statsKernels.ts); importers use this module.

import { histogramSpec } from './histogram';
import { Stats, finalizeStats } from './moments';
import { StatsKernels, jsKernels } from './statsKernels';
import { StridedView } from './view';

export { HistogramSpec, binIndex, histogramSpec } from './histogram';
export { Moments, Stats, emptyMoments, exactRatio, finalizeStats, mergeMoments } from './moments';
export { NumberAt, RunCursor, hypot, numberReader } from './elementReaders';
export { StatsKernels, jsKernels } from './statsKernels';

/** Stats of a view whose bytes are all in `buf` (address = offset of element 0 in buf). */
export async function statsOfBuffer(
  buf: Uint8Array,
  view: StridedView,
  bins: number,
  kernels: StatsKernels = jsKernels,
): Promise<Stats> {
  const m = await kernels.moments(buf, view);
  if (m.finite === 0 || m.min === null || m.max === null) return finalizeStats(m, null, null, bins);
  const spec = histogramSpec(Number(m.min), Number(m.max), bins);
  const counts = new Float64Array(bins);
  await kernels.histogram(buf, view, spec, counts);
  return finalizeStats(m, counts, spec, bins);
}
