// Runs a program under a DAP adapter (debugpy, lldb-dap) and drives it stop by stop: the one copy of "spawn the
// adapter, initialize, launch or attach, set the breakpoint, configurationDone, wait for the stop or the end".

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../core/errors';
import { DapClient } from '../rpc/dapClient';

/** How to start an adapter and how it talks. */
export interface DapAdapter {
  /** 'debugpy' or 'lldb-dap': the adapter's name in messages. */
  name: string;
  command: string;
  args: string[];
  /** Extra `initialize` arguments (lldb-dap: supportsMemoryReferences). */
  initialize?: Record<string, unknown>;
  /** debugpy knows every source up front: an unverified breakpoint with a message is the user's mistake. */
  unverifiedIsError: boolean;
  /** lldb-dap reports the exit code of a program that ended before the breakpoint; debugpy's messages never had it. */
  exitCodeInMessage: boolean;
  /** The error when the adapter process itself ends early (stderr tail given). */
  exitError(stderr: string): ArrayLensError;
}

export interface SourceLine {
  file: string;
  line: number;
}

interface StoppedEvent {
  reason: string;
  description?: string;
  threadId: number;
}

/** Which stops end a wait: any (debugpy), a breakpoint only (else an error), or a breakpoint after letting signals go. */
export type StopRule = 'any' | 'breakpoint' | 'breakpoint-skip-signals';

export interface WaitOptions {
  timeoutMs: number;
  rule: StopRule;
  /** Said after "no code at FILE:LINE in" when the program ends and the breakpoint never bound. */
  unresolvedIn?: string;
  /** Another way the wait fails (mixed: the Python side's debugger sees the program end). */
  alsoEnded?: Promise<never>;
}

export const CLIENT_INITIALIZE = { clientID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' };

export function where(bp: SourceLine): string {
  return `${path.basename(bp.file)}:${bp.line}`;
}

/** The breakpoints a program may stop at, as messages name them: `a.c:3`, or `any of a.c:3, b.py:7`. */
export function whereAny(bps: readonly SourceLine[]): string {
  return bps.length === 1 ? where(bps[0]) : `any of ${bps.map(where).join(', ')}`;
}

export function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** A program ArrayLens runs (or attached to) under one adapter, held at a stop between calls. */
export class DapDebuggee {
  pid: number | undefined;
  threadId = 0;
  frameId = 0;
  /** Where the program really stopped (top frame's source and line): the debugger may have moved the breakpoint. */
  stoppedAt: SourceLine | undefined;
  exitCode: number | undefined;
  /** What the program wrote (stdout/stderr categories), as the adapter forwarded it. */
  readonly output: string[] = [];
  private breakpointFiles: string[] = [];
  private breakpointVerified = true;

  private constructor(
    readonly adapter: DapAdapter,
    readonly client: DapClient,
  ) {
    client.on('process', (b: { systemProcessId?: number }) => (this.pid = b.systemProcessId ?? this.pid));
    client.on('exited', (b: { exitCode?: number }) => (this.exitCode = b.exitCode));
    client.on('output', (b: { category?: string; output?: string }) => {
      if ((b.category === 'stdout' || b.category === 'stderr') && b.output) this.output.push(b.output);
    });
  }

  static async spawn(adapter: DapAdapter): Promise<DapDebuggee> {
    return new DapDebuggee(adapter, await DapClient.spawn(adapter.name, adapter.command, adapter.args));
  }

  /** Rejects when the program ends (or the adapter dies) before `bp`: raced against every wait for a stop. */
  endedBefore(bp: SourceLine | null, unresolvedIn?: string): { ended: Promise<never>; dispose: () => void } {
    let dispose = (): void => undefined;
    const ended = new Promise<never>((_, reject) => {
      const fail = (): void => {
        const code = this.adapter.exitCodeInMessage && this.exitCode !== undefined ? ` (exit code ${this.exitCode})` : '';
        let msg = `the program ended${code} before reaching ${bp ? where(bp) : 'its first stop'}`;
        if (bp && unresolvedIn && !this.breakpointVerified) msg += `: no code at ${where(bp)} in ${unresolvedIn} (breakpoint not resolved)`;
        reject(new ArrayLensError('program-ended', msg));
      };
      const onExited = (b: { exitCode?: number }): void => {
        this.exitCode = b.exitCode ?? this.exitCode;
        fail();
      };
      // The adapter's own end, through a listener removed by dispose: a Promise.race with a session-long
      // promise of it left a reaction on it per wait (the soak measured ~1 KB per stop that never went away).
      const onAdapterExit = (): void => reject(this.adapter.exitError(this.client.lastStderr()));
      this.client.once('exited', onExited);
      this.client.once('terminated', fail);
      this.client.once('exit', onAdapterExit);
      if (!this.client.isAlive) onAdapterExit();
      dispose = () => {
        this.client.off('exited', onExited);
        this.client.off('terminated', fail);
        this.client.off('exit', onAdapterExit);
      };
    });
    ended.catch(() => undefined);
    return { ended, dispose };
  }

  /**
   * initialize, then `request` (launch or attach) with `args`, waiting for `initialized`. Returns the answer to the
   * request still pending (wrapped, so that awaiting start does not await it): debugpy answers launch only after
   * configurationDone.
   */
  async start(
    request: 'launch' | 'attach',
    args: Record<string, unknown>,
    initialize: Record<string, unknown> = CLIENT_INITIALIZE,
  ): Promise<{ answered: Promise<unknown> }> {
    const { ended, dispose } = this.endedBefore(null);
    try {
      await Promise.race([this.client.request('initialize', { ...initialize, adapterID: this.adapter.name, ...this.adapter.initialize }), ended]);
      const initialized = this.client.waitEvent('initialized', 30000);
      initialized.catch(() => undefined);
      const answered = this.client.request(request, args, 60000);
      answered.catch(() => undefined);
      await Promise.race([initialized, ended]);
      return { answered };
    } finally {
      dispose();
    }
  }

  /**
   * The one breakpoint of the session, at `bp` (the previous file's is cleared). A file reached through a symlink is
   * also set under its real path: compilers record the real directory in debug info, so lldb would never bind the
   * symlinked one (seen with a checkout whose sources sit behind a symlinked folder).
   */
  async setBreakpoint(bp: SourceLine): Promise<void> {
    const sources = sourcePaths(bp.file);
    for (const old of this.breakpointFiles)
      if (!sources.includes(old)) await this.client.request('setBreakpoints', { source: { path: old }, breakpoints: [] });
    let first: { verified: boolean; message?: string } | undefined;
    let verified = false;
    for (const source of sources) {
      const r = await this.client.request<{ breakpoints: { verified: boolean; message?: string }[] }>('setBreakpoints', {
        source: { path: source },
        breakpoints: [{ line: bp.line }],
      });
      first ??= r.breakpoints[0];
      verified ||= r.breakpoints[0]?.verified !== false;
    }
    if (this.adapter.unverifiedIsError && !verified && first && first.verified === false && first.message)
      throw new ArrayLensError('bad-argument', `breakpoint ${bp.file}:${bp.line}: ${first.message}`);
    this.breakpointFiles = sources;
    this.breakpointVerified = verified;
  }

  /**
   * Several breakpoints at once: one setBreakpoints per file with all of its lines (DAP replaces a file's breakpoints
   * as a whole), under the file's real path too when `realPaths` (see setBreakpoint). An unverified one with a message
   * is an error where the adapter says so; each answered breakpoint comes back with the file and line asked for.
   */
  async setBreakpointLines(bps: readonly SourceLine[], o: { realPaths?: boolean } = {}): Promise<{ file: string; line: number; id?: number; verified?: boolean }[]> {
    const byFile = new Map<string, number[]>();
    for (const bp of bps) {
      const file = path.resolve(bp.file);
      byFile.set(file, [...(byFile.get(file) ?? []), bp.line]);
    }
    const out: { file: string; line: number; id?: number; verified?: boolean }[] = [];
    for (const [file, lines] of byFile)
      for (const source of o.realPaths ? sourcePaths(file) : [file]) {
        const r = await this.client.request<{ breakpoints: { id?: number; verified?: boolean; message?: string }[] }>('setBreakpoints', {
          source: { path: source },
          breakpoints: lines.map((line) => ({ line })),
        });
        r.breakpoints.forEach((b, i) => {
          if (this.adapter.unverifiedIsError && b.verified === false && b.message) throw new ArrayLensError('bad-argument', `breakpoint ${file}:${lines[i]}: ${b.message}`);
          out.push({ file, line: lines[i], id: b.id, verified: b.verified });
        });
      }
    return out;
  }

  /**
   * Lets the program go (`go`: configurationDone, continue, another debugger's continue) and waits for its stop at
   * `bp`, or its end; then takes the top frame of the stopped thread.
   */
  async runTo(bp: SourceLine | null, go: () => Promise<unknown>, o: WaitOptions): Promise<void> {
    const own = this.endedBefore(bp, o.unresolvedIn);
    const dispose = own.dispose;
    const ended = o.alsoEnded ? Promise.race([own.ended, o.alsoEnded]) : own.ended;
    try {
      const stopped = this.waitStop(bp, o);
      stopped.catch(() => undefined);
      await Promise.race([go(), ended]);
      const stop = await Promise.race([stopped, ended]);
      this.threadId = stop.threadId;
      await this.topFrame();
    } finally {
      dispose();
    }
  }

  private waitStop(bp: SourceLine | null, o: WaitOptions): Promise<StoppedEvent> {
    const at = bp ? where(bp) : 'the first stop';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('stopped', onStop);
        reject(new ArrayLensError('timeout', `${at} was not reached within ${Math.round(o.timeoutMs / 1000)} s`));
      }, o.timeoutMs);
      const onStop = (b: StoppedEvent): void => {
        if (o.rule === 'breakpoint-skip-signals' && b.reason !== 'breakpoint' && (b.reason === 'exception' || b.reason === 'signal')) {
          this.client.request('continue', { threadId: b.threadId }).catch(() => undefined);
          return;
        }
        if (o.rule === 'breakpoint-skip-signals' && b.reason !== 'breakpoint') return;
        clearTimeout(timer);
        this.client.off('stopped', onStop);
        if (o.rule === 'breakpoint' && b.reason !== 'breakpoint')
          reject(new ArrayLensError('program-ended', `the program stopped (${b.description ?? b.reason}) before reaching ${at}`));
        else resolve(b);
      };
      this.client.on('stopped', onStop);
    });
  }

  private async topFrame(): Promise<void> {
    const st = await this.client.request<{ stackFrames: { id: number; line?: number; source?: { path?: string } }[] }>('stackTrace', {
      threadId: this.threadId,
      startFrame: 0,
      levels: 1,
    });
    if (!st.stackFrames.length) throw new ArrayLensError('debugger-failed', `${this.adapter.name} reported no stack frame at the stop`);
    const top = st.stackFrames[0];
    this.frameId = top.id;
    this.stoppedAt = top.source?.path && top.line ? { file: top.source.path, line: top.line } : undefined;
  }

  /** Moves the breakpoint to `bp` and continues to it (leak checks stop twice). */
  async continueTo(bp: SourceLine, o: WaitOptions): Promise<void> {
    await this.setBreakpoint(bp);
    await this.runTo(bp, () => this.client.request('continue', { threadId: this.threadId }), o);
  }

  /** Lets the program run to its end. */
  async continueToEnd(timeoutMs: number): Promise<void> {
    const done = this.client.waitEvent('terminated', timeoutMs);
    await this.client.request('continue', { threadId: this.threadId });
    await done;
  }

  /** Ends the adapter and the program (the program is ours). */
  async close(timeoutMs?: number): Promise<void> {
    try {
      await this.client.close(timeoutMs).catch(() => undefined);
    } finally {
      this.client.kill();
      killQuietly(this.pid);
    }
  }
}

/**
 * The whole headless launch: adapter, `launch` with `args`, the breakpoint, configurationDone, the stop at `bp`.
 * On any failure the adapter and the program are gone before the error is thrown.
 */
export async function launchToBreakpoint(adapter: DapAdapter, args: Record<string, unknown>, bp: SourceLine, o: WaitOptions): Promise<DapDebuggee> {
  const d = await DapDebuggee.spawn(adapter);
  try {
    const launched = await d.start('launch', args);
    await d.setBreakpoint(bp);
    await d.runTo(
      bp,
      async () => {
        await d.client.request('configurationDone', {});
        await launched.answered;
      },
      o,
    );
    return d;
  } catch (e) {
    const err = adapterError(d, e);
    await d.close();
    throw err;
  }
}

/** A request that failed because the adapter died is reported as the adapter's death (debugpy missing, ...). */
export function adapterError(d: DapDebuggee, e: unknown): unknown {
  if (e instanceof ArrayLensError && e.code === 'debugger-failed' && !d.client.isAlive) return d.adapter.exitError(d.client.lastStderr());
  return e;
}

/**
 * `file` as given (absolute) and, when a symlink lies on the way, its real path too: lldb binds only the path in the
 * debug info, so breakpoints are set on both.
 */
function sourcePaths(file: string): string[] {
  const given = path.resolve(file);
  let real = given;
  try {
    real = fs.realpathSync(given);
  } catch {
    /* not here: the debugger may still know it (a remote build path) */
  }
  return real === given ? [given] : [given, real];
}
