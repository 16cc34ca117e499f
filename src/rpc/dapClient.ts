// A minimal Debug Adapter Protocol client over a child's stdio: requests with timeouts, events, clean shutdown.

import { ChildProcess, spawn } from 'child_process';
import { EventEmitter } from 'events';
import { ArrayLensError } from '../core/errors';
import { DapMessage, DapReader, writeDap } from './dapFraming';

export type { DapMessage };

/** Anything that carries DAP requests: a child adapter here, or a VS Code debug session in the extension. */
export interface DapChannel {
  request<T = any>(command: string, args?: unknown, timeoutMs?: number): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class DapClient extends EventEmitter implements DapChannel {
  private seq = 1;
  private readonly reader = new DapReader((m) => this.dispatch(m));
  private readonly pending = new Map<
    number,
    { resolve: (b: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; command: string }
  >();
  private exited = false;
  readonly stderrLines: string[] = [];

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    super();
    proc.stdout!.on('data', (d: Buffer) => this.reader.push(d));
    // An adapter that dies at once makes the next write fail (EPIPE): its 'exit' reports it, not a crash of ours.
    proc.stdin!.on('error', () => undefined);
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderrLines.push(...d.toString().split('\n').filter(Boolean));
      if (this.stderrLines.length > 200) this.stderrLines.splice(0, this.stderrLines.length - 200);
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      const err = new ArrayLensError('debugger-failed', `${name} exited (${signal ?? code}) ${this.lastStderr()}`.trim());
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this.pending.clear();
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

  private dispatch(msg: DapMessage): void {
    if (msg.type === 'response' && msg.request_seq !== undefined) {
      const p = this.pending.get(msg.request_seq);
      if (!p) return;
      this.pending.delete(msg.request_seq);
      clearTimeout(p.timer);
      if (msg.success) p.resolve(msg.body ?? {});
      else p.reject(new ArrayLensError('debugger-failed', msg.message || msg.body?.error?.format || `${p.command} failed`));
    } else if (msg.type === 'event' && msg.event) {
      this.emit('event', msg);
      this.emit(msg.event, msg.body ?? {});
    } else if (msg.type === 'request') {
      // Reverse requests (runInTerminal, startDebugging): we never offered to support them.
      this.send({ seq: this.seq++, type: 'response', request_seq: msg.seq, command: msg.command, success: false, message: 'not supported' });
    }
  }

  private send(msg: DapMessage): void {
    writeDap(this.proc.stdin!, msg);
  }

  request<T = any>(command: string, args?: unknown, timeoutMs = 30000): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (this.exited) return Promise.reject(new ArrayLensError('debugger-failed', `${this.name} is not running`));
    const seq = this.seq++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new ArrayLensError('timeout', `${this.name} did not answer '${command}' within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(seq, { resolve: resolve as (b: unknown) => void, reject, timer, command });
      this.send({ seq, type: 'request', command, arguments: args });
    });
  }

  /** Waits for the first event named `event` for which `pred` holds. */
  waitEvent<T = any>(event: string, timeoutMs: number, pred: (b: T) => boolean = () => true): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
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
