// Reads at the machine's limit (issue 16), in one run: a reference probe (process_vm_readv of the array's bytes into
// a warm buffer, straight through the addon), the direct transport's read and read + whole-array stats as ratios of
// it, for a debugpy-stopped Python array and an lldb-dap-stopped Rust array (256 MiB float32 each); and the host's
// peak extra RSS during stats of a 4 GiB np.memmap-backed array (sampled every 2 ms).

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { PythonTarget } from '../src/backends/python/target';
import { launchNative } from '../src/backends/native/launch';
import { StridedView, elementCount } from '../src/core/view';
import { chunkPool } from '../src/engine/chunkPool';
import { streamStats } from '../src/engine/engine';
import { loadKernels } from '../src/engine/kernels';
import { loadedAddon } from '../src/engine/nativeKernels';
import { DebugTarget } from '../src/engine/target';
import { DirectTransport } from '../src/transport/direct';

const ROOT = path.resolve(__dirname, '..', '..');
const CRATE = path.join(ROOT, 'test', 'fixtures', 'rust', 'arrays');
const ROUNDS = Number(process.env.ARRAYLENS_BENCH_ROUNDS ?? 5);
const BINS = 256;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function markerLine(file: string, marker: string): number {
  return fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;
}

function loadavg(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(f: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function directOf(target: DebugTarget, view: StridedView): Promise<DirectTransport> {
  const t = await target.transport('direct', view);
  if (!(t instanceof DirectTransport)) throw new Error(`the direct transport is a ${t.constructor.name}`);
  return t;
}

/**
 * Rounds interleaved (probe, transport read, read + stats) so load changes hit all three alike; best and median
 * of each, ratios probe / x (1.0 = as fast as the probe).
 */
async function ratios(label: string, t: DirectTransport, view: StridedView): Promise<void> {
  const addon = loadedAddon()!;
  const bytes = elementCount(view.shape) * view.dtype.itemsize;
  const warm = Buffer.allocUnsafeSlow(bytes).fill(1);
  const ranges = new BigUint64Array([view.address, BigInt(bytes)]);
  const kernels = loadKernels().kernels;
  chunkPool.clear();
  gc();
  const cold = await streamStats(t, view, BINS, kernels);
  const probe: number[] = [];
  const read: number[] = [];
  const fresh: number[] = [];
  const stats: number[] = [];
  let last = cold;
  for (let r = 0; r < ROUNDS; r++) {
    probe.push(await time(() => {
      const res = addon.vmRead(t.pid, ranges, warm);
      if (res.errno) throw new Error(`probe: ${res.code}`);
    }));
    read.push(await time(() => t.readRangeInto(view.address, bytes, warm, 0)));
    fresh.push(await time(() => t.readView(view)));
    last = await streamStats(t, view, BINS, kernels);
    stats.push(last.wallMs);
  }
  if (JSON.stringify(last.stats) !== JSON.stringify(cold.stats)) throw new Error('stats differ between runs');
  const p = Math.min(...probe);
  const pm = median(probe);
  const gbs = (ms: number): string => (bytes / 1e9 / (ms / 1000)).toFixed(2).padStart(6);
  const line = (name: string, xs: number[], target?: number): void => {
    const best = Math.min(...xs);
    const ratio = p / best;
    const mark = target === undefined ? '' : ratio >= target ? `  (target >= ${target * 100} %: met)` : `  (target >= ${target * 100} %: NOT met)`;
    const ofMedians = `${((pm / median(xs)) * 100).toFixed(0).padStart(5)} %`;
    console.log(`  ${name.padEnd(52)} ${best.toFixed(1).padStart(7)} ${median(xs).toFixed(1).padStart(7)} ${gbs(best)} ${(ratio * 100).toFixed(0).padStart(5)} % ${ofMedians}${mark}`);
  };
  console.log(`${label}: ${(bytes / 2 ** 20).toFixed(0)} MiB ${view.dtype.name}, pid ${t.pid}, ${ROUNDS} rounds, load average ${loadavg()}`);
  console.log(`  ${'what'.padEnd(52)} ${'best ms'.padStart(7)} ${'median'.padStart(7)} ${'GB/s'.padStart(6)} x probe (best, medians)`);
  line('probe: process_vm_readv into a warm buffer', probe);
  line(`direct transport read (${t.method}), warm buffer`, read, 0.7);
  line('direct readView into a fresh buffer', fresh);
  line('read + whole-array stats (streamStats)', stats, 0.6);
  console.log(`  first stats (chunk pool cold) ${cold.wallMs.toFixed(1)} ms; last: reads ${last.readMs.toFixed(1)} ms + kernels ${last.statsMs.toFixed(1)} ms overlapped into ${last.wallMs.toFixed(1)} ms`);
}

/** Peak extra RSS of this process while `f` runs, sampled every 2 ms, over the RSS after a GC just before. */
async function peakRss(f: () => Promise<unknown>): Promise<{ base: number; peak: number; ms: number }> {
  // Freed ArrayBuffers go back to the system after the GC, on another thread: settle before the baseline.
  chunkPool.clear();
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 300));
  }
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  const ms = await time(f);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { base, peak, ms };
}

async function python(): Promise<void> {
  const program = path.join(ROOT, 'bench', 'fixtures', 'readlimit.py');
  const gib = Number(process.env.ARRAYLENS_BENCH_MEMMAP_GB ?? 4);
  const file = path.join(os.tmpdir(), `arraylens-readlimit-${process.pid}.f32`);
  const target = await PythonTarget.launch({
    python: path.join(ROOT, '.venv', 'bin', 'python'),
    program,
    args: [],
    breakpoint: { file: program, line: markerLine(program, '# BREAK') },
    env: { ...(process.env as Record<string, string>), ARRAYLENS_BENCH_MEMMAP: file, ARRAYLENS_BENCH_MEMMAP_GB: String(gib) },
    stopTimeoutMs: 300000,
  });
  try {
    const big = (await target.resolve('big')).view;
    await ratios('Python (debugpy) `big`', await directOf(target, big), big);
    const huge = (await target.resolve('huge')).view;
    const t = await directOf(target, huge);
    const k = loadKernels().kernels;
    let s: Awaited<ReturnType<typeof streamStats>> | null = null;
    const r = await peakRss(async () => (s = await streamStats(t, huge, BINS, k)));
    const bytes = elementCount(huge.shape) * huge.dtype.itemsize;
    console.log(
      `Python np.memmap \`huge\`: ${(bytes / 2 ** 30).toFixed(1)} GiB float32, stats in ${(r.ms / 1000).toFixed(2)} s ` +
        `(reads ${s!.readMs.toFixed(0)} ms, kernels ${s!.statsMs.toFixed(0)} ms, two passes), min ${s!.stats.min} max ${s!.stats.max}; ` +
        `peak extra RSS ${((r.peak - r.base) / 2 ** 20).toFixed(1)} MiB over ${(r.base / 2 ** 20).toFixed(0)} MiB (target <= 64 MiB: ${r.peak - r.base <= 64 * 2 ** 20 ? 'met' : 'NOT met'}), load average ${loadavg()}`,
    );
  } finally {
    await target.close();
    fs.rmSync(file, { force: true });
  }
}

async function rust(): Promise<void> {
  const src = path.join(CRATE, 'src', 'bin', 'big.rs');
  const bin = path.join(CRATE, 'target', 'debug', 'big');
  if (!fs.existsSync(bin)) execFileSync('bash', ['-c', 'nice cargo build --offline -q || nice cargo build -q'], { cwd: CRATE, stdio: 'inherit' });
  const target = await launchNative({ program: bin, args: [], breakpoint: { file: src, line: markerLine(src, '// BREAK') }, debugger: 'lldb', stopTimeoutMs: 300000 });
  try {
    const big = (await target.resolve('big')).view;
    await ratios('Rust (lldb-dap) `big`', await directOf(target, big), big);
  } finally {
    await target.close();
  }
}

export async function run(): Promise<void> {
  const k = loadKernels();
  if (!loadedAddon()) {
    console.log(`skipped: the native addon is not loaded (${k.reason})`);
    return;
  }
  console.log(`kernels ${k.backend}; ${os.cpus().length} CPUs; load average ${loadavg()}`);
  await python();
  await rust();
}

if (require.main === module) run().catch((e) => {
  console.error(e);
  process.exit(1);
});
