// The one pending-request table of every RPC peer (DAP, CDP, gdb/MI, VS Code sessions): ids, a timeout per request,
// cancellation through an AbortSignal, and one rejection for all when the peer exits or its connection closes.

import { ArrayLensError } from '../core/errors';

export interface RequestOptions {
  /** Milliseconds before the request fails with a 'timeout' error; the table's default when absent. */
  timeoutMs?: number;
  /** Aborting rejects the request with a 'cancelled' error; a later answer is ignored. */
  signal?: AbortSignal;
}

interface Entry<X> {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  onAbort?: () => void;
  signal?: AbortSignal;
  /** What the caller keeps with the request while it waits (gdb's console text, for one). */
  extra: X;
}

/**
 * Requests sent to one peer and not answered yet. `start` allocates an id, runs `send(id)` and returns the answer's
 * promise; the reader gives answers back with `resolve`/`reject` by id. An answer for an id that is no longer pending
 * (timed out, cancelled, never sent) is refused (`false`), so late answers are dropped rather than misdelivered.
 */
export class PendingRequests<X = undefined> {
  private next = 1;
  private readonly entries = new Map<number, Entry<X>>();

  /**
   * @param peer who answers, for messages ("lldb-dap did not answer 'stackTrace' within 30 s"); read when a message is made.
   * @param defaultTimeoutMs the timeout of a request that names none.
   */
  constructor(
    private readonly peer: string | (() => string),
    private readonly defaultTimeoutMs = 30000,
  ) {}

  private get peerName(): string {
    return typeof this.peer === 'string' ? this.peer : this.peer();
  }

  /** The next id, for messages that share the peer's id space without waiting for an answer here. */
  nextId(): number {
    return this.next++;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** The command and kept data of a pending request. */
  get(id: number): { command: string; extra: X } | undefined {
    const e = this.entries.get(id);
    return e && { command: e.command, extra: e.extra };
  }

  /**
   * Registers a request under a new id, then calls `send(id)` to write it. A `send` that throws rejects the promise
   * with its error and leaves nothing pending.
   */
  start<T>(command: string, send: (id: number) => void, opts: RequestOptions = {}, ...extra: X extends undefined ? [] : [X]): Promise<T> {
    const id = this.nextId();
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(this.cancelled(command));
        return;
      }
      const timer = setTimeout(() => {
        if (this.drop(id)) reject(new ArrayLensError('timeout', `${this.peerName} did not answer '${command}' within ${formatSeconds(timeoutMs)}`));
      }, timeoutMs);
      const entry: Entry<X> = { command, resolve: resolve as (v: unknown) => void, reject, timer, extra: extra[0] as X, signal: opts.signal };
      if (opts.signal) {
        entry.onAbort = () => {
          if (this.drop(id)) reject(this.cancelled(command));
        };
        opts.signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.entries.set(id, entry);
      try {
        send(id);
      } catch (e) {
        if (this.drop(id)) reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Answers request `id`; false when it is not pending (a late or unknown answer). */
  resolve(id: number, value: unknown): boolean {
    const e = this.take(id);
    e?.resolve(value);
    return e !== undefined;
  }

  /** Fails request `id` with `error`, or with what `error(command, extra)` makes of it; false when not pending. */
  reject(id: number, error: Error | ((command: string, extra: X) => Error)): boolean {
    const e = this.take(id);
    if (e) e.reject(typeof error === 'function' ? error(e.command, e.extra) : error);
    return e !== undefined;
  }

  /** Fails every pending request (the peer exited, the connection closed); later answers are dropped. */
  rejectAll(error: Error | ((command: string) => Error)): void {
    const all = [...this.entries.values()];
    for (const e of all) this.release(e);
    this.entries.clear();
    for (const e of all) e.reject(typeof error === 'function' ? error(e.command) : error);
  }

  private cancelled(command: string): ArrayLensError {
    return new ArrayLensError('cancelled', `'${command}' to ${this.peerName} was cancelled`);
  }

  private take(id: number): Entry<X> | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.release(e);
    return e;
  }

  private drop(id: number): boolean {
    return this.take(id) !== undefined;
  }

  private release(e: Entry<X>): void {
    clearTimeout(e.timer);
    if (e.onAbort) e.signal?.removeEventListener('abort', e.onAbort);
  }
}

/**
 * Waits for `promise` (an answer whose ids someone else keeps, as VS Code's customRequest does) with the same timeout
 * and cancellation rules as a pending request. A late settlement of `promise` is ignored.
 */
export function answerWithin<T>(peer: string, command: string, promise: PromiseLike<T>, opts: RequestOptions & { timeoutMs: number }): Promise<T> {
  const table = new PendingRequests<undefined>(peer, opts.timeoutMs);
  return table.start<T>(
    command,
    (id) => {
      Promise.resolve(promise).then(
        (v) => table.resolve(id, v),
        (e: unknown) => table.reject(id, e instanceof Error ? e : new Error(String(e))),
      );
    },
    opts,
  );
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
