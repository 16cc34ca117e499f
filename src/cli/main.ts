// `arraylens`: the inspection engine without VS Code (inspect a stopped program, stats of a .npy file, demo).

import * as fs from 'fs';
import * as path from 'path';
import { toJson } from '../core/decode';
import { ArrayLensError, isArrayLensError } from '../core/errors';
import { parseIndex, sliceView } from '../core/indexing';
import { npyView, parseNpyHeader } from '../core/npy';
import { elementCount } from '../core/view';
import { DebugTarget } from '../engine/target';
import { killQuietly } from '../backends/python/target';
import { inspectArray, streamStats } from '../engine/engine';
import { loadKernels } from '../engine/kernels';
import { mapFileTransport } from '../engine/nativeKernels';
import { InspectResult, StatsFileResult } from '../protocol/cli';
import { FileTransport } from '../transport/file';
import { DEFAULT_TIMEOUT_S, InspectOptions, StatsOptions, parseCommandLine, usage } from './args';
import { checkBreakpoint, launchTarget } from './launch';
import { cmdLeaks } from './leaks';
import { listFrame, readListing } from './listing';
import { formatSummary, formatStatsSummary } from './summary';

let activeTarget: DebugTarget | null = null;

/**
 * A breakpoint past the end of its file is moved by debugpy and lldb to some other line (issue 18): refuse it
 * before anything starts, naming the file's length.
 */
function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** "FILE:LINE" of the stop, with a warning on stderr when the debugger stopped on another line than asked for. */
function stopLocation(target: DebugTarget, bp: { file: string; line: number }): string | undefined {
  const at = target.stoppedAt;
  if (!at) return undefined;
  const moved = at.line !== bp.line || realPath(at.file) !== realPath(bp.file);
  if (moved) process.stderr.write(`arraylens: warning: breakpoint ${bp.file}:${bp.line} was moved by the debugger; stopped at ${at.file}:${at.line}\n`);
  return `${at.file}:${at.line}`;
}

async function cmdInspect(o: InspectOptions): Promise<string> {
  if (o.slice) parseIndex(o.slice); // a malformed slice fails before any process starts
  const bp = o.break;
  checkBreakpoint(bp);
  const sameBytesAs = o.sameBytesAs ? readListing(o.sameBytesAs) : null; // a bad listing fails before any process starts
  const target = await launchTarget(o, bp);
  activeTarget = target;
  try {
    if (o.list) return await listFrame(target, o, sameBytesAs);
    const stoppedAt = stopLocation(target, bp);
    const result: InspectResult = await inspectArray(target, o.expr!, {
      slice: o.slice,
      values: o.values,
      stats: o.stats,
      bins: o.bins,
      transport: o.transport,
    });
    if (stoppedAt) result.stoppedAt = stoppedAt;
    return o.json ? toJson(result) : formatSummary(result);
  } finally {
    activeTarget = null;
    await target.close();
  }
}

async function cmdStats(o: StatsOptions): Promise<string> {
  const file = o.file;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new ArrayLensError('bad-argument', `cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    // issue 18: a directory opens fine on Linux and then fails to read with EISDIR (an internal error with a stack).
    if (!st.isFile()) throw new ArrayLensError('bad-argument', `${file} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a .npy file`);
    const size = st.size;
    const head = Buffer.alloc(Math.min(size, 65536 + 12));
    fs.readSync(fd, head, 0, head.length, 0);
    const h = parseNpyHeader(head);
    let view = npyView(h);
    const need = elementCount(h.shape) * h.dtype.itemsize;
    if (h.dataOffset + need > size) throw new ArrayLensError('bad-argument', `${file} is truncated: ${size} bytes for ${need} of data`);
    const slice = o.slice;
    if (slice) view = sliceView(view, slice);
    const k = loadKernels();
    // Memory-mapped when the native addon is loaded (no copies); plain reads otherwise.
    const transport = (k.backend.startsWith('native-') && mapFileTransport(file)) || new FileTransport(fd, size);
    const s = await streamStats(transport, view, o.bins, k.kernels);
    const result: StatsFileResult = {
      file: path.resolve(file),
      dtype: view.dtype.name,
      byteOrder: view.dtype.byteOrder,
      shape: view.shape.slice(),
      slice,
      stats: { ...s.stats, backend: k.backend },
      timing: { read_ms: Math.round(s.readMs * 1000) / 1000, stats_ms: Math.round(s.statsMs * 1000) / 1000 },
    };
    return o.json ? toJson(result) : formatStatsSummary(result);
  } finally {
    fs.closeSync(fd);
  }
}

async function cmdDemo(): Promise<string> {
  const root = path.join(__dirname, '..', '..', '..');
  const script = path.join(root, 'examples', 'demo.py');
  const py = fs.existsSync(path.join(root, '.venv', 'bin', 'python')) ? path.join(root, '.venv', 'bin', 'python') : 'python3';
  const line = fs.readFileSync(script, 'utf8').split('\n').findIndex((l) => l.includes('# BREAK')) + 1;
  const out: string[] = [`ArrayLens demo: ${path.relative(process.cwd(), script)} stopped at line ${line}`, ''];
  const target = await launchTarget({ program: [py, script], python: py, debugger: 'lldb', mixed: false, timeoutMs: DEFAULT_TIMEOUT_S * 1000 }, { file: script, line });
  activeTarget = target;
  try {
    const arrays = await target.listArrays();
    out.push('Arrays in the frame:');
    for (const a of arrays) out.push(`  ${a.expr.padEnd(10)} ${a.view.dtype.name.padEnd(9)} [${a.view.shape.join(', ')}]  ${a.typeName}`);
    for (const [expr, slice] of [
      ['image', null],
      ['image', '[100:104, ::64]'],
      ['signal', null],
    ] as const) {
      const r = await inspectArray(target, expr, { slice, stats: true, values: slice !== null });
      out.push('', formatSummary(r));
    }
  } finally {
    activeTarget = null;
    await target.close();
  }
  return out.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write(usage());
    return 2;
  }
  try {
    const cl = parseCommandLine(argv);
    let out: string;
    switch (cl.command) {
      case 'help':
        process.stdout.write(cl.text);
        return 0;
      case 'inspect':
        out = await cmdInspect(cl.options);
        break;
      case 'stats':
        out = await cmdStats(cl.options);
        break;
      case 'demo':
        out = await cmdDemo();
        break;
      case 'leaks':
        out = await cmdLeaks(cl.options);
        break;
      case 'mcp': {
        // stdout carries the protocol: nothing else may be written there. Loaded on demand (the SDK is large).
        const { runMcpServer } = await import('../mcp/server');
        await runMcpServer(cl.options);
        return 0;
      }
    }
    process.stdout.write(out + '\n');
    return 0;
  } catch (e) {
    const msg = isArrayLensError(e) ? e.message : `internal error: ${(e as Error).stack ?? String(e)}`;
    process.stderr.write(`arraylens: ${msg.replace(/\s*\n\s*/g, ' ')}\n`);
    return isArrayLensError(e) ? 2 : 3;
  }
}

function onSignal(sig: NodeJS.Signals): void {
  const t = activeTarget;
  activeTarget = null;
  const done = (): never => process.exit(sig === 'SIGINT' ? 130 : 143);
  if (t) {
    killQuietly(t.pid);
    t.close().then(done, done);
  } else done();
}

/** Entry point of bin/arraylens: ends the debuggee on Ctrl-C or SIGTERM too. */
export function runCli(argv: string[]): void {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  main(argv).then((code) => process.exit(code));
}
