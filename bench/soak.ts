// Soak (issue 18): N cycles of stop -> list arrays -> inspect with stats and values -> continue on a real debugpy
// program, sampling this host process's RSS and open fds (and the debuggee's RSS) every cycle; `run()` does 200.

import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { PythonTarget } from '../src/backends/python/target';
import { inspectArray } from '../src/engine/engine';

const ROOT = path.resolve(__dirname, '..', '..');
export const SOAK_PROGRAM = path.join(ROOT, 'bench', 'fixtures', 'soak.py');

export interface SoakSample {
  cycle: number;
  /** This process (the host: engine, transports, DAP channel). */
  hostRss: number;
  hostFds: number;
  /** V8 heap in use after a full collection: what the host still holds, apart from the allocator's slack. */
  hostHeapUsed: number;
  /** Memory of Buffers/ArrayBuffers and other objects outside the V8 heap (read chunks, the addon's allocations). */
  hostExternal: number;
  /** The debuggee, to see whether inspection leaves anything behind in it. */
  debuggeeRss: number;
}

export interface SoakResult {
  samples: SoakSample[];
  debuggeePid: number;
  /** True when the debuggee's /proc entry was gone (or a zombie) after close. */
  debuggeeGone: boolean;
}

// A full collection before each sample, so that RSS and heap compare live data and not how lazy the collector was.
v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc') as () => void;

function rssOf(pid: number | 'self'): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** Runs `cycles` stop/list/inspect/continue cycles; `onCycle` sees each sample as it is taken. */
export async function soakPython(
  opts: { cycles: number; python?: string; env?: Record<string, string> },
  onCycle?: (s: SoakSample) => void,
): Promise<SoakResult> {
  const program = SOAK_PROGRAM;
  const line = fs.readFileSync(program, 'utf8').split('\n').findIndex((l) => l.includes('# BREAK')) + 1;
  const target = await PythonTarget.launch({
    python: opts.python ?? path.join(ROOT, '.venv', 'bin', 'python'),
    program,
    args: [String(opts.cycles)],
    breakpoint: { file: program, line },
    ...(opts.env ? { env: opts.env } : {}),
  });
  const pid = target.pid;
  if (pid === undefined) {
    await target.close();
    throw new Error('debugpy did not report the debuggee pid: the soak needs it to measure the debuggee');
  }
  const samples: SoakSample[] = [];
  try {
    for (let cycle = 1; cycle <= opts.cycles; cycle++) {
      if (cycle > 1) await target.continueTo(program, line);
      const listed = await target.listArrays();
      if (!listed.some((h) => h.expr === 'image')) throw new Error(`cycle ${cycle}: 'image' not listed (${listed.map((h) => h.expr).join(', ')})`);
      for (const expr of ['image', 'counts', 'strided']) await inspectArray(target, expr, { stats: true });
      await inspectArray(target, 'image', { slice: '[:4, :8]', values: true });
      fullGc();
      const s: SoakSample = {
        cycle,
        hostRss: rssOf('self'),
        hostFds: fs.readdirSync('/proc/self/fd').length,
        hostHeapUsed: process.memoryUsage().heapUsed,
        hostExternal: process.memoryUsage().external,
        debuggeeRss: rssOf(pid),
      };
      samples.push(s);
      onCycle?.(s);
    }
  } finally {
    await target.close();
  }
  // Give the kernel a moment to reap what close() killed.
  let gone = processGone(pid);
  for (let i = 0; i < 50 && !gone; i++) {
    await new Promise((r) => setTimeout(r, 100));
    gone = processGone(pid);
  }
  return { samples, debuggeePid: pid, debuggeeGone: gone };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface SoakWindow {
  hostRss: number;
  hostFds: number;
  hostHeapUsed: number;
  hostExternal: number;
  debuggeeRss: number;
}

export interface SoakSummary {
  first: SoakWindow;
  last: SoakWindow;
  /** last / first median host RSS. */
  hostRssRatio: number;
  debuggeeRssRatio: number;
}

/** Medians of the first and last `window` cycles (the flatness test: within 10 %). */
export function summarize(samples: readonly SoakSample[], window: number): SoakSummary {
  const w = Math.min(window, Math.floor(samples.length / 2));
  const part = (xs: readonly SoakSample[]): SoakWindow => ({
    hostRss: median(xs.map((s) => s.hostRss)),
    hostFds: median(xs.map((s) => s.hostFds)),
    hostHeapUsed: median(xs.map((s) => s.hostHeapUsed)),
    hostExternal: median(xs.map((s) => s.hostExternal)),
    debuggeeRss: median(xs.map((s) => s.debuggeeRss)),
  });
  const first = part(samples.slice(0, w));
  const last = part(samples.slice(samples.length - w));
  return { first, last, hostRssRatio: last.hostRss / first.hostRss, debuggeeRssRatio: last.debuggeeRss / first.debuggeeRss };
}

export async function run(): Promise<void> {
  const cycles = Number(process.env.ARRAYLENS_SOAK_CYCLES ?? 200);
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const t0 = performance.now();
  const r = await soakPython({ cycles }, (s) => {
    if (s.cycle === 1 || s.cycle % 25 === 0)
      console.log(`cycle ${String(s.cycle).padStart(4)}: host RSS ${mib(s.hostRss)} MiB, heap ${mib(s.hostHeapUsed)} MiB, external ${mib(s.hostExternal)} MiB, host fds ${s.hostFds}, debuggee RSS ${mib(s.debuggeeRss)} MiB`);
  });
  const sum = summarize(r.samples, 50);
  const w = Math.min(50, Math.floor(cycles / 2));
  const min = Math.min(...r.samples.map((s) => s.hostRss));
  const max = Math.max(...r.samples.map((s) => s.hostRss));
  console.log(`${cycles} cycles (stop, list, inspect --stats of 3 arrays + a values slice, continue) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`host RSS median, first vs last ${w} cycles: ${mib(sum.first.hostRss)} -> ${mib(sum.last.hostRss)} MiB (x${sum.hostRssRatio.toFixed(3)}; min ${mib(min)}, max ${mib(max)})`);
  console.log(`host V8 heap after GC, median first vs last ${w}: ${mib(sum.first.hostHeapUsed)} -> ${mib(sum.last.hostHeapUsed)} MiB, external ${mib(sum.first.hostExternal)} -> ${mib(sum.last.hostExternal)} MiB`);
  console.log(`host fds median, first vs last ${w}: ${sum.first.hostFds} -> ${sum.last.hostFds}`);
  console.log(`debuggee RSS median, first vs last ${w}: ${mib(sum.first.debuggeeRss)} -> ${mib(sum.last.debuggeeRss)} MiB (x${sum.debuggeeRssRatio.toFixed(3)})`);
  console.log(`host RSS flat within 10 %: ${Math.abs(sum.hostRssRatio - 1) <= 0.1 ? 'yes' : 'NO'}; debuggee gone after close: ${r.debuggeeGone ? 'yes' : 'NO'}`);
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
