// The buffer ledger of one debugged process as the Leaks view follows it: a snapshot of the preloaded tracker's table
// at each stop, diffed against the previous stop or a pinned one with the CLI's own ledger (src/leaks/ledger.ts). The
// work runs in a worker thread (src/leaks/ledgerWorker.ts) that keeps the snapshots; this side only numbers the stops.
// No vscode import: the view and its headless test drive the same class.

import * as path from 'path';
import { Worker } from 'worker_threads';
import { ArrayLensError, ErrorCode } from '../core/errors';
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
}

export interface LedgerComparison {
  report: LeaksReport;
  from: number;
  to: number;
  /** `from` is the pinned snapshot (else the previous one). */
  pinned: boolean;
}

export type LedgerRequest =
  | { id: number; op: 'snapshot'; stop: number }
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

  /** Takes the snapshot of the stop the process is at now (the next stop number), keeping only what can be compared. */
  async snapshot(): Promise<LedgerStopSummary> {
    const stop = (this.latest ?? 0) + 1;
    const summary = await this.ask<LedgerStopSummary>({ op: 'snapshot', stop });
    if (this.latest !== null) this.previous = this.latest;
    this.latest = stop;
    const keep = [...new Set([this.latest, this.previous, this.pinnedStop].filter((s): s is number => s !== null))];
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
