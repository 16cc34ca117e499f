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
import { DEFAULT_BINS, inspectArray, streamStats } from '../engine/engine';
import { loadKernels } from '../engine/kernels';
import { mapFileTransport } from '../engine/nativeKernels';
import { InspectResult, StatsFileResult } from '../protocol/cli';
import { FileTransport } from '../transport/file';
import { TRANSPORT_KINDS, TransportKind } from '../transport/transport';
import { ParsedArgs, flagInt, flagString, parseArgs, parseBreak } from './args';
import { launchTarget } from './launch';
import { LEAKS_USAGE, cmdLeaks } from './leaks';
import { formatSummary, formatStatsSummary } from './summary';

const USAGE = `arraylens: see arrays as they are in memory in a stopped program

  arraylens inspect --break FILE:LINE --expr EXPR [--slice INDEX] [--values] [--stats] [--bins N]
                    [--python PATH] [--debugger lldb|gdb] [--mixed] [--transport auto|direct|dap|memfd|evaluate]
                    [--timeout SECONDS] [--json] -- PROGRAM [ARGS...]
  arraylens inspect --break FILE:LINE --list [--json] -- PROGRAM [ARGS...]
  arraylens stats FILE.npy [--slice INDEX] [--bins N] [--json]
${LEAKS_USAGE}  arraylens demo        inspect the bundled example program
`;

let activeTarget: DebugTarget | null = null;

async function cmdInspect(p: ParsedArgs): Promise<string> {
  const br = flagString(p, 'break');
  if (!br) throw new ArrayLensError('bad-argument', 'inspect needs --break FILE:LINE');
  const list = p.flags.has('list');
  const expr = flagString(p, 'expr');
  if (!expr && !list) throw new ArrayLensError('bad-argument', 'inspect needs --expr EXPR (or --list)');
  if (p.program.length === 0) throw new ArrayLensError('bad-argument', 'inspect needs the program after --, e.g. -- python3 script.py');
  const transport = (flagString(p, 'transport') ?? 'auto') as 'auto' | TransportKind;
  if (transport !== 'auto' && !TRANSPORT_KINDS.includes(transport))
    throw new ArrayLensError('bad-argument', `--transport ${transport}: use auto, ${TRANSPORT_KINDS.join(', ')}`);
  const bins = flagInt(p, 'bins', DEFAULT_BINS);
  if (bins < 1) throw new ArrayLensError('bad-argument', '--bins must be at least 1');
  const slice = flagString(p, 'slice') ?? null;
  if (slice) parseIndex(slice); // a malformed slice fails before any process starts
  const bp = parseBreak(br);
  if (!fs.existsSync(bp.file)) throw new ArrayLensError('bad-argument', `--break ${br}: no such file ${bp.file}`);
  const target = await launchTarget(p, bp);
  activeTarget = target;
  try {
    if (list) {
      const arrays = await target.listArrays();
      const rows = arrays.map((a) => ({
        expr: a.expr,
        language: a.language,
        type: a.typeName,
        dtype: a.view.dtype.name,
        shape: a.view.shape,
        size: elementCount(a.view.shape),
        address: `0x${a.view.address.toString(16)}`,
      }));
      return p.flags.has('json') ? toJson({ arrays: rows }) : rows.map((r) => `${r.expr}\t${r.dtype}[${r.shape.join(', ')}]\t${r.type}`).join('\n');
    }
    const result: InspectResult = await inspectArray(target, expr!, {
      slice,
      values: p.flags.has('values'),
      stats: p.flags.has('stats'),
      bins,
      transport,
    });
    return p.flags.has('json') ? toJson(result) : formatSummary(result);
  } finally {
    activeTarget = null;
    await target.close();
  }
}

async function cmdStats(p: ParsedArgs): Promise<string> {
  const file = p.positional[0];
  if (!file) throw new ArrayLensError('bad-argument', 'stats needs a .npy file: arraylens stats FILE.npy');
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new ArrayLensError('bad-argument', `cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 65536 + 12));
    fs.readSync(fd, head, 0, head.length, 0);
    const h = parseNpyHeader(head);
    let view = npyView(h);
    const need = elementCount(h.shape) * h.dtype.itemsize;
    if (h.dataOffset + need > size) throw new ArrayLensError('bad-argument', `${file} is truncated: ${size} bytes for ${need} of data`);
    const slice = flagString(p, 'slice') ?? null;
    if (slice) view = sliceView(view, slice);
    const bins = flagInt(p, 'bins', DEFAULT_BINS);
    const k = loadKernels();
    // Memory-mapped when the native addon is loaded (no copies); plain reads otherwise.
    const transport = (k.backend.startsWith('native-') && mapFileTransport(file)) || new FileTransport(fd, size);
    const s = await streamStats(transport, view, bins, k.kernels);
    const result: StatsFileResult = {
      file: path.resolve(file),
      dtype: view.dtype.name,
      byteOrder: view.dtype.byteOrder,
      shape: view.shape.slice(),
      slice,
      stats: { ...s.stats, backend: k.backend },
      timing: { read_ms: Math.round(s.readMs * 1000) / 1000, stats_ms: Math.round(s.statsMs * 1000) / 1000 },
    };
    return p.flags.has('json') ? toJson(result) : formatStatsSummary(result);
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
  const p = parseArgs(['inspect', '--break', `${script}:${line}`, '--python', py, '--', py, script]);
  const target = await launchTarget(p, { file: script, line });
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
  let p: ParsedArgs;
  try {
    p = parseArgs(argv);
    if (p.flags.has('help') || !p.command || p.command === 'help') {
      process.stdout.write(USAGE);
      return p.command || p.flags.has('help') ? 0 : 2;
    }
    let out: string;
    switch (p.command) {
      case 'inspect':
        out = await cmdInspect(p);
        break;
      case 'stats':
        out = await cmdStats(p);
        break;
      case 'demo':
        out = await cmdDemo();
        break;
      case 'leaks':
        out = await cmdLeaks(p);
        break;
      default:
        throw new ArrayLensError('bad-argument', `unknown command '${p.command}' (inspect, stats, leaks, demo)`);
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
