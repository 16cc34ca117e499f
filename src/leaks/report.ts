// The JSON `arraylens leaks` prints (issue 7): buffers new and still alive between two stops, buffers that grew,
// buffers freed, persisting reference-count growth across the Python/native boundary, and native blocks nothing
// points to.

export type LeakLanguage = 'python' | 'native' | 'node';

/** Buffers grouped by allocation site: the innermost frame in the user's own code. */
export interface LeakGroup {
  language: LeakLanguage;
  site: string;
  count: number;
  bytes: number;
  dtype?: string;
  shape?: number[];
}

/** Buffers alive at both stops that grew (realloc, mremap, ndarray.resize), at the site of their first allocation. */
export interface GrownGroup extends LeakGroup {
  /** The growth: `to_bytes - from_bytes`. */
  bytes: number;
  from_bytes: number;
  to_bytes: number;
}

export interface RefcountEntry {
  /**
   * The user's line that called the native code which took the references, or, when no watched call took them, the
   * array's allocation site (the FROM stop when it was allocated before tracing began).
   */
  site: string;
  expr?: string;
  /** The native function called there, as the program names it (`arraylens_mixed.keep_ref`). */
  call?: string;
  /** Growth of the references no Python container or frame holds (held by native code). */
  delta: number;
}

/** A view over memory it does not own whose memory is unmapped or was freed between the stops. */
export interface DanglingView {
  language: LeakLanguage;
  site: string;
  expr?: string;
  address: string;
  bytes: number;
  reason: 'unmapped' | 'freed';
}

export interface LeaksReport {
  from: string;
  to: string;
  new: LeakGroup[];
  grown: GrownGroup[];
  freed: LeakGroup[];
  refcount: RefcountEntry[];
  unreferenced: LeakGroup[];
  dangling: DanglingView[];
  /** How the check was made: tracker loaded, blocks it could not record, bytes scanned. */
  /** scanKernel: the unreferenced scan's kernel (`native-avx512`, ..., `js`; `none` when nothing was scanned). */
  notes: { tracker: boolean; trackerDropped: number; scannedBytes: number; scanMs: number; scanKernel?: string; minBytes: number };
}
