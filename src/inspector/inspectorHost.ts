// The host side of one Array Inspector panel, without VS Code: validates what the webview sends, answers its
// requests from an ArraySource at the current stop, and tells it about new stops ("changed since last stop").

import { ArrayLensError, isArrayLensError } from '../core/errors';
import type { InspectArgs, JsonStats } from '../protocol/dap';
import {
  ArrayState,
  HostMessage,
  PANEL_STATS_BINS,
  ProtocolError,
  RequestParams,
  RequestResult,
  ResponseError,
  WebviewMethod,
  WebviewRequest,
  parseWebviewMessage,
  recoverRequestId,
} from '../protocol/webview';
import { defaultPreviewIndex } from '../protocol/plane';
import { PulledArray, compareArrays, pullArray } from './compare';
import { sliceAsNpy } from './exportSlice';
import { ArraySource } from '../engine/arraySource';

/** Arrays up to this many elements are kept from each stop (as numbers) for "compare with the previous stop". */
export const SNAPSHOT_LIMIT_ELEMENTS = 1 << 20;

/** A file name from an expression or index: no path separators or shell-hostile characters. */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.,[\]-]+/g, '_').slice(0, 120);
}

interface Snapshot {
  stop: number;
  expr: string;
  /** null: not kept (too large, or unreadable). */
  pulled: Promise<PulledArray | null>;
}

/** User settings the host applies to every read (arraylens.histogramBins, arraylens.transport). */
export interface InspectorSettings {
  bins?: () => number;
  transport?: () => InspectArgs['transport'];
  /** Asks where to save `data` (suggested file name) and writes it; resolves to the path, or null when cancelled. */
  save?: (suggestedName: string, data: Uint8Array, kind: 'npy' | 'png' | 'csv') => Promise<string | null>;
  /** Puts text on the clipboard. */
  copy?: (text: string) => Promise<void>;
  /** The webview pinned another expression: the panel now follows it (VS Code retitles the panel). */
  onPinned?: (expr: string) => void;
}

export interface StopContext {
  source: ArraySource;
  frameId: number;
}

export class InspectorHost {
  private stop = 0;
  private ctx: StopContext | null;
  private lastFingerprint: string | null = null;
  private state: ArrayState;
  private statsCache: { stop: number; bins: number; value: Promise<JsonStats> } | null = null;
  /** Starts this stop's fingerprint + stats pass, once: the webview's first stats request at that stop calls it. */
  private startPass: (() => void) | null = null;
  private abort = new AbortController();
  private ready = false;
  private current: Snapshot | null = null;
  private previous: Snapshot | null = null;
  /** Whole arrays pulled for compare at this stop, by expression (dropped on the next stop). */
  private pulled = new Map<string, Promise<PulledArray>>();

  constructor(
    private readonly post: (m: HostMessage) => void,
    private exprText: string,
    private readonly session: string,
    ctx: StopContext | null,
    /** Called with a message when the webview sent something malformed or reported a rejection. */
    private readonly onProblem: (message: string) => void = () => undefined,
    private readonly settings: InspectorSettings = {},
  ) {
    this.ctx = ctx;
    this.state = { stop: 0, session, expr: exprText, array: null, transport: null, changed: null, error: 'waiting for the debuggee to stop', };
  }

  get expr(): string {
    return this.exprText;
  }

  /** One message from the webview, unvalidated. Never throws. */
  async handle(raw: unknown): Promise<void> {
    let msg;
    try {
      msg = parseWebviewMessage(raw);
    } catch (e) {
      const why = `rejected a malformed message from the webview: ${(e as Error).message}`;
      this.onProblem(why);
      const req = recoverRequestId(raw);
      if (req) this.post({ type: 'response', id: req.id, method: req.method, ok: false, error: { code: 'protocol', message: why } });
      else this.post({ type: 'notify', method: 'error', params: { message: why } });
      return;
    }
    if (msg.type === 'notify') {
      if (msg.method === 'ready') {
        this.ready = true;
        this.post({ type: 'notify', method: 'state', params: this.state });
      } else this.onProblem(`the webview rejected a message: ${msg.params.message}`);
      return;
    }
    await this.answer(msg);
  }

  private async answer(req: WebviewRequest): Promise<void> {
    try {
      if (req.params.stop !== this.stop)
        throw new ArrayLensError('stale', `stop ${req.params.stop} is over; the program is at stop ${this.stop}`);
      const ctx = this.ctx;
      if (!ctx) throw new ArrayLensError('stale', 'the program is running: values show at the next stop');
      const transport = this.settings.transport?.();
      const base = { frameId: ctx.frameId, expr: this.expr, transport };
      switch (req.method) {
        case 'readTile': {
          const body = await ctx.source.inspect({ ...base, tile: { index: req.params.index, transpose: req.params.transpose } });
          this.reply(req, 'readTile', body.tile!);
          break;
        }
        case 'readOverview': {
          const { index, transpose, factor, mode } = req.params;
          const body = await ctx.source.inspect({ ...base, reduce: { index, transpose, factor, mode } }, this.abort.signal);
          this.reply(req, 'readOverview', body.reduced!);
          break;
        }
        case 'percentiles': {
          const body = await ctx.source.inspect({ ...base, percentiles: req.params.ranks }, this.abort.signal);
          this.reply(req, 'percentiles', { values: body.percentiles ?? null });
          break;
        }
        case 'stats':
          this.reply(req, 'stats', await this.stats(ctx, this.settings.bins?.() ?? req.params.bins));
          break;
        case 'compare':
          this.reply(req, 'compare', await this.compare(ctx, req.params));
          break;
        case 'exportNpy': {
          const save = this.needSave();
          const data = await sliceAsNpy(ctx.source, { frameId: ctx.frameId, transport }, this.exprText, req.params.index, this.abort.signal);
          this.reply(req, 'exportNpy', { path: await save(`${safeName(this.exprText)}${safeName(req.params.index)}.npy`, data, 'npy') });
          break;
        }
        case 'saveFile': {
          const save = this.needSave();
          const data = Buffer.from(req.params.base64, 'base64');
          if (req.params.kind === 'png' && !data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
            throw new ArrayLensError('bad-argument', 'the PNG to save is not a PNG');
          this.reply(req, 'saveFile', { path: await save(safeName(req.params.name), data, req.params.kind) });
          break;
        }
        case 'copyText': {
          if (!this.settings.copy) throw new ArrayLensError('bad-argument', 'no clipboard here');
          await this.settings.copy(req.params.text);
          this.reply(req, 'copyText', {});
          break;
        }
        case 'pin': {
          const expr = req.params.expr.trim();
          if (!expr) throw new ArrayLensError('bad-expression', 'type an expression to follow, e.g. image[0] or frames');
          this.exprText = expr;
          this.lastFingerprint = null;
          this.current = this.previous = null;
          this.settings.onPinned?.(expr);
          this.reply(req, 'pin', { expr });
          await this.stopped(ctx);
          break;
        }
      }
    } catch (e) {
      const code = isArrayLensError(e) ? e.code : e instanceof ProtocolError ? 'protocol' : 'internal';
      const err: ResponseError = { type: 'response', id: req.id, method: req.method, ok: false, error: { code, message: (e as Error).message } };
      this.post(err);
    }
  }

  private reply<M extends WebviewMethod>(req: WebviewRequest, method: M, result: RequestResult<M>): void {
    this.post({ type: 'response', id: req.id, method, ok: true, result } as HostMessage);
  }

  private needSave(): NonNullable<InspectorSettings['save']> {
    if (!this.settings.save) throw new ArrayLensError('bad-argument', 'saving files is not available in this host');
    return this.settings.save;
  }

  private pull(ctx: StopContext, expr: string): Promise<PulledArray> {
    if (expr === this.exprText && this.current?.stop === this.stop) {
      const kept = this.current.pulled;
      return kept.then((p) => p ?? this.pullFresh(ctx, expr));
    }
    return this.pullFresh(ctx, expr);
  }

  private pullFresh(ctx: StopContext, expr: string): Promise<PulledArray> {
    let p = this.pulled.get(expr);
    if (!p) {
      p = pullArray(ctx.source, { frameId: ctx.frameId, transport: this.settings.transport?.() }, expr, this.abort.signal);
      this.pulled.set(expr, p);
      p.catch(() => this.pulled.delete(expr));
    }
    return p;
  }

  private async compare(ctx: StopContext, p: RequestParams<'compare'>): Promise<RequestResult<'compare'>> {
    const stop = this.stop;
    const a = await this.pull(ctx, this.exprText);
    let b: PulledArray;
    let label: string;
    if (p.other.kind === 'expr') {
      b = await this.pull(ctx, p.other.expr);
      label = `${p.other.expr} (stop ${stop})`;
    } else {
      const prev = this.previous;
      if (!prev) throw new ArrayLensError('bad-argument', `no earlier stop of ${this.exprText} is kept yet: step once, then compare`);
      const kept = await prev.pulled;
      if (!kept)
        throw new ArrayLensError(
          'bad-argument',
          `stop ${prev.stop} of ${this.exprText} was not kept (arrays up to ${SNAPSHOT_LIMIT_ELEMENTS} elements are kept between stops): compare with an expression instead`,
        );
      b = kept;
      label = `${this.exprText} (stop ${prev.stop})`;
    }
    return compareArrays(a, b, { a: `${this.exprText} (stop ${stop})`, b: label }, p.rtol, p.atol, p.plane);
  }

  private stats(ctx: StopContext, bins: number): Promise<JsonStats> {
    if (bins === (this.settings.bins?.() ?? PANEL_STATS_BINS)) this.startPass?.();
    if (this.statsCache && this.statsCache.stop === this.stop && this.statsCache.bins === bins) return this.statsCache.value;
    const signal = this.abort.signal;
    const value = ctx.source
      .inspect({ frameId: ctx.frameId, expr: this.expr, stats: { bins }, transport: this.settings.transport?.() }, signal)
      .then((b) => b.stats!);
    this.statsCache = { stop: this.stop, bins, value };
    value.catch(() => (this.statsCache = null));
    return value;
  }

  /**
   * How long the last stop the webview was told about took: all of stopped(), its describe, and the first picture's
   * sample (null: not read). For logs and benches.
   */
  stopTimings: { stop: number; totalMs: number; describeMs: number | null; sampleMs: number | null } = { stop: 0, totalMs: 0, describeMs: null, sampleMs: null };

  /**
   * The program stopped (or the panel opened at a stop): describe the array there and tell the webview at once, with
   * the coarse first picture of its default plane (one strided read of at most HEAT_TILE² values); the content
   * fingerprint ("changed since last stop") and the panel's whole-array stats follow in one pass and never hold up
   * the picture (a `changed` notification; the webview's `stats` request starts that pass and waits for it).
   */
  async stopped(ctx: StopContext): Promise<ArrayState> {
    this.startPass = null;
    this.abort.abort();
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.ctx = ctx;
    this.stop++;
    this.statsCache = null;
    const stop = this.stop;
    const transport = this.settings.transport?.();
    let next: ArrayState;
    const t0 = performance.now();
    let described: number | null = null;
    let sampled: number | null = null;
    try {
      const body = await ctx.source.inspect({ frameId: ctx.frameId, expr: this.expr, transport }, signal);
      described = performance.now();
      next = { stop, session: this.session, expr: this.expr, array: body.array, transport: body.transport, changed: null, error: null };
      const at = body.array && !body.array.onRequest ? defaultPreviewIndex(body.array.shape) : null;
      if (at && stop === this.stop) {
        // Best effort: without it the webview asks for the same sample itself.
        const tile = await ctx.source.inspect({ frameId: ctx.frameId, expr: this.expr, transport, tile: at }, signal).then(
          (b) => b.tile ?? null,
          () => null,
        );
        if (tile) next.preview = { ...at, tile };
        sampled = performance.now();
      }
    } catch (e) {
      next = { stop, session: this.session, expr: this.expr, array: null, transport: null, changed: null, error: (e as Error).message };
    }
    if (stop !== this.stop) return next; // a newer stop overtook this one
    this.stopTimings = {
      stop,
      totalMs: performance.now() - t0,
      describeMs: described === null ? null : described - t0,
      sampleMs: described === null || sampled === null ? null : sampled - described,
    };
    this.state = next;
    if (this.ready) this.post({ type: 'notify', method: 'state', params: next });
    this.keepSnapshot(ctx, next);
    // The pass over the whole array starts when the webview asks for its stats, which it does once its picture is
    // complete (the picture first: both read the array). A stop the webview never asks about (the panel was closed)
    // gets no fingerprint, and the next stop then says nothing about "changed".
    const before = this.lastFingerprint;
    this.lastFingerprint = null;
    if (next.array)
      this.startPass = () => {
        this.startPass = null;
        void this.fingerprint(ctx, stop, signal, before);
      };
    return next;
  }

  /**
   * The stop's content fingerprint (an exact hash up to 64 MiB, else made from the whole-array stats) with the panel's
   * stats in the same pass; compared with the previous stop's. A stop whose fingerprint is never known (cancelled,
   * failed) leaves none to compare the next stop with.
   */
  private async fingerprint(ctx: StopContext, stop: number, signal: AbortSignal, before: string | null): Promise<void> {
    const bins = this.settings.bins?.() ?? PANEL_STATS_BINS;
    const body = ctx.source.inspect(
      { frameId: ctx.frameId, expr: this.expr, fingerprint: true, stats: { bins }, transport: this.settings.transport?.() },
      signal,
    );
    const value = body.then((b) => b.stats!);
    this.statsCache = { stop, bins, value };
    value.catch(() => {
      if (this.statsCache?.value === value) this.statsCache = null;
    });
    let fp: string | null;
    try {
      fp = (await body).fingerprint ?? null;
    } catch {
      return; // cancelled by the next stop, or unreadable: the badge stays empty
    }
    if (stop !== this.stop) return;
    this.lastFingerprint = fp;
    const changed = before === null || fp === null ? null : fp !== before;
    this.state = { ...this.state, changed };
    if (this.ready) this.post({ type: 'notify', method: 'changed', params: { stop, changed } });
  }

  /** Keeps this stop's values (small arrays only) so that the next stop can be compared with it. */
  private keepSnapshot(ctx: StopContext, s: ArrayState): void {
    this.pulled = new Map();
    if (this.current && this.current.expr === s.expr) this.previous = this.current;
    const small = s.array !== null && s.array.size <= SNAPSHOT_LIMIT_ELEMENTS && !s.array.dtype.startsWith('complex');
    const pulled = small
      ? pullArray(ctx.source, { frameId: ctx.frameId, transport: this.settings.transport?.() }, s.expr, this.abort.signal).catch(() => null)
      : Promise.resolve(null);
    this.current = { stop: s.stop, expr: s.expr, pulled };
  }

  /** The program runs: requests are answered as stale until the next stop. */
  running(): void {
    this.startPass = null;
    this.abort.abort();
    this.ctx = null;
  }

  ended(reason: string): void {
    this.running();
    this.post({ type: 'notify', method: 'ended', params: { reason } });
  }

  dispose(): void {
    this.startPass = null;
    this.abort.abort();
  }
}
