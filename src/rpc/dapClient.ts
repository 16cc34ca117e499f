// A minimal Debug Adapter Protocol client over a child's stdio: requests with timeouts, events, clean shutdown.

import { ChildProcess, spawn } from 'child_process';
import { EventEmitter } from 'events';
import { ArrayLensError } from '../core/errors';
import { DapFramingError, DapMessage, DapReader, writeDap } from './dapFraming';
import type { DapBody, DapChannel, DapCommand, DapEventName, DapEvents, DapRequestRest } from './dapTypes';
import { PendingRequests, RequestOptions } from './pending';

export type { DapMessage };
export type { DapChannel, DapCommand, DapArgs, DapBody, DapEvents, DapRequests } from './dapTypes';

/** The error text of a failed DAP response: its message, else the formatted error of its body. */
export function dapFailureText(msg: DapMessage, command: string): string {
  const error = msg.body?.error as { format?: unknown } | undefined;
  return msg.message || (typeof error?.format === 'string' ? error.format : '') || `${command} failed`;
}

/**
 * Events: `event` (every event message), each event by name with its body (`stopped`, ...), `exit` (code, signal),
 * `framing-error` (a DapFramingError: a dropped message, or a fatal one after which the adapter is killed).
 */
export class DapClient extends EventEmitter implements DapChannel {
  private readonly reader = new DapReader(
    (m) => this.dispatch(m),
    (e) => this.onFramingError(e),
  );
  private readonly pending: PendingRequests;
  private exited = false;
  readonly stderrLines: string[] = [];

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    super();
    this.pending = new PendingRequests(name);
    proc.stdout!.on('data', (d: Buffer) => this.reader.push(d));
    // An adapter that dies at once makes the next write fail (EPIPE): its 'exit' reports it, not a crash of ours.
    proc.stdin!.on('error', () => undefined);
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderrLines.push(...d.toString().split('\n').filter(Boolean));
      if (this.stderrLines.length > 200) this.stderrLines.splice(0, this.stderrLines.length - 200);
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      this.pending.rejectAll(new ArrayLensError('debugger-failed', `${name} exited (${signal ?? code}) ${this.lastStderr()}`.trim()));
      this.emit('exit', code, signal);
    });
  }

  static spawn(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<DapClient> {
    return new Promise((resolve, reject) => {
      const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env, cwd });
      proc.once('error', (e: NodeJS.ErrnoException) => {
        reject(
          e.code === 'ENOENT'
            ? new ArrayLensError('debugger-missing', `${name} not found ('${command}'): install it or set its path`)
            : new ArrayLensError('debugger-failed', `${name} failed to start: ${e.message}`),
        );
      });
      proc.once('spawn', () => resolve(new DapClient(name, proc)));
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get isAlive(): boolean {
    return !this.exited;
  }

  lastStderr(): string {
    return this.stderrLines.slice(-3).join(' | ');
  }

  private onFramingError(e: DapFramingError): void {
    if (this.listenerCount('framing-error') > 0) this.emit('framing-error', e);
    if (!e.fatal) return;
    // The stream cannot be followed any more: no answer will come, so fail what waits and end the adapter.
    this.pending.rejectAll(new ArrayLensError('debugger-failed', `${this.name}: ${e.message}`));
    this.kill();
  }

  private dispatch(msg: DapMessage): void {
    if (msg.type === 'response' && msg.request_seq !== undefined) {
      const seq = msg.request_seq;
      if (msg.success) this.pending.resolve(seq, msg.body ?? {});
      else this.pending.reject(seq, (command) => new ArrayLensError('debugger-failed', dapFailureText(msg, command)));
    } else if (msg.type === 'event' && msg.event) {
      this.emit('event', msg);
      this.emit(msg.event, msg.body ?? {});
    } else if (msg.type === 'request') {
      // Reverse requests (runInTerminal, startDebugging): we never offered to support them.
      this.send({ seq: this.pending.nextId(), type: 'response', request_seq: msg.seq, command: msg.command, success: false, message: 'not supported' });
    }
  }

  private send(msg: DapMessage): void {
    writeDap(this.proc.stdin!, msg);
  }

  request<C extends DapCommand>(command: C, ...rest: DapRequestRest<C>): Promise<DapBody<C>>;
  request<T = unknown>(command: string, args?: unknown, timeoutMs?: number): Promise<T>;
  request<T>(command: string, args?: unknown, timeoutMs = 30000): Promise<T> {
    return this.requestWith<T>(command, args, { timeoutMs });
  }

  /** A request with the pending table's options: a timeout, and an AbortSignal that cancels the wait. */
  requestWith<T = unknown>(command: string, args: unknown, opts: RequestOptions): Promise<T> {
    if (this.exited) return Promise.reject(new ArrayLensError('debugger-failed', `${this.name} is not running`));
    return this.pending.start<T>(command, (seq) => this.send({ seq, type: 'request', command, arguments: args }), opts);
  }

  /** Waits for the first event named `event` for which `pred` holds. */
  waitEvent<E extends DapEventName>(event: E, timeoutMs: number, pred?: (b: DapEvents[E]) => boolean): Promise<DapEvents[E]>;
  waitEvent<T = unknown>(event: string, timeoutMs: number, pred?: (b: T) => boolean): Promise<T>;
  waitEvent<T>(event: string, timeoutMs: number, pred: (b: T) => boolean = () => true): Promise<T> {
    return new Promise((resolve, reject) => {
      const onEvent = (b: T): void => {
        if (!pred(b)) return;
        cleanup();
        resolve(b);
      };
      const onExit = (): void => {
        cleanup();
        reject(new ArrayLensError('debugger-failed', `${this.name} exited while waiting for '${event}' ${this.lastStderr()}`.trim()));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new ArrayLensError('timeout', `no '${event}' from ${this.name} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(event, onEvent);
        this.off('exit', onExit);
      };
      this.on(event, onEvent);
      this.once('exit', onExit);
    });
  }

  /** Ends the adapter: polite disconnect first, then a kill if it lingers. */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.once('exit', () => r()));
    try {
      await this.request('disconnect', { terminateDebuggee: true }, timeoutMs);
    } catch {
      /* already gone or unresponsive: killed below */
    }
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    try {
      this.proc.stdin!.end();
    } catch {
      /* ignore */
    }
    await exited;
    clearTimeout(t);
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}
