// The buffer ledger of one debugged process as the Leaks view follows it: a snapshot of the preloaded tracker's table
// (and, for a Python program, the NumPy census) at each stop, diffed against the previous stop or a pinned one with the
// CLI's own ledger (src/leaks/ledger.ts). The work runs in a worker thread (src/leaks/ledgerWorker.ts) that keeps the
// snapshots; this side numbers the stops and runs the census and the native-call watch through the debugger's
// `evaluate` (the worker has no debugger). No vscode import: the view and its headless test drive the same class.

import * as path from 'path';
import { Worker } from 'worker_threads';
import { ArrayLensError, ErrorCode } from '../core/errors';
import { CallWatch, callWatchExpression, parseCallWatch } from './callWatch';
import { PythonCensus, censusExpression, parseCensus } from './pythonCensus';
import { LeaksReport } from './report';

export interface LedgerStopSummary {
  /** The ledger's own stop number (1 for the first snapshot of the process). */
  stop: number;
  /** Whether the allocation tracker is loaded in the process (null table otherwise). */
  tracker: boolean;
  blocks: number;
  bytes: number;
  /** Allocations the tracker could not record (its table was full). */
  dropped: number;
  minBytes: number;
  /** A Python program's NumPy census at this stop (null for other programs). */
  census: { numpy: boolean; arrays: number } | null;
  /** Why the tracker's table of a Python program was not read (the census stands without it). */
  unreadable?: string;
}

/**
 * Evaluates a Python expression in the paused frame of the stop (debugpy `evaluate`, context `clipboard`: results
 * over 64 KiB are not cut) and answers its result.
 */
export type PythonEvaluate = (expression: string) => Promise<string>;

export interface LedgerComparison {
  report: LeaksReport;
  from: number;
  to: number;
  /** `from` is the pinned snapshot (else the previous one). */
  pinned: boolean;
}

export type LedgerRequest =
  /** `census`/`calls`: taken by the host at this stop (Python programs), before the worker reads the table. */
  | { id: number; op: 'snapshot'; stop: number; census?: PythonCensus | null; calls?: CallWatch | null }
  | { id: number; op: 'compare'; from: number; to: number; minBytes?: number }
  | { id: number; op: 'keep'; stops: number[] };

type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

export type LedgerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; code: ErrorCode | null; message: string };

/** Beside this file in out/src/leaks/, and beside the bundles in dist/ (webpack.config.js builds dist/ledgerWorker.js). */
export const LEDGER_WORKER_SCRIPT = path.join(__dirname, 'ledgerWorker.js');

export class ProcessLedger {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private latest: number | null = null;
  private previous: number | null = null;
  private pinnedStop: number | null = null;
  private failure: Error | null = null;
  /** Python: tracemalloc runs in the debuggee (started by the first census that found NumPy). */
  private tracing = false;
  /** Python: the native-call watch runs in the debuggee since the latest snapshot. */
  private watching = false;
  /** Python: the census's array ids per kept stop (the next census names the arrays of its baseline). */
  private readonly arrayIds = new Map<number, number[]>();

  constructor(
    readonly pid: number,
    script = LEDGER_WORKER_SCRIPT,
    private readonly timeoutMs = 180_000,
  ) {
    this.worker = new Worker(script, { workerData: { pid } });
    this.worker.unref();
    this.worker.on('message', (r: LedgerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      clearTimeout(p.timer);
      if (r.ok) p.resolve(r.result);
      else p.reject(r.code ? new ArrayLensError(r.code, r.message) : new Error(r.message));
    });
    const fail = (e: Error): void => {
      this.failure = e;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(e);
      }
    };
    this.worker.on('error', (e) => fail(new ArrayLensError('debugger-failed', `the leak ledger failed: ${e.message}`)));
    this.worker.on('exit', () => fail(new ArrayLensError('stale', 'the leak ledger of this process was closed')));
  }

  private ask<T>(req: Unnumbered<LedgerRequest>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ArrayLensError('timeout', `the leak snapshot of process ${this.pid} took over ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.worker.postMessage({ ...req, id } as LedgerRequest);
    });
  }

  /** The stop compared against: the pinned one, else the one before the latest. */
  get baseline(): number | null {
    return this.pinnedStop ?? this.previous;
  }

  get pinned(): number | null {
    return this.pinnedStop;
  }

  get latestStop(): number | null {
    return this.latest;
  }

  /**
   * Takes the snapshot of the stop the process is at now (the next stop number), keeping only what can be compared.
   * `python`: the program is Python, stopped where `python` evaluates; the census and the native-call watch run there
   * as in `arraylens leaks` (the watch stopped before the census, started again after the table is read).
   */
  async snapshot(python?: PythonEvaluate): Promise<LedgerStopSummary> {
    const stop = (this.latest ?? 0) + 1;
    let census: PythonCensus | null = null;
    let calls: CallWatch | null = null;
    if (python) {
      if (this.watching) {
        // First: the watch leaves the arrays only native code holds for the census to count.
        this.watching = false;
        calls = parseCallWatch(await python(callWatchExpression('stop')));
      }
      const fromIds = [...new Set([this.pinnedStop, this.latest].flatMap((s) => (s === null ? [] : (this.arrayIds.get(s) ?? []))))];
      census = parseCensus(await python(censusExpression(this.tracing ? 'to' : 'from', { fromIds })));
      if (census.error) throw new ArrayLensError('debugger-failed', `the leak census failed in the debuggee: ${census.error}`);
      this.tracing = census.tracing;
    }
    const summary = await this.ask<LedgerStopSummary>({ op: 'snapshot', stop, census, calls });
    if (census?.numpy) this.watching = parseCallWatch(await python!(callWatchExpression('start'))).watching;
    if (this.latest !== null) this.previous = this.latest;
    this.latest = stop;
    if (census) this.arrayIds.set(stop, census.arrays.map((a) => a.id));
    const keep = [...new Set([this.latest, this.previous, this.pinnedStop].filter((s): s is number => s !== null))];
    for (const k of [...this.arrayIds.keys()]) if (!keep.includes(k)) this.arrayIds.delete(k);
    await this.ask({ op: 'keep', stops: keep });
    return summary;
  }

  /** The latest snapshot against the baseline; null while there is only one. `minBytes`: the tracker's when left out. */
  async compare(minBytes?: number): Promise<LedgerComparison | null> {
    const from = this.baseline;
    if (this.latest === null || from === null || from === this.latest) return null;
    const report = await this.ask<LeaksReport>({ op: 'compare', from, to: this.latest, ...(minBytes !== undefined ? { minBytes } : {}) });
    return { report, from, to: this.latest, pinned: this.pinnedStop === from };
  }

  /** Later stops are compared with the latest snapshot until unpinned. */
  pin(): number | null {
    this.pinnedStop = this.latest;
    return this.pinnedStop;
  }

  unpin(): void {
    this.pinnedStop = null;
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}
