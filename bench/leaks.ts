// Unreferenced-buffer scan throughput (GB/s of memory scanned): the native SIMD and JS scan kernels on a synthetic heap image, against
// a plain word-summing loop over the same bytes measured in the same run, then the whole scan of real stopped
// processes (/proc/PID/mem reads included) through `arraylens leaks`.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadKernels } from '../src/engine/kernels';
import { loadedAddon } from '../src/engine/nativeKernels';
import { BlockIndex, blockIndex, markPointers } from '../src/leaks/scan';

const ROOT = path.resolve(__dirname, '..', '..');

/** A heap-like image: doubles, small integers, zeros, and 1 word in 64 a pointer (a third of them into blocks). */
function syntheticHeap(bytes: number, blocks: number): { words: Uint32Array; index: BlockIndex } {
  const base = 0x55d4_0000_0000;
  const list: { addr: number; size: number }[] = [];
  for (let i = 0; i < blocks; i++) list.push({ addr: base + i * 65536, size: 4096 + (i % 7) * 1024 });
  const index = blockIndex(list);
  const words = new Uint32Array(bytes / 4);
  const f64 = new Float64Array(words.buffer);
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  for (let i = 0; i < f64.length; i++) {
    const r = rnd();
    if (i % 64 === 0) {
      const p = r < 0.33 ? list[Math.floor(rnd() * blocks)].addr : base + Math.floor(rnd() * blocks * 65536) + 8;
      words[2 * i] = p % 4294967296;
      words[2 * i + 1] = Math.floor(p / 4294967296);
    } else if (r < 0.5) f64[i] = r * 1000;
    else if (r < 0.8) words[2 * i] = Math.floor(r * 1000);
  }
  return { words, index };
}

function best(runs: number, fn: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
}

function markerLine(file: string, marker: string): number {
  return fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;
}

export async function run(): Promise<void> {
  const mb = Number(process.env.ARRAYLENS_BENCH_LEAKS_MB ?? 128);
  const bytes = mb << 20;
  const { words, index } = syntheticHeap(bytes, 10000);
  let sink = 0;
  const baseMs = best(3, () => {
    let s = 0;
    for (let i = 0; i < words.length; i++) s = (s + words[i]) | 0;
    sink ^= s;
  });
  const rows: [string, number][] = [['word-sum loop (baseline)', baseMs]];
  for (const interior of [false, true]) {
    const ms = best(3, () => {
      const marks = new Uint8Array(index.starts.length);
      sink ^= markPointers(words, index, marks, [], interior);
    });
    rows.push([`scan kernel, JS, ${interior ? 'interior pointers' : 'block starts'}`, ms]);
  }
  // The addon's SIMD kernel (what `arraylens leaks` and the Leaks view run when it is built), every ISA here.
  loadKernels();
  const addon = loadedAddon();
  if (addon) {
    const image = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    const sum = best(3, () => void addon.readSum(image));
    rows.push(['native u64 sum (read bandwidth)', sum]);
    for (const isa of addon.backend().supported)
      for (const interior of [false, true]) {
        const ms = best(3, () => {
          const marks = new Uint8Array(index.starts.length);
          sink ^= addon.markPointers(image, index.starts, index.ends, marks, { isa, interior }).length;
        });
        rows.push([`scan kernel, native ${isa}, ${interior ? 'interior' : 'starts'}`, ms]);
      }
  } else console.log('(native addon not loaded: JS kernel only)');
  console.log(`unreferenced scan of a ${mb} MiB synthetic heap image, 10000 blocks (best of 3; checksum ${sink & 1})`);
  console.log('pass                                    ms     GB/s   x baseline (JS word-sum loop)');
  for (const [name, ms] of rows)
    console.log(`${name.padEnd(36)} ${ms.toFixed(1).padStart(7)} ${(bytes / 1e9 / (ms / 1000)).toFixed(2).padStart(8)} ${(baseMs / ms).toFixed(2).padStart(12)}`);

  // Whole scans of stopped processes, /proc/PID/mem reads included.
  const cli = path.join(ROOT, 'bin', 'arraylens');
  const cases: [string, string, string[]][] = [];
  const c = path.join(ROOT, 'test', 'fixtures', 'leaks', 'lost_buffers.c');
  const exe = path.join(ROOT, 'test', 'fixtures', 'leaks', 'build', 'lost_buffers');
  if (fs.existsSync(exe)) cases.push(['C program (lldb-dap)', c, [exe]]);
  const py = path.join(ROOT, 'test', 'fixtures', 'leaks', 'cache_leak.py');
  cases.push(['Python + NumPy + debugpy', py, [path.join(ROOT, '.venv', 'bin', 'python'), py, 'refext']]);
  console.log('\nwhole scan of a stopped process (arraylens leaks)');
  console.log('process                         scanned MB      ms     GB/s');
  for (const [name, src, program] of cases) {
    const r = spawnSync(
      process.execPath,
      [cli, 'leaks', '--json', '--from', `${src}:${markerLine(src, 'BREAK FROM')}`, '--to', `${src}:${markerLine(src, 'BREAK TO')}`, '--', ...program],
      { encoding: 'utf8', timeout: 180000 },
    );
    if (r.status !== 0) {
      console.log(`${name.padEnd(30)} failed: ${r.stderr.trim()}`);
      continue;
    }
    const n = (JSON.parse(r.stdout) as { notes: { scannedBytes: number; scanMs: number; scanKernel?: string } }).notes;
    console.log(
      `${name.padEnd(30)} ${(n.scannedBytes / 1e6).toFixed(1).padStart(10)} ${String(n.scanMs).padStart(7)} ${(n.scannedBytes / 1e9 / (Math.max(n.scanMs, 1) / 1000)).toFixed(2).padStart(8)}  ${n.scanKernel ?? ''}`,
    );
  }
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
