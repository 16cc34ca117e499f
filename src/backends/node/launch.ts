// Starting a program under `node --inspect-brk` and running it to a breakpoint over CDP: the inspector process,
// its WebSocket URL, program output, and what "stopped at file:line" means for V8. NodeTarget is built on it.

import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { ArrayLensError } from '../../core/errors';
import { CdpClient, PausedEvent, RemoteObject } from '../../rpc/cdpClient';
import { firstLine } from './describe';

export interface NodeLaunchOptions {
  /** The node executable (default: the one running ArrayLens). */
  node?: string;
  /** Options for node before the program (`--expose-gc`, ...). */
  nodeArgs?: string[];
  program: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  breakpoint: { file: string; line: number };
  stopTimeoutMs?: number;
}

/** A node process stopped at the asked breakpoint, with its inspector connection. */
export interface StartedNode {
  child: ChildProcess;
  cdp: CdpClient;
  url: string;
  stop: PausedEvent;
  scriptUrl: string;
  /** Moves program output (what came so far and all that follows) into `sink`. */
  redirectOutput(sink: string[]): void;
}

/** Lines Node's inspector writes on stderr itself: not program output. */
const INSPECTOR_BANNER = /^(Debugger listening on|For help, see: https:\/\/nodejs\.org|Debugger attached\.|Waiting for the debugger to disconnect)/;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The node binary to run: a path as given, a bare name looked up on PATH, else the node running ArrayLens. */
export function nodeExecutable(given?: string): string {
  if (!given) return process.execPath;
  if (given.includes('/')) return path.resolve(given);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const f = path.join(dir || '.', given);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  throw new ArrayLensError('debugger-missing', `${given} not found on PATH: install Node.js or give its path before the program`);
}

/** Matches the script URL Node gives `file` (CommonJS and ES modules: file:// URLs; older: plain paths). */
export function scriptUrlRegex(file: string): string {
  const abs = path.resolve(file);
  const forms = new Set([abs]);
  try {
    forms.add(fs.realpathSync(abs));
  } catch {
    /* a missing file fails elsewhere with a clearer message */
  }
  const alts: string[] = [];
  for (const f of forms) alts.push(escapeRegex(pathToFileURL(f).href), escapeRegex(f));
  return `^(?:${alts.join('|')})$`;
}

/** Whether a source line holds a statement (not blank, a comment or a lone brace), where V8 must stop as asked. */
export function lineHasCode(file: string, line: number): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').split('\n')[line - 1] ?? '';
  } catch {
    return false;
  }
  const code = text.replace(/\/\/.*$/, '').replace(/\/\*.*?\*\//g, '').trim();
  return code !== '' && !/^[{}()[\];,]*$/.test(code);
}

/**
 * Sets a breakpoint at `file:line`, lets the program go (`go`) and waits for the pause there; other pauses (the
 * start pause, `debugger;` statements) are resumed. Rejects with `ended`, or on timeout.
 */
export async function runToBreakpoint(
  c: CdpClient,
  at: { file: string; line: number },
  go: () => Promise<unknown>,
  ended: Promise<never>,
  timeoutMs: number,
): Promise<{ stop: PausedEvent; breakpointId: string }> {
  const where = `${path.basename(at.file)}:${at.line}`;
  const bp = await Promise.race([
    c.send<{ breakpointId: string }>('Debugger.setBreakpointByUrl', { lineNumber: at.line - 1, urlRegex: scriptUrlRegex(at.file) }),
    ended,
  ]);
  const strict = lineHasCode(at.file, at.line);
  let onPaused: ((e: PausedEvent) => void) | undefined;
  const hit = new Promise<PausedEvent>((resolve) => {
    onPaused = (e: PausedEvent): void => {
      const line = (e.callFrames[0]?.location.lineNumber ?? -1) + 1;
      // V8 places a breakpoint inside a CommonJS function that nothing references at the enclosing function's
      // next statement instead (Node 20 and 24): a hit on another line only counts when the line has no code.
      if (e.hitBreakpoints?.includes(bp.breakpointId) && (!strict || line === at.line)) resolve(e);
      else c.send('Debugger.resume').catch(() => undefined);
    };
    c.on('Debugger.paused', onPaused);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ArrayLensError('timeout', `the program did not reach ${where} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  });
  try {
    await Promise.race([go(), ended]);
    const stop = await Promise.race([hit, ended, timeout]);
    if (!stop.callFrames.length) throw new ArrayLensError('debugger-failed', 'Node reported no call frame at the stop');
    return { stop, breakpointId: bp.breakpointId };
  } finally {
    clearTimeout(timer);
    if (onPaused) c.off('Debugger.paused', onPaused);
  }
}

/** Starts `node --inspect-brk` on the program and runs it to the breakpoint; kills it on any failure. */
export async function startNode(opts: NodeLaunchOptions): Promise<StartedNode> {
  const node = opts.node ?? process.execPath;
  const program = path.resolve(opts.program);
  const where = `${path.basename(opts.breakpoint.file)}:${opts.breakpoint.line}`;
  const child = spawn(node, ['--inspect-brk=127.0.0.1:0', ...(opts.nodeArgs ?? []), program, ...opts.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: opts.cwd ?? process.cwd(),
    env: opts.env ?? process.env,
  });
  const output: string[] = [];
  let sink = output; // the target's programOutput once there is a target
  const stderrTail: string[] = [];
  let banner: string | null = '';
  const wsUrl = new Promise<string>((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new ArrayLensError('debugger-missing', `node not found ('${node}'): install Node.js or give its path before the program`)
          : new ArrayLensError('debugger-failed', `node failed to start: ${e.message}`),
      ),
    );
    child.once('exit', (code, signal) =>
      reject(new ArrayLensError('debugger-failed', `node exited (${signal ?? code}) before its inspector started: ${stderrTail.slice(-2).join(' | ')}`)),
    );
    child.stderr!.on('data', (d: Buffer) => {
      if (banner === null) return;
      banner += d.toString();
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(banner);
      if (m) {
        banner = null;
        resolve(m[1]);
      }
    });
  });
  // Program output is kept (and the pipes drained, so the debuggee never blocks on a full pipe).
  child.stdout!.on('data', (d: Buffer) => sink.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!line || INSPECTOR_BANNER.test(line)) continue;
      stderrTail.push(line);
      if (stderrTail.length > 50) stderrTail.shift();
      sink.push(line + '\n');
    }
  });
  let cdp: CdpClient | null = null;
  try {
    const url = await wsUrl;
    cdp = await CdpClient.connect(url);
    const c = cdp;
    // With an inspector attached, Node reports an uncaught exception to it instead of printing it.
    let uncaught: string | undefined;
    const ended = new Promise<never>((_, reject) => {
      const report = (): void => {
        const crash = uncaught ?? stderrTail.find((l) => /^\w*Error\b|^Uncaught/.test(l));
        reject(new ArrayLensError('program-ended', `the program ended before reaching ${where}${crash ? ` (${crash.trim()})` : ''}`));
      };
      // The socket and the exit can come before the last of stderr (the crash message): wait for the pipes.
      const fail = (): void => {
        if (child.stderr!.readableEnded) return report();
        const timer = setTimeout(report, 500);
        child.stderr!.once('end', () => {
          clearTimeout(timer);
          report();
        });
      };
      child.once('exit', fail);
      c.once('close', fail);
      child.stderr!.on('data', (d: Buffer) => {
        // All output is in by now; one round trip brings any exception event sent before it.
        if (/Waiting for the debugger to disconnect/.test(d.toString()))
          c.send('Runtime.getIsolateId', {}, 1000).then(report, report);
      });
    });
    ended.catch(() => undefined);
    c.on('Runtime.exceptionThrown', (e: { exceptionDetails: { text: string; exception?: RemoteObject } }) => {
      uncaught = firstLine(e.exceptionDetails.exception?.description) || e.exceptionDetails.text;
    });
    const scriptUrls = new Map<string, string>();
    c.on('Debugger.scriptParsed', (e: { scriptId: string; url: string }) => scriptUrls.set(e.scriptId, e.url));
    await Promise.race([c.send('Runtime.enable'), ended]);
    await Promise.race([c.send('Debugger.enable'), ended]);
    const { stop } = await runToBreakpoint(
      c,
      opts.breakpoint,
      () => c.send('Runtime.runIfWaitingForDebugger'),
      ended,
      opts.stopTimeoutMs ?? 120000,
    );
    const top = stop.callFrames[0];
    return {
      child,
      cdp: c,
      url,
      stop,
      scriptUrl: top.url || scriptUrls.get(top.location.scriptId) || '',
      redirectOutput(to: string[]): void {
        to.push(...output);
        sink = to;
      },
    };
  } catch (e) {
    cdp?.close();
    await killAndWait(child);
    throw e;
  }
}

/** SIGKILL and wait (up to 5 s) for the exit, so no debuggee outlives ArrayLens. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    child.kill('SIGKILL');
  } catch {
    /* already gone */
  }
  await gone;
}
