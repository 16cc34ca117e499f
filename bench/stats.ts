// Stats engine vs memory and NumPy, in one run on the same data (512 MiB float32 by default; ARRAYLENS_BENCH_MB
// to shrink): streaming-read bandwidth, native pass one and histogram on one thread, the NumPy panel done
// correctly (filter finite once; min, max, mean, std, counts, histogram), and `arraylens stats` end to end.

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DTypeName, dtype } from '../src/core/dtype';
import { hasPatternTable, patternTableSize, statsFromPatterns } from '../src/core/patterns';
import { histogramSpec } from '../src/core/stats';
import { StridedView, cStrides, fStrides } from '../src/core/view';
import { loadKernels } from '../src/engine/kernels';
import { loadedAddon, toNativeView } from '../src/engine/nativeKernels';

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const CLI = path.join(ROOT, 'bin', 'arraylens');
const BINS = 256;

const MAKE = String.raw`
import sys, numpy as np
d, mb = sys.argv[1], int(sys.argv[2])
n = mb * 2**20 // 4
cols = 4096
rows = n // cols
rng = np.random.default_rng(1)
a = rng.standard_normal((rows, cols), dtype=np.float32)
a.reshape(-1)[::100003] = np.nan
a.reshape(-1)[7::1000003] = np.inf
np.save(d + '/f32.npy', a)
np.save(d + '/f32F.npy', np.asfortranarray(a))
np.save(d + '/f16.npy', a.astype(np.float16))
np.save(d + '/i16.npy', (a * 1000).astype(np.int16))
`;

const PANEL = String.raw`
import sys, time, json, numpy as np
def panel(a):
    t, c = time.perf_counter(), time.process_time()
    f = a[np.isfinite(a)]
    counts = (int(np.isnan(a).sum()), int(np.isposinf(a).sum()), int(np.isneginf(a).sum()), int((a == 0).sum()))
    mn, mx = f.min(), f.max()
    mean, std = f.mean(dtype=np.float64), f.std(dtype=np.float64)
    h = np.histogram(f, 256, range=(float(mn), float(mx)))
    return time.perf_counter() - t, time.process_time() - c
out = {}
for name, sl in [('f32', None), ('f32', '[:, ::2]'), ('f32F', None), ('f16', None), ('i16', None)]:
    a = np.load(sys.argv[1] + '/' + name + '.npy')
    if sl: a = eval('a' + sl)
    runs = [panel(a) for _ in range(2)]
    out[name + (sl or '')] = [min(r[0] for r in runs), min(r[1] for r in runs)]
    del a
print(json.dumps(out))
`;

/** Seconds: wall clock, and CPU time of this process (the kernels run on the calling thread with threads: 1). */
interface Time {
  wall: number;
  cpu: number;
}

interface Row {
  label: string;
  mib: number;
  pass1: Time;
  hist: Time;
  pass1x2: number;
  /** 1- and 2-byte dtypes: the one-pass panel the engine runs (pattern table, then statistics from it). */
  fused: Time | null;
  numpy: Time;
}

/** The engine's panel time: one pattern-table pass where the dtype has one, else pass one + histogram. */
function panelOf(r: Row, k: 'wall' | 'cpu'): number {
  return r.fused ? r.fused[k] : r.pass1[k] + r.hist[k];
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Best of `reps`, separately for wall and CPU time (CPU time is what load from other processes inflates least). */
function best(reps: number, f: () => void): Time {
  const b = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = cpuSeconds();
    f();
    b.cpu = Math.min(b.cpu, cpuSeconds() - c0);
    b.wall = Math.min(b.wall, (performance.now() - t0) / 1000);
  }
  return b;
}

function loadavg(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}

function npyView(map: Uint8Array, name: DTypeName, fortran: boolean): StridedView {
  const head = Buffer.from(map.buffer, map.byteOffset, Math.min(map.byteLength, 4096)).toString('latin1');
  const hlen = map[8] | (map[9] << 8);
  const shape = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(head)!.slice(1).map(Number);
  const dt = dtype(name);
  return { address: BigInt(10 + hlen), dtype: dt, shape, strides: fortran ? fStrides(shape, dt.itemsize) : cStrides(shape, dt.itemsize) };
}

export async function run(): Promise<void> {
  const k = loadKernels();
  const addon = loadedAddon();
  if (!addon || !k.backend.startsWith('native-')) {
    console.log(`stats bench needs the native addon (${k.reason}); nothing measured`);
    return;
  }
  const mb = Number(process.env.ARRAYLENS_BENCH_MB ?? 512);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-bench-stats-'));
  try {
    console.log(`${k.backend}: ${k.reason}`);
    console.log(`making ${mb} MiB float32 [rows, 4096] (+ Fortran copy, float16, int16) in ${dir}`);
    execFileSync(PYTHON, ['-c', MAKE, dir, String(mb)], { stdio: 'inherit' });
    console.log(`load average before: ${loadavg()} (${os.cpus().length} CPUs)`);
    const numpyRaw = JSON.parse(execFileSync(PYTHON, ['-c', PANEL, dir], { encoding: 'utf8' })) as Record<string, [number, number]>;
    const numpy: Record<string, Time> = Object.fromEntries(Object.entries(numpyRaw).map(([k, [wall, cpu]]) => [k, { wall, cpu }]));
    const maps: Record<string, Uint8Array> = {};
    for (const f of ['f32', 'f32F', 'f16', 'i16']) maps[f] = new Uint8Array(addon.mmap(path.join(dir, `${f}.npy`)));
    const f32 = maps.f32;
    addon.readSum(f32); // fault the mapping in
    const readS = best(3, () => addon.readSum(f32, {}));
    const readGBs = f32.byteLength / readS.wall / 1e9;
    const readGBsCpu = f32.byteLength / readS.cpu / 1e9;
    const cases: { label: string; map: string; name: DTypeName; fortran: boolean; slice?: boolean; np: string }[] = [
      { label: 'float32 contiguous', map: 'f32', name: 'float32', fortran: false, np: 'f32' },
      { label: 'float32 [:, ::2]', map: 'f32', name: 'float32', fortran: false, slice: true, np: 'f32[:, ::2]' },
      { label: 'float32 Fortran copy', map: 'f32F', name: 'float32', fortran: true, np: 'f32F' },
      { label: 'float16', map: 'f16', name: 'float16', fortran: false, np: 'f16' },
      { label: 'int16', map: 'i16', name: 'int16', fortran: false, np: 'i16' },
    ];
    const rows: Row[] = [];
    for (const c of cases) {
      const map = maps[c.map];
      let view = npyView(map, c.name, c.fortran);
      if (c.slice) view = { ...view, shape: [view.shape[0], Math.ceil(view.shape[1] / 2)], strides: [view.strides[0], view.strides[1] * 2] };
      const nv = toNativeView(view);
      addon.readSum(map);
      let m = addon.moments(map, nv, { threads: 1 });
      const pass1 = best(3, () => (m = addon.moments(map, nv, { threads: 1 })));
      const pass1x2 = best(3, () => addon.moments(map, nv, { threads: 2 })).wall;
      const spec = histogramSpec(Number(m.min), Number(m.max), BINS);
      const hist = best(3, () => addon.histogram(map, nv, spec, new Float64Array(BINS), { threads: 1 }));
      const fused = hasPatternTable(view.dtype)
        ? best(3, () => {
            const table = new Float64Array(patternTableSize(view.dtype));
            addon.patterns(map, nv, table, { threads: 1 });
            statsFromPatterns(view.dtype, table, BINS);
          })
        : null;
      const mib = (view.shape[0] * view.shape[1] * view.dtype.itemsize) / 2 ** 20;
      rows.push({ label: c.label, mib, pass1, hist, pass1x2, fused, numpy: numpy[c.np] });
    }
    console.log(`\nstreaming read (native u64 sum, 1 thread): ${readGBs.toFixed(2)} GB/s wall, ${readGBsCpu.toFixed(2)} GB/s by CPU time, over ${(f32.byteLength / 2 ** 20).toFixed(0)} MiB`);
    const ms = (s: number): string => (s * 1e3).toFixed(1);
    console.log('\nWall clock (best of 3; NumPy best of 2):\n');
    console.log('(panel = pass one + histogram; for 1- and 2-byte dtypes the one-pass pattern-table panel the engine runs, marked *)\n');
    const table = (clock: 'wall' | 'cpu', readBw: number): void => {
      const wall = clock === 'wall'; // the wall table also has the size and the two-thread pass
      const head = ['view', ...(wall ? ['MiB'] : []), 'pass one ms', 'pass one GB/s', '% of read bw', 'histogram ms', wall ? 'panel ms (1 thread)' : 'panel ms',
        ...(wall ? ['pass one ms (2 threads)'] : []), 'NumPy panel ms', '× NumPy'];
      console.log(`| ${head.join(' | ')} |`);
      console.log(`|${'---|'.repeat(head.length)}`);
      for (const r of rows) {
        const gbs = (r.mib * 2 ** 20) / r.pass1[clock] / 1e9;
        const panel = panelOf(r, clock);
        const cells = [r.label, ...(wall ? [r.mib.toFixed(0)] : []), ms(r.pass1[clock]), gbs.toFixed(2), `${((100 * gbs) / readBw).toFixed(0)} %`, ms(r.hist[clock]),
          `${ms(panel)}${r.fused ? '*' : ''}`, ...(wall ? [ms(r.pass1x2)] : []), (r.numpy[clock] * 1e3).toFixed(0), (r.numpy[clock] / panel).toFixed(1)];
        console.log(`| ${cells.join(' | ')} |`);
      }
    };
    table('wall', readGBs);
    console.log('\nCPU time of the measuring process (engine: this thread; NumPy: time.process_time), same runs:\n');
    table('cpu', readGBsCpu);
    // End to end: the CLI on the warm file, process start included, against the NumPy panel on the loaded array.
    for (const name of ['f32', 'f16'] as const) {
      const e2e = best(3, () => execFileSync(process.execPath, [CLI, 'stats', path.join(dir, `${name}.npy`), '--json'], { stdio: ['ignore', 'pipe', 'inherit'] })).wall;
      const np = numpy[name].wall;
      console.log(`${name === 'f32' ? '\n' : ''}arraylens stats ${name}.npy (wall, process start included): ${(e2e * 1e3).toFixed(0)} ms; NumPy panel ${(np * 1e3).toFixed(0)} ms -> ${(np / e2e).toFixed(1)}× NumPy`);
    }
    console.log(`load average after: ${loadavg()}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
