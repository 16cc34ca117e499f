// The soak's arithmetic (issue 18): per-cycle samples, the windows compared and the trend. No I/O, so unit tests
// check it (test/unit/soakSummary.test.ts); bench/soak.ts runs the cycles.

export interface SoakSample {
  cycle: number;
  /** This process (the host: engine, transports, DAP channel). */
  hostRss: number;
  hostFds: number;
  /** V8 heap in use after a full collection: what the host still holds, apart from the allocator's slack. */
  hostHeapUsed: number;
  /** V8 heap committed (all spaces): grows in steps when V8 enlarges its young generation, which RSS shows. */
  hostHeapTotal: number;
  /** Memory of Buffers/ArrayBuffers and other objects outside the V8 heap (read chunks, the addon's allocations). */
  hostExternal: number;
  /** The debuggee, to see whether inspection leaves anything behind in it. */
  debuggeeRss: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface SoakWindow {
  hostRss: number;
  /**
   * RSS less V8's committed heap: roughly the host's memory apart from the size V8 chose for its spaces (rough: not
   * every committed page is resident, so a young generation enlarged but untouched makes this fall).
   */
  hostRssOutsideHeap: number;
  hostHeapTotal: number;
  hostFds: number;
  hostHeapUsed: number;
  hostExternal: number;
  debuggeeRss: number;
}

export interface SoakSummary {
  /** Cycles left out before the first window (see WARMUP_CYCLES), and the cycles in each window. */
  warmup: number;
  window: number;
  first: SoakWindow;
  last: SoakWindow;
  /** last / first median host RSS. */
  hostRssRatio: number;
  hostRssOutsideHeapRatio: number;
  debuggeeRssRatio: number;
  /** Least-squares slope of host / debuggee RSS over every cycle after the warm-up, bytes per cycle. */
  hostRssSlope: number;
  debuggeeRssSlope: number;
}

/**
 * Cycles a soak leaves out before its first window. The host fills up in its first cycles and then stays put:
 * V8 compiles and optimises the inspection paths, the inspector host keeps the current and previous stops' values for
 * "changed since last stop" (2 x 2 MiB as float64 for the soak's 512 x 512 image) and its preview tile, the chunk
 * pool keeps a buffer. Measured (docs/benchmarks.md, soak session 6): host RSS 67-70 MiB at cycle 1, 88-93 MiB by
 * cycle 25, then within a few MiB to cycle 200; a window over cycles 1-50 measures that fill, not a leak.
 */
export const WARMUP_CYCLES = 25;

function slope(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (i - mx) * (ys[i] - my);
    den += (i - mx) * (i - mx);
  }
  return num / den;
}

/**
 * Medians of the first `window` cycles after `warmup` and of the last `window` cycles (the flatness test:
 * within 10 %), and the RSS trend after the warm-up. `warmup` shrinks so that two windows always fit.
 */
export function summarize(samples: readonly SoakSample[], window: number, warmup = WARMUP_CYCLES): SoakSummary {
  const skip = Math.max(0, Math.min(warmup, samples.length - 2 * Math.min(window, Math.floor(samples.length / 2))));
  const rest = samples.slice(skip);
  const w = Math.min(window, Math.floor(rest.length / 2));
  const part = (xs: readonly SoakSample[]): SoakWindow => ({
    hostRss: median(xs.map((s) => s.hostRss)),
    hostRssOutsideHeap: median(xs.map((s) => s.hostRss - s.hostHeapTotal)),
    hostHeapTotal: median(xs.map((s) => s.hostHeapTotal)),
    hostFds: median(xs.map((s) => s.hostFds)),
    hostHeapUsed: median(xs.map((s) => s.hostHeapUsed)),
    hostExternal: median(xs.map((s) => s.hostExternal)),
    debuggeeRss: median(xs.map((s) => s.debuggeeRss)),
  });
  const first = part(rest.slice(0, w));
  const last = part(rest.slice(rest.length - w));
  return {
    warmup: skip,
    window: w,
    first,
    last,
    hostRssRatio: last.hostRss / first.hostRss,
    hostRssOutsideHeapRatio: last.hostRssOutsideHeap / first.hostRssOutsideHeap,
    debuggeeRssRatio: last.debuggeeRss / first.debuggeeRss,
    hostRssSlope: slope(rest.map((s) => s.hostRss)),
    debuggeeRssSlope: slope(rest.map((s) => s.debuggeeRss)),
  };
}

/** Flatness as the issue asks: median host RSS of the last `window` cycles within 10 % of the first `window`'s. */
export function isFlat(sum: SoakSummary): boolean {
  return Math.abs(sum.hostRssRatio - 1) <= 0.1;
}
