// The custom DAP requests of the `arraylens` debug type (arraylens/listArrays, arraylens/inspect), declared once:
// argument and body types are derived from these schemas, which the adapter and the host both validate against.

import { DTYPE_NAMES, dtype } from '../core/dtype';
import type { Stats } from '../core/stats';
import { Infer, ProtocolError, array, bool, int, nullable, num, object, oneOf, optional, refine, str } from './schema';

/** A number that JSON cannot carry exactly (bigint, NaN, ±Inf) travels as a string. */
const exactNumber = {
  describe: 'number | numeric string',
  parse(v: unknown, path = ''): number | string {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && /^(-?\d{1,40}|nan|inf|-inf)$/.test(v)) return v;
    return num.parse(v, path);
  },
};

const MAX_DIMS = 32;
const dim = int({ min: 0, max: 2 ** 53 - 1 });

const LanguageSchema = oneOf(['python', 'native', 'node'] as const);

/** An array in another language over the same bytes: `{language: 'python', expr: 'a'}` (as in the CLI's JSON). */
export const AliasSchema = object({
  language: LanguageSchema,
  expr: str({ max: 500 }),
  /**
   * Where the other debugger stopped when it showed that array (`program.js:12`), when it is not stopped now: a Node
   * + addon pair sees one side at a time, so the other side's names come from its last stop.
   */
  recordedAt: optional(str({ max: 200 })),
  /** In another process (over the same shared-memory segment or mapped file): its pid. */
  pid: optional(int({ min: 1 })),
});
export type ArrayAlias = Infer<typeof AliasSchema>;

/**
 * How a list of aliases reads in the Arrays view and the inspector header: `image, imageData (node at program.js:12)`.
 * Names in `own` (the row's language, stopped now) read bare: `t, view, image (native)`.
 */
export function aliasText(aliases: readonly ArrayAlias[], own?: ArrayAlias['language']): string {
  const groups = new Map<string, string[]>();
  for (const a of aliases) {
    const key = a.pid !== undefined ? `${a.language}, pid ${a.pid}` : a.recordedAt ? `${a.language} at ${a.recordedAt}` : a.language === own ? '' : a.language;
    const names = groups.get(key) ?? [];
    names.push(a.expr);
    groups.set(key, names);
  }
  return [...groups].map(([key, names]) => (key ? `${names.join(', ')} (${key})` : names.join(', '))).join(', ');
}

export const ArraySummarySchema = object({
  /** The expression that names the array in its frame (`image`, `holder.data`). */
  expr: str({ max: 500 }),
  typeName: str({ max: 300 }),
  dtype: oneOf(DTYPE_NAMES),
  byteOrder: oneOf(['little', 'big'] as const),
  shape: array(dim, { max: MAX_DIMS }),
  strides: array(int(), { max: MAX_DIMS }),
  /** Address of element 0, hex. */
  address: str({ max: 40, pattern: /^0x[0-9a-f]+$/ }),
  size: dim,
  nbytes: dim,
  /**
   * The same bytes under other names: in another language of a mixed session (a Rust ArrayView and its NumPy array),
   * the other debugger of a pair, or the same listing (`torch.from_numpy(a)` and `a`, a view and its base).
   */
  aliases: optional(array(AliasSchema, { max: 64 })),
  /** The language the listing found it in; absent from adapters older than the field. */
  language: optional(LanguageSchema),
  /**
   * Listing only: the array exists once code of the object runs (a computed `__array_interface__`, a Pillow image, a
   * CUDA tensor copied to the host), which listing never does; this says why (`Pillow image: its pixels are read when
   * opened`). dtype and shape are then an empty placeholder; inspecting `expr` computes the array.
   */
  onRequest: optional(str({ max: 300 })),
});
export type ArraySummary = Infer<typeof ArraySummarySchema>;

/** A NumPy basic index in text (`[3, 0:64, 128:192:2]`); parsed again by src/core/indexing where it is used. */
export const IndexTextSchema = str({ max: 600, pattern: /^\[[-0-9:, .Nonea-z]*\]$/ });

export const TileRequestSchema = object({
  index: IndexTextSchema,
  /** Swap the two remaining axes after slicing (rows from the later axis). */
  transpose: bool,
});
export type TileRequest = Infer<typeof TileRequestSchema>;

/** How a block of factor × factor elements becomes one overview pixel (NaN ignored; ±Inf count for min/max only). */
export const REDUCE_MODES = ['mean', 'min', 'max'] as const;
export type ReduceMode = (typeof REDUCE_MODES)[number];

export const ReduceRequestSchema = object({
  /** The region, as a tile index without step (0-2 dims left); read in chunks and reduced where the bytes are read. */
  index: IndexTextSchema,
  transpose: bool,
  /** Block edge: each output element summarises factor × factor input elements (factor along the one axis in 1-D). */
  factor: int({ min: 1, max: 1 << 16 }),
  mode: oneOf(REDUCE_MODES),
});
export type ReduceRequest = Infer<typeof ReduceRequestSchema>;

/** A percentile rank q in [0, 100], as numpy.percentile takes it. */
export const PercentileRankSchema = {
  describe: 'number in [0, 100]',
  parse(v: unknown, path = ''): number {
    const x = num.parse(v, path);
    if (x < 0 || x > 100) throw new ProtocolError(`${path}: expected a percentile rank in [0, 100], got ${x}`);
    return x;
  },
};

/** Upper bound of elements in one tile: the UI asks for what is visible, never for a whole big array. */
export const MAX_TILE_ELEMENTS = 1 << 20;

/** Bytes a base64 text decodes to (the text already matched the alphabet and padding pattern). */
function base64Bytes(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

/**
 * Issue 18: the bytes must be exactly shape × itemsize (and the text whole base64), so that a decoder sizing its
 * typed array from the shape never reads past the bytes or shows a short buffer as data; refused at the boundary.
 */
function tileBytesWrong(t: { shape: number[]; dtype: (typeof DTYPE_NAMES)[number]; base64: string }): string | null {
  if (t.base64.length % 4 !== 0) return `base64 of ${t.base64.length} characters is not whole (a multiple of 4)`;
  const elements = t.shape.reduce((a, b) => a * b, 1);
  const want = elements * dtype(t.dtype).itemsize;
  const got = base64Bytes(t.base64);
  if (got !== want) return `tile bytes (${got}) disagree with its shape [${t.shape.join(', ')}] × ${t.dtype} itemsize (${want} bytes)`;
  return null;
}

export const TileSchema = refine(
  object({
    /** 0, 1 or 2 dims after slicing (and transposing). */
    shape: array(dim, { max: 2 }),
    dtype: oneOf(DTYPE_NAMES),
    byteOrder: oneOf(['little', 'big'] as const),
    /** C-order element bytes. */
    base64: str({ max: Math.ceil((MAX_TILE_ELEMENTS * 16) / 3) * 4 + 8, pattern: /^[A-Za-z0-9+/]*={0,2}$/ }),
  }),
  tileBytesWrong,
);
export type Tile = Infer<typeof TileSchema>;

export const StatsSchema = object({
  count: dim,
  nan: dim,
  posinf: dim,
  neginf: dim,
  zeros: dim,
  min: nullable(exactNumber),
  max: nullable(exactNumber),
  mean: nullable(exactNumber),
  std: nullable(exactNumber),
  histogram: object({
    bins: int({ min: 1, max: 4096 }),
    lo: nullable(num),
    hi: nullable(num),
    counts: array(dim, { max: 4096 }),
  }),
  backend: str({ max: 60 }),
});
export type JsonStats = Infer<typeof StatsSchema>;

/**
 * An array another debugger of the same process showed (a Node + addon pair: the JavaScript arrays at the last JS
 * stop): a native frame's pointer locals into its bytes are listed with its extent (`imageData as float32[3072]`).
 */
export const KnownArraySchema = object({
  language: LanguageSchema,
  expr: str({ max: 500 }),
  address: str({ max: 40, pattern: /^0x[0-9a-f]+$/ }),
  nbytes: dim,
});
export type KnownArray = Infer<typeof KnownArraySchema>;

export const ListArraysArgsSchema = object({
  frameId: int({ min: 0 }),
  known: optional(array(KnownArraySchema, { max: 10000 })),
});
export const ListArraysBodySchema = object({ arrays: array(ArraySummarySchema, { max: 10000 }) });

export const InspectArgsSchema = object({
  frameId: int({ min: 0 }),
  expr: str({ max: 500 }),
  tile: optional(TileRequestSchema),
  stats: optional(object({ bins: int({ min: 1, max: 4096 }) })),
  /** Ask for a content fingerprint (to tell "changed since last stop"). */
  fingerprint: optional(bool),
  /** A block-reduced overview of a region (mean / min / max), computed where the bytes are read. */
  reduce: optional(ReduceRequestSchema),
  /** numpy.percentile of the whole array's finite values (|z| for complex) at these ranks. */
  percentiles: optional(array(PercentileRankSchema, { min: 1, max: 16 })),
  /** How to read the bytes (the arraylens.transport setting); auto when absent. */
  transport: optional(oneOf(['auto', 'direct', 'dap', 'memfd', 'evaluate'] as const)),
});
export type InspectArgs = Infer<typeof InspectArgsSchema>;

export const InspectBodySchema = object({
  array: ArraySummarySchema,
  transport: str({ max: 20 }),
  tile: optional(TileSchema),
  stats: optional(StatsSchema),
  fingerprint: optional(str({ max: 100 })),
  /** The overview asked for with `reduce`: float32 or float64 (NaN where a block holds no value). */
  reduced: optional(TileSchema),
  /** Values at the ranks asked for with `percentiles`; null when the array has no finite value. */
  percentiles: optional(nullable(array(num, { max: 16 }))),
});
export type InspectBody = Infer<typeof InspectBodySchema>;

/** Every custom request: name -> argument and body schemas. */
export const ARRAYLENS_REQUESTS = {
  'arraylens/listArrays': { args: ListArraysArgsSchema, body: ListArraysBodySchema },
  'arraylens/inspect': { args: InspectArgsSchema, body: InspectBodySchema },
} as const;
export type ArrayLensRequest = keyof typeof ARRAYLENS_REQUESTS;
export type RequestArgs<R extends ArrayLensRequest> = Infer<(typeof ARRAYLENS_REQUESTS)[R]['args']>;
export type RequestBody<R extends ArrayLensRequest> = Infer<(typeof ARRAYLENS_REQUESTS)[R]['body']>;

export function isArrayLensRequest(command: string): command is ArrayLensRequest {
  return Object.prototype.hasOwnProperty.call(ARRAYLENS_REQUESTS, command);
}

/**
 * A client request that can change the stopped program's values without a stop or continue event: the user's Debug
 * Console input (`evaluate` in the `repl` context) and setting a variable or expression. Cached resolves and
 * summaries of the stop are dropped after it. Two console commands that change no value do not count: lldb's
 * `type lookup` and gdb's `set may-call-functions` (ArrayLens sends both through a riding session's console).
 */
export function mayChangeProgram(command: string, args: unknown): boolean {
  if (command === 'setVariable' || command === 'setExpression') return true;
  const a = args as { context?: unknown; expression?: unknown } | undefined;
  if (command !== 'evaluate' || a?.context !== 'repl') return false;
  const expr = typeof a.expression === 'string' ? a.expression.trim() : '';
  return !/^`type lookup\s/.test(expr) && !/^>\s*set may-call-functions (off|on)$/.test(expr);
}

/** Stats as the engine computes them, made JSON-exact (bigints, NaN, ±Inf as strings). */
export function jsonStats(s: Stats, backend: string): JsonStats {
  const n = (x: number | bigint | null): number | string | null => {
    if (x === null) return null;
    if (typeof x === 'bigint') return Number.isSafeInteger(Number(x)) ? Number(x) : x.toString();
    if (Number.isNaN(x)) return 'nan';
    if (x === Infinity) return 'inf';
    if (x === -Infinity) return '-inf';
    return x;
  };
  return {
    count: s.count,
    nan: s.nan,
    posinf: s.posinf,
    neginf: s.neginf,
    zeros: s.zeros,
    min: n(s.min),
    max: n(s.max),
    mean: n(s.mean),
    std: n(s.std),
    histogram: { bins: s.histogram.bins, lo: s.histogram.lo, hi: s.histogram.hi, counts: s.histogram.counts },
    backend,
  };
}
