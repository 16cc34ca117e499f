// A program run under one DAP adapter (debugpy, lldb-dap) with all of an agent's breakpoints set at once: each
// continue runs to whichever of them comes next, or to the end; every stop says where it is and why.

import { ArrayLensError } from '../core/errors';
import { DapAdapter, DapDebuggee, SourceLine, StopRule, adapterError, where } from '../backends/dapLaunch';

/** Where the program is stopped, as the top frame of the stopped thread says. */
export interface StopLocation {
  file: string | null;
  line: number;
  function: string;
  /** DAP's stop reason: breakpoint, exception, signal, step... */
  reason: string;
  /** What the debugger said of any other stop (the exception, the signal). */
  description?: string;
}

export interface StopsOptions {
  timeoutMs: number;
  /** Which stops launch accepts (lldb: a breakpoint only, as the CLI; debugpy: any). */
  launchRule: StopRule;
  /** Named in "no code at FILE:LINE in ..." when a native breakpoint never binds. */
  unresolvedIn?: string;
}

export class DapStops {
  private stopped: { reason: string; description?: string } = { reason: 'breakpoint' };

  private constructor(
    readonly debuggee: DapDebuggee,
    readonly breakpoints: readonly SourceLine[],
  ) {
    debuggee.client.on('stopped', (b: { reason?: string; description?: string }) => (this.stopped = { reason: b.reason ?? 'stopped', description: b.description }));
  }

  get pid(): number | undefined {
    return this.debuggee.pid;
  }

  /** Starts the program with `launchArgs` and runs it to the first of `breakpoints` it reaches. */
  static async launch(adapter: DapAdapter, launchArgs: Record<string, unknown>, breakpoints: readonly SourceLine[], o: StopsOptions): Promise<{ stops: DapStops; at: StopLocation }> {
    const d = await DapDebuggee.spawn(adapter);
    const stops = new DapStops(d, breakpoints);
    try {
      const launched = await d.start('launch', launchArgs);
      await stops.setBreakpoints();
      const go = async (): Promise<void> => {
        await d.client.request('configurationDone', {});
        await launched.answered;
      };
      await stops.run(go, { timeoutMs: o.timeoutMs, rule: o.launchRule, unresolvedIn: o.unresolvedIn });
      return { stops, at: await stops.location() };
    } catch (e) {
      const err = adapterError(d, e);
      await d.close();
      throw err;
    }
  }

  /** All of the session's breakpoints at once (one setBreakpoints per file). */
  private async setBreakpoints(): Promise<void> {
    await this.debuggee.setBreakpointLines(this.breakpoints);
  }

  /** The breakpoint named in messages: the one there is, or none when the program may stop at several. */
  private get only(): SourceLine | null {
    return this.breakpoints.length === 1 ? this.breakpoints[0] : null;
  }

  private async run(go: () => Promise<unknown>, o: { timeoutMs: number; rule: StopRule; unresolvedIn?: string }): Promise<void> {
    try {
      await this.debuggee.runTo(this.only, go, o);
    } catch (e) {
      // With several breakpoints runTo knows none of them: say which the program did not reach.
      if (e instanceof ArrayLensError && this.only === null && /its first stop/.test(e.message))
        throw new ArrayLensError(e.code, e.message.replace('its first stop', `any of ${this.breakpoints.map(where).join(', ')}`));
      throw e;
    }
  }

  /** Runs on to the next of the breakpoints (or any other stop: an exception, a signal), or to the end. */
  async continue(timeoutMs: number): Promise<{ at: StopLocation } | { ended: true; exitCode: number | null }> {
    const d = this.debuggee;
    try {
      await this.run(() => d.client.request('continue', { threadId: d.threadId }), { timeoutMs, rule: 'any' });
    } catch (e) {
      if (e instanceof ArrayLensError && e.code === 'program-ended' && /^the program ended/.test(e.message)) return { ended: true, exitCode: d.exitCode ?? null };
      throw adapterError(d, e);
    }
    return { at: await this.location() };
  }

  private async location(): Promise<StopLocation> {
    const d = this.debuggee;
    const st = await d.client.request<{ stackFrames: { name: string; line: number; source?: { path?: string; name?: string } }[] }>('stackTrace', {
      threadId: d.threadId,
      startFrame: 0,
      levels: 1,
    });
    const f = st.stackFrames[0];
    const { reason, description } = this.stopped;
    return {
      file: f?.source?.path ?? f?.source?.name ?? null,
      line: f?.line ?? 0,
      function: f?.name ?? '',
      reason,
      ...(reason !== 'breakpoint' && description ? { description } : {}),
    };
  }

  close(): Promise<void> {
    return this.debuggee.close();
  }
}
