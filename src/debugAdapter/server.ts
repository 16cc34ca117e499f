// The `arraylens` debug adapter: a thin DAP session (no vscode import) that runs the program under the debugger of
// the backend src/backends/registry.ts names (debugpy for .py, lldb-dap otherwise), forwards every message both ways unchanged except
// for sequence numbers, and answers the custom requests arraylens/listArrays and arraylens/inspect with the engine.

import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { Readable, Writable } from 'stream';
import { ArrayLensError, isArrayLensError } from '../core/errors';
import { ARRAYLENS_REQUESTS, isArrayLensRequest, mayChangeProgram } from '../protocol/dap';
import { ProtocolError } from '../protocol/schema';
import { DapChannel, dapFailureText } from '../rpc/dapClient';
import { DapFramingError, DapMessage, DapReader, writeDap } from '../rpc/dapFraming';
import { PendingRequests } from '../rpc/pending';
import type { DapProxy } from '../backends/backend';
import { defaultPython } from '../backends/python/debugpy';
import { backendById, backendForLaunchConfig } from '../backends/registry';
import { ArraySource } from '../engine/arraySource';
import type { MixedDapSession, MixedLaunchArguments } from '../backends/python/mixedSession';
import { VariablesSummary } from './variablesSummary';

export { DapMessage, DapReader, writeDap };

function realSourcePath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/** A client request forwarded to the debugger: its answer goes back to the client under the client's seq. */
type Forwarded = { clientSeq: number; command: string };

export class ArrayLensDapSession {
  private clientSeq = 1;
  /** The engine's own requests to the debugger; its ids are the seqs of everything we send downstream. */
  private readonly internalDown = new PendingRequests(() => this.backend?.name ?? 'the debugger');
  private readonly forwardedDown = new Map<number, Forwarded>();
  /** Reverse requests from the debugger forwarded to the client: our seq -> the debugger's seq. */
  private readonly reverse = new Map<number, number>();
  private child: ChildProcess | null = null;
  private backend: DapProxy | null = null;
  private source: ArraySource | null = null;
  private pid: number | undefined;
  /** Set by an `attach` request: the process was running before us and must outlive the session. */
  private attachedPid: number | undefined;
  private initializeArgs: unknown = null;
  private stderrTail: string[] = [];
  private terminatedSent = false;
  private disconnecting = false;
  private readonly queue: DapMessage[] = [];
  private closed = false;
  /** A mixed Python + native launch ("mixed": true) takes the client's requests over: see src/backends/python/mixedSession.ts. */
  private mixed: MixedDapSession | null = null;
  /** Array rows of the Variables view read as summaries (arraylens.variablesSummary); also caches listings per stop. */
  private readonly summaries = new VariablesSummary(() => this.source);

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly defaultBackend: () => DapProxy = () => backendById('python').proxy({}),
    private readonly onEnd: () => void = () => undefined,
  ) {}

  start(): void {
    const reader = new DapReader(
      (m) => void this.fromClient(m),
      (e: DapFramingError) => {
        // A client that does not speak DAP (or a broken pipe): nothing after a fatal error can be read.
        process.stderr.write(`arraylens adapter: ${e.message}\n`);
        if (e.fatal) this.shutdown();
      },
    );
    this.input.on('data', (d: Buffer) => reader.push(d));
    this.input.on('end', () => this.shutdown());
  }

  private toClient(msg: Omit<DapMessage, 'seq'>): void {
    if (this.closed) return;
    if (msg.type === 'event' && (msg.event === 'stopped' || msg.event === 'continued' || msg.event === 'terminated' || msg.event === 'exited'))
      this.summaries.invalidate();
    if (this.summaries.wants(msg)) {
      void this.summaries.rewrite(msg).then((m) => !this.closed && writeDap(this.output, { ...m, seq: this.clientSeq++ } as DapMessage));
      return;
    }
    writeDap(this.output, { ...msg, seq: this.clientSeq++ } as DapMessage);
  }

  private respond(req: DapMessage, body?: unknown): void {
    this.toClient({ type: 'response', request_seq: req.seq, command: req.command, success: true, body: (body ?? {}) as DapMessage['body'] });
  }

  private fail(req: DapMessage, message: string): void {
    this.toClient({ type: 'response', request_seq: req.seq, command: req.command, success: false, message, body: { error: { id: 1, format: message, showUser: true } } });
  }

  /** Sends a message to the debugger under a new seq; a client request is remembered to route its answer back. */
  private toDown(msg: Omit<DapMessage, 'seq'>, forwarded?: Forwarded): number {
    const seq = this.internalDown.nextId();
    if (forwarded) this.forwardedDown.set(seq, forwarded);
    this.writeDown({ ...msg, seq } as DapMessage);
    return seq;
  }

  private writeDown(msg: DapMessage): void {
    if (this.child?.stdin?.writable) writeDap(this.child.stdin, msg);
  }

  /** Requests from the engine to the debugger, on the same connection as the client's. */
  private readonly channel: DapChannel = {
    request: <T>(command: string, args?: unknown, timeoutMs = 30000): Promise<T> => {
      if (command === 'readMemory' && this.backend?.name === 'debugpy')
        return Promise.reject(new ArrayLensError('bad-argument', 'debugpy does not support readMemory'));
      if (!this.child) return Promise.reject(new ArrayLensError('debugger-failed', 'the debugger is not running'));
      return this.internalDown.start<T>(command, (seq) => this.writeDown({ seq, type: 'request', command, arguments: args }), { timeoutMs });
    },
  };

  private startDownstream(b: DapProxy): void {
    this.backend = b;
    this.stderrTail = [];
    const child = spawn(b.command, b.args, { stdio: ['pipe', 'pipe', 'pipe'], env: b.env ?? process.env });
    this.child = child;
    const reader = new DapReader(
      (m) => this.fromDown(m),
      (e: DapFramingError) => {
        this.stderrTail.push(e.message);
        if (e.fatal && this.child === child) child.kill(); // its 'close' fails what waits, saying why
      },
    );
    child.stdout!.on('data', (d: Buffer) => reader.push(d));
    child.stderr!.on('data', (d: Buffer) => {
      this.stderrTail.push(...d.toString().split('\n').filter(Boolean));
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - 20));
    });
    const died = (why: string): void => {
      if (this.child !== child) return;
      this.child = null;
      const msg = why || b.explainExit(this.stderrTail.slice(-3).join(' | '));
      this.internalDown.rejectAll(new ArrayLensError('debugger-failed', msg));
      const forwarded = [...this.forwardedDown.values()];
      this.forwardedDown.clear();
      for (const p of forwarded) {
        if (p.command === 'disconnect' || p.command === 'terminate') {
          this.toClient({ type: 'response', request_seq: p.clientSeq, command: p.command, success: true, body: {} });
        } else {
          this.toClient({ type: 'response', request_seq: p.clientSeq, command: p.command, success: false, message: msg, body: { error: { id: 2, format: msg, showUser: true } } });
        }
      }
      if (!this.disconnecting) this.toClient({ type: 'event', event: 'output', body: { category: 'stderr', output: `${msg}\n` } });
      this.sendTerminated();
      if (this.disconnecting) this.shutdown();
    };
    child.on('error', (e: NodeJS.ErrnoException) =>
      died(e.code === 'ENOENT' ? `${b.name} not found ('${b.command}'): install it or set its path (arraylens.python / "python")` : `${b.name} failed to start: ${e.message}`),
    );
    child.on('close', () => died('')); // 'close': after stderr is read, so the message can say why
  }

  private sendTerminated(): void {
    if (this.terminatedSent) return;
    this.terminatedSent = true;
    this.toClient({ type: 'event', event: 'terminated', body: {} });
  }

  private async fromClient(m: DapMessage): Promise<void> {
    if (m.type === 'response') {
      const downSeq = this.reverse.get(m.request_seq ?? -1);
      if (downSeq !== undefined) {
        this.reverse.delete(m.request_seq!);
        this.toDown({ ...m, request_seq: downSeq });
      }
      return;
    }
    if (m.type !== 'request' || typeof m.command !== 'string') return;
    try {
      if (isArrayLensRequest(m.command)) return await this.customRequest(m);
      if (mayChangeProgram(m.command, m.arguments)) {
        this.source?.invalidate();
        this.summaries.invalidate();
      }
      const ours = this.summaries.fromClient(m);
      if (ours) return this.respond(m, ours);
      if (this.mixed) {
        await this.mixed.fromClient(m);
        if (m.command === 'disconnect') this.shutdown();
        return;
      }
      switch (m.command) {
        case 'initialize':
          this.initializeArgs = m.arguments ?? {};
          if (!this.child) this.startDownstream(this.defaultBackend());
          break;
        case 'launch': {
          const args = (m.arguments ?? {}) as Record<string, unknown>;
          if (typeof args.program !== 'string' || !args.program)
            return this.fail(m, 'the launch configuration needs "program": a Python script (.py) or a native executable');
          if (args.mixed === true) return await this.launchMixed(m, args as MixedLaunchArguments);
          const backend = backendForLaunchConfig(args);
          if (backend.id !== 'python') {
            const b = backend.proxy(args);
            // Started at initialize already when the host said the program is native (ARRAYLENS_ADAPTER_BACKEND).
            if (this.child && this.backend?.name === b.name && this.backend.command === b.command) this.backend = b;
            else await this.switchDownstream(b);
          } else if (typeof args.python === 'string' && args.python && this.backend?.name === 'debugpy') {
            // The debuggee runs under args.python (debugpy's "python" launch argument); the adapter may stay.
          }
          const b = this.backend!;
          this.source = b.makeSource(this.channel, () => this.pid);
          this.toDown({ type: 'request', command: 'launch', arguments: b.launchArguments(args) }, { clientSeq: m.seq, command: m.command });
          return;
        }
        case 'attach': {
          // A running native process by pid, under lldb-dap (a Node process with an addon: the extension starts this
          // as a child of the js-debug session, "arraylensNative"). Disconnect detaches; the process is not ours.
          const args = (m.arguments ?? {}) as Record<string, unknown>;
          const b = backendForLaunchConfig(args).proxy(args);
          if (!b.attachArguments) return this.fail(m, `${b.name} cannot attach to a running process`);
          const { pid, arguments: attachArgs } = b.attachArguments(args);
          if (this.child && this.backend?.name === b.name && this.backend.command === b.command) this.backend = b;
          else await this.switchDownstream(b);
          this.attachedPid = pid;
          this.pid = pid;
          this.source = b.makeSource(this.channel, () => this.pid);
          this.toDown({ type: 'request', command: 'attach', arguments: attachArgs }, { clientSeq: m.seq, command: m.command });
          return;
        }
        case 'disconnect':
        case 'terminate':
          if (m.command === 'disconnect') this.disconnecting = true;
          if (!this.child) {
            this.respond(m);
            if (this.disconnecting) this.shutdown();
            return;
          }
          if (this.attachedPid !== undefined) {
            // Detach, never kill: lldb-dap's terminate (and terminateDebuggee: true) would end a process we did not start.
            this.toDown({ type: 'request', command: 'disconnect', arguments: { ...(m.arguments ?? {}), terminateDebuggee: false } }, { clientSeq: m.seq, command: m.command });
            return;
          }
          break;
      }
      if (!this.child) return this.fail(m, `${this.backend?.explainExit(this.stderrTail.slice(-3).join(' | ')) ?? 'the debugger is not running'}`);
      let args = m.arguments as { source?: { path?: unknown } } | undefined;
      if (m.command === 'setBreakpoints' && this.attachedPid !== undefined && typeof args?.source?.path === 'string') {
        // lldb matches the path the debug info names: a source opened through a symlinked folder must be resolved
        // (as src/backends/python/mixedSession.ts does), else the breakpoint never binds.
        args = { ...args, source: { ...args.source, path: realSourcePath(args.source.path as string) } };
      }
      this.toDown({ type: 'request', command: m.command, arguments: args }, { clientSeq: m.seq, command: m.command });
    } catch (e) {
      this.fail(m, (e as Error).message);
    }
  }

  /** Python under debugpy with lldb-dap attached to the same process; the mixed session answers from now on. */
  private async launchMixed(m: DapMessage, args: MixedLaunchArguments): Promise<void> {
    if (!/\.pyw?$/i.test(args.program)) return this.fail(m, '"mixed": true needs a Python "program" (.py) whose extension has native code');
    const { MixedDapSession } = (await import('../backends/python/mixedSession')) as typeof import('../backends/python/mixedSession');
    const old = this.child;
    this.child = null;
    old?.kill();
    this.backend = null;
    const python = typeof args.python === 'string' && args.python ? args.python : defaultPython();
    this.mixed = new MixedDapSession((msg) => this.toClient(msg), this.initializeArgs ?? {}, python, () => undefined);
    this.source = this.mixed.source;
    await this.mixed.launch(m, args);
  }

  /** Replaces the default debugger (started at initialize) by another, initialised with the client's arguments. */
  private async switchDownstream(b: DapProxy): Promise<void> {
    const old = this.child;
    this.child = null;
    old?.kill();
    this.startDownstream(b);
    const caps = await this.channel.request('initialize', this.initializeArgs, 30000);
    this.toClient({ type: 'event', event: 'capabilities', body: { capabilities: caps } });
  }

  private async customRequest(m: DapMessage): Promise<void> {
    const command = m.command as keyof typeof ARRAYLENS_REQUESTS;
    try {
      if (!this.source) throw new ArrayLensError('debugger-failed', 'no program is running in this session yet');
      if (this.terminatedSent) throw new ArrayLensError('program-ended', 'the program has ended: start it again to see its arrays');
      if (command === 'arraylens/listArrays') {
        const args = ARRAYLENS_REQUESTS[command].args.parse(m.arguments ?? {}, command);
        this.respond(m, { arrays: await (args.known?.length ? this.source.listArrays(args.frameId, args.known) : this.summaries.listArrays(args.frameId)) });
      } else {
        const args = ARRAYLENS_REQUESTS[command].args.parse(m.arguments ?? {}, command);
        this.respond(m, await this.source.inspect(args));
      }
    } catch (e) {
      const code = isArrayLensError(e) ? e.code : e instanceof ProtocolError ? 'protocol' : 'internal';
      this.toClient({
        type: 'response',
        request_seq: m.seq,
        command: m.command,
        success: false,
        message: (e as Error).message,
        body: { error: { id: 3, format: (e as Error).message, showUser: false, variables: { code } } },
      });
    }
  }

  private fromDown(m: DapMessage): void {
    if (m.type === 'response') {
      const seq = m.request_seq ?? -1;
      const p = this.forwardedDown.get(seq);
      if (p) {
        this.forwardedDown.delete(seq);
        this.toClient({ ...m, request_seq: p.clientSeq });
      } else if (m.success) this.internalDown.resolve(seq, m.body ?? {});
      else this.internalDown.reject(seq, (command) => new ArrayLensError('debugger-failed', dapFailureText(m, command)));
      return; // an answer nobody waits for (a request that timed out) is dropped
    }
    if (m.type === 'event') {
      if (m.event === 'process' && typeof m.body?.systemProcessId === 'number') this.pid = m.body.systemProcessId;
      if (m.event === 'stopped' || m.event === 'continued' || m.event === 'terminated' || m.event === 'exited') this.source?.invalidate();
      if (m.event === 'terminated') {
        if (this.terminatedSent) return;
        this.terminatedSent = true;
      }
      this.toClient(m);
      return;
    }
    if (m.type === 'request') {
      const ours = this.clientSeq;
      this.reverse.set(ours, m.seq);
      this.toClient(m);
    }
  }

  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.source?.invalidate();
    void this.mixed?.end();
    const c = this.child;
    this.child = null;
    if (c && c.exitCode === null && this.attachedPid !== undefined && !this.disconnecting && c.stdin?.writable) {
      // The client went away without disconnect: detach first (killing lldb-dap could leave breakpoint traps behind).
      writeDap(c.stdin, { seq: this.internalDown.nextId(), type: 'request', command: 'disconnect', arguments: { terminateDebuggee: false } });
      let ended = false;
      const finish = (): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        if (c.exitCode === null) c.kill();
        this.onEnd();
      };
      const timer = setTimeout(finish, 3000);
      c.once('close', finish);
      return;
    } else if (c && c.exitCode === null) {
      c.kill();
      setTimeout(() => c.exitCode === null && c.kill('SIGKILL'), 2000).unref();
    }
    this.onEnd();
  }
}

/**
 * The debugger started at `initialize`, before the launch arguments are known: debugpy, unless the host already knows
 * the program is native (ARRAYLENS_ADAPTER_BACKEND=lldb-dap): then lldb-dap answers `initialize` with its own
 * capabilities (readMemory, ...) and a machine without debugpy can still debug C/C++/Rust.
 */
function initialBackend(): () => DapProxy {
  if (process.env.ARRAYLENS_ADAPTER_BACKEND === 'lldb-dap') return () => backendById('native').proxy({ lldbDap: process.env.ARRAYLENS_LLDB_DAP });
  // "debugger": "gdb": cdt-gdb-adapter answers `initialize` (readMemory, ...).
  if (process.env.ARRAYLENS_ADAPTER_BACKEND === 'cdt-gdb') return () => backendById('native').proxy({ debugger: 'gdb', gdb: process.env.ARRAYLENS_GDB });
  return () => backendById('python').proxy({});
}

if (require.main === module) {
  const session = new ArrayLensDapSession(process.stdin, process.stdout, initialBackend(), () => setTimeout(() => process.exit(0), 100));
  session.start();
}
