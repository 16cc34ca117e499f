// The one message protocol between the Array Inspector webview and its host: requests with ids and their
// responses, plus notifications both ways. Declared once below; types are derived; both ends validate with
// parseWebviewMessage / parseHostMessage and reject anything else with a ProtocolError.

import { ArraySummarySchema, IndexTextSchema, PercentileRankSchema, REDUCE_MODES, StatsSchema, TileSchema } from './dap';
import { Infer, ProtocolError, Schema, array, bool, int, literal, nullable, num, object, oneOf, optional, str, tagged } from './schema';

export { ProtocolError } from './schema';

const stopId = int({ min: 0 });

/** A tolerance of numpy.allclose: finite and not negative. */
const tolerance: Schema<number> = {
  describe: 'number >= 0',
  parse(v, path = '') {
    const x = num.parse(v, path);
    if (x < 0) throw new ProtocolError(`${path}: expected a tolerance >= 0, got ${x}`);
    return x;
  },
};

/** What the shown array is compared with: another expression at this stop, or itself at the previous stop. */
export const CompareOtherSchema = tagged('kind', {
  expr: object({ kind: literal('expr'), expr: str({ max: 500 }) }),
  previous: object({ kind: literal('previous') }),
});

export const CompareResultSchema = object({
  /** What was compared, as the user reads it ("ramp (stop 2)" vs "ramp (stop 1)"). */
  a: str({ max: 600 }),
  b: str({ max: 600 }),
  shape: array(int({ min: 0 }), { max: 32 }),
  count: int({ min: 0 }),
  /** Elements with a != b (NaN at the same place counts as equal). */
  differing: int({ min: 0 }),
  /** Elements numpy.isclose(a, b, rtol, atol) calls not close (NaN is never close, as numpy's default). */
  notClose: int({ min: 0 }),
  allclose: bool,
  rtol: num,
  atol: num,
  /** max |a - b| over elements where both are finite; null when there is none. */
  maxAbs: nullable(num),
  maxAbsIndex: nullable(array(int({ min: 0 }), { max: 32 })),
  /** a - b on the displayed plane, each pixel the signed largest-|.| value of a diffFactor × diffFactor block. */
  diff: TileSchema,
  diffFactor: int({ min: 1 }),
});
export type CompareResult = Infer<typeof CompareResultSchema>;

/** Requests the webview sends; the host answers each with a response carrying the same id. */
/** Bins of the stats panel's histogram (unless the `arraylens.bins` setting says otherwise): the host computes the
 * stop's stats with them while describing the array, so the panel's first `stats` request is answered at once. */
export const PANEL_STATS_BINS = 128;

export const WEBVIEW_REQUESTS = {
  /** Elements of one tile of the displayed slice; `index` selects it (NumPy basic indexing on the whole array). */
  readTile: { params: object({ stop: stopId, index: IndexTextSchema, transpose: bool }), result: TileSchema },
  /** Whole-array statistics and histogram. */
  stats: { params: object({ stop: stopId, bins: int({ min: 1, max: 4096 }) }), result: StatsSchema },
  /**
   * A zoomed-out tile: the region `index` (no step) reduced on the host to one value per factor × factor block
   * (mean by default, or min / max), so the webview never holds more than what it shows.
   */
  readOverview: {
    params: object({ stop: stopId, index: IndexTextSchema, transpose: bool, factor: int({ min: 1, max: 1 << 16 }), mode: oneOf(REDUCE_MODES) }),
    result: TileSchema,
  },
  /**
   * Compares the shown array with another of the same shape (whole arrays, on the host): counts, max |a - b|, the
   * allclose verdict under rtol/atol, and a difference image of the displayed plane (`plane`, as a tile index).
   */
  compare: {
    params: object({ stop: stopId, other: CompareOtherSchema, rtol: tolerance, atol: tolerance, plane: object({ index: IndexTextSchema, transpose: bool }) }),
    result: CompareResultSchema,
  },
  /** Follow another expression from now on (re-read at this stop and every later one); a state notification follows. */
  pin: { params: object({ stop: stopId, expr: str({ max: 500 }) }), result: object({ expr: str({ max: 500 }) }) },
  /** Save the slice `index` (integers and ':' only) as .npy: the host reads it and asks where (null: cancelled). */
  exportNpy: { params: object({ stop: stopId, index: IndexTextSchema }), result: object({ path: nullable(str({ max: 4096 })) }) },
  /** Save what the webview made (PNG of the image, CSV of the visible grid): the host asks where and writes it. */
  saveFile: {
    params: object({
      stop: stopId,
      kind: oneOf(['png', 'csv'] as const),
      name: str({ max: 200, pattern: /^[A-Za-z0-9_.,[\] :-]+$/ }),
      base64: str({ max: 96 << 20, pattern: /^[A-Za-z0-9+/]*={0,2}$/ }),
    }),
    result: object({ path: nullable(str({ max: 4096 })) }),
  },
  /** Put text on the clipboard (a NumPy literal of the visible cells). */
  copyText: { params: object({ stop: stopId, text: str({ max: 8 << 20 }) }), result: object({}) },
  /** numpy.percentile of the whole array's finite values (percentile contrast). */
  percentiles: {
    params: object({ stop: stopId, ranks: array(PercentileRankSchema, { min: 1, max: 16 }) }),
    result: object({ values: nullable(array(num, { max: 16 })) }),
  },
} as const;

/** Notifications the webview sends (no answer). */
export const WEBVIEW_NOTIFICATIONS = {
  /** The script has loaded and listens: the host may send state. */
  ready: object({}),
  /** The webview rejected a host message (the host logs it). */
  rejected: object({ message: str({ max: 2000 }) }),
} as const;

export const ArrayStateSchema = object({
  /** Increases on every stop of the session; tiles of an older stop are stale. */
  stop: stopId,
  session: str({ max: 300 }),
  expr: str({ max: 500 }),
  /** null when the expression does not name an array at this stop (error says why). */
  array: nullable(ArraySummarySchema),
  transport: nullable(str({ max: 20 })),
  /**
   * Content fingerprint at this stop; `changed` compares it with the previous stop's (null on the first, and while it
   * is being computed: a `changed` notification follows).
   */
  changed: nullable(bool),
  error: nullable(str({ max: 2000 })),
  /**
   * The coarse first picture of the default plane (src/protocol/plane.ts defaultPreviewIndex), read with the state so
   * that the panel paints it without asking; the webview uses it when it would ask for exactly this index.
   */
  preview: optional(object({ index: IndexTextSchema, transpose: bool, tile: TileSchema })),
});
export type ArrayState = Infer<typeof ArrayStateSchema>;

/** Notifications the host sends. */
export const HOST_NOTIFICATIONS = {
  /** What the panel shows, sent on open and after every stop. */
  state: ArrayStateSchema,
  /** The stop's content fingerprint is known (after the state): whether the array changed since the last stop. */
  changed: object({ stop: stopId, changed: nullable(bool) }),
  /** The debug session ended: keep the last picture, mark it as such. */
  ended: object({ reason: str({ max: 500 }) }),
  /** Something failed on the host side that is not the answer to a request. */
  error: object({ message: str({ max: 2000 }) }),
} as const;

export const ErrorCodeSchema = oneOf([
  'bad-argument', 'bad-slice', 'bad-expression', 'unknown-expression', 'not-an-array', 'unsupported-dtype', 'unreadable',
  'program-ended', 'debugger-missing', 'debugger-failed', 'timeout', 'cancelled', 'stale', 'protocol', 'internal',
] as const);

type Requests = typeof WEBVIEW_REQUESTS;
type WNotes = typeof WEBVIEW_NOTIFICATIONS;
type HNotes = typeof HOST_NOTIFICATIONS;
export type WebviewMethod = keyof Requests;
export type RequestParams<M extends WebviewMethod> = Infer<Requests[M]['params']>;
export type RequestResult<M extends WebviewMethod> = Infer<Requests[M]['result']>;

export type WebviewRequest = { [M in WebviewMethod]: { type: 'request'; id: number; method: M; params: RequestParams<M> } }[WebviewMethod];
export type WebviewNotification = { [M in keyof WNotes]: { type: 'notify'; method: M; params: Infer<WNotes[M]> } }[keyof WNotes];
export type WebviewMessage = WebviewRequest | WebviewNotification;

export type ResponseOk = { [M in WebviewMethod]: { type: 'response'; id: number; method: M; ok: true; result: RequestResult<M> } }[WebviewMethod];
export interface ResponseError {
  type: 'response';
  id: number;
  method: WebviewMethod;
  ok: false;
  error: { code: Infer<typeof ErrorCodeSchema>; message: string };
}
export type HostNotification = { [M in keyof HNotes]: { type: 'notify'; method: M; params: Infer<HNotes[M]> } }[keyof HNotes];
export type HostMessage = ResponseOk | ResponseError | HostNotification;

const requestId = int({ min: 0 });

/** A field's value in an error message; never calls into the value (`{toString: ''}` would throw a TypeError). */
function shown(v: unknown): string {
  if (typeof v === 'string') return `'${v.slice(0, 40)}'`;
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

function byMethod(
  build: (method: string) => Schema<unknown>,
  methods: readonly string[],
  type: string,
): (v: Record<string, unknown>) => unknown {
  const table = new Map(methods.map((m) => [m, build(m)]));
  return (v) => {
    const m = v.method;
    const s = typeof m === 'string' ? table.get(m) : undefined;
    if (!s) throw new ProtocolError(`unknown ${type} method ${shown(m)}`);
    return s.parse(v);
  };
}

const parseRequest = byMethod(
  (m) => object({ type: literal('request'), id: requestId, method: literal(m), params: WEBVIEW_REQUESTS[m as WebviewMethod].params }),
  Object.keys(WEBVIEW_REQUESTS),
  'request',
);
const parseWebviewNotification = byMethod(
  (m) => object({ type: literal('notify'), method: literal(m), params: WEBVIEW_NOTIFICATIONS[m as keyof WNotes] }),
  Object.keys(WEBVIEW_NOTIFICATIONS),
  'notification',
);
const parseResponseOk = byMethod(
  (m) =>
    object({ type: literal('response'), id: requestId, method: literal(m), ok: literal(true), result: WEBVIEW_REQUESTS[m as WebviewMethod].result }),
  Object.keys(WEBVIEW_REQUESTS),
  'response',
);
const ResponseErrorSchema = object({
  type: literal('response'),
  id: requestId,
  method: oneOf(Object.keys(WEBVIEW_REQUESTS) as WebviewMethod[]),
  ok: literal(false),
  error: object({ code: ErrorCodeSchema, message: str({ max: 4000 }) }),
});
const parseHostNotification = byMethod(
  (m) => object({ type: literal('notify'), method: literal(m), params: HOST_NOTIFICATIONS[m as keyof HNotes] }),
  Object.keys(HOST_NOTIFICATIONS),
  'notification',
);

function asRecord(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError('message: expected an object');
  return v as Record<string, unknown>;
}

/** Validates a message that claims to come from the webview (host side). */
export function parseWebviewMessage(v: unknown): WebviewMessage {
  const r = asRecord(v);
  if (r.type === 'request') return parseRequest(r) as WebviewRequest;
  if (r.type === 'notify') return parseWebviewNotification(r) as WebviewNotification;
  throw new ProtocolError(`message: unknown type ${shown(r.type)}`);
}

/** Validates a message that claims to come from the host (webview side). */
export function parseHostMessage(v: unknown): HostMessage {
  const r = asRecord(v);
  if (r.type === 'response') return (r.ok === false ? ResponseErrorSchema.parse(r) : parseResponseOk(r)) as HostMessage;
  if (r.type === 'notify') return parseHostNotification(r) as HostNotification;
  throw new ProtocolError(`message: unknown type ${shown(r.type)}`);
}

/** The request id of a message that failed validation, when one can be recovered (to answer it with an error). */
export function recoverRequestId(v: unknown): { id: number; method: WebviewMethod } | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (r.type !== 'request' || typeof r.id !== 'number' || !Number.isSafeInteger(r.id) || r.id < 0) return null;
  if (typeof r.method !== 'string' || !Object.prototype.hasOwnProperty.call(WEBVIEW_REQUESTS, r.method)) return null;
  return { id: r.id, method: r.method as WebviewMethod };
}
