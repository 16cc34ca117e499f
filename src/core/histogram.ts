// numpy.histogram's bins: the edges numpy.linspace gives for range=(min, max), and the bin a value falls in,
// shared by the JS reference, the bit-pattern tables and the checks of the native kernels.

export interface HistogramSpec {
  bins: number;
  /** numpy.histogram's outer edges (min/max, widened by 0.5 each side when equal). */
  first: number;
  last: number;
  /** The bins+1 edges exactly as numpy.linspace gives them. */
  edges: Float64Array;
}

/** numpy.histogram's edges for range=(min, max) over float64 data. */
export function histogramSpec(min: number, max: number, bins: number): HistogramSpec {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  const delta = last - first;
  const step = delta / bins;
  if (step === 0) for (let i = 0; i <= bins; i++) edges[i] = (i / bins) * delta + first;
  else for (let i = 0; i <= bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return { bins, first, last, edges };
}

/** The bin of a finite value inside [first, last], exactly as numpy.histogram assigns it; -1 if outside. */
export function binIndex(x: number, spec: HistogramSpec): number {
  if (!(x >= spec.first && x <= spec.last)) return -1;
  const n = spec.bins;
  let i = Math.trunc(((x - spec.first) / (spec.last - spec.first)) * n);
  if (!(i >= 0)) return 0; // degenerate range (NumPy refuses it: "Too many bins for data range")
  if (i === n) i--;
  if (x < spec.edges[i]) i--;
  if (x >= spec.edges[i + 1] && i !== n - 1) i++;
  return i;
}
