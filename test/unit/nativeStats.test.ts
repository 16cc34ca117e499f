// The native stats engine against the JS reference and NumPy: random dtypes, byte orders, shapes and strides
// (negative, zero, transposed, unaligned), NaN/Inf placement; every kernel set this CPU runs; bad input.
// Without the addon (ARRAYLENS_NO_NATIVE=1) the native comparisons report why they did nothing, and the
// JS-vs-NumPy half still runs.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { DTYPE_NAMES, DType, dtype } from '../../src/core/dtype';
import { viewValues } from '../../src/core/decode';
import { percentilesOfBuffer } from '../../src/core/percentiles';
import { countPatterns, hasPatternTable, momentsFromPatterns, patternTableSize, statsOfBufferByPatterns } from '../../src/core/patterns';
import { Stats, histogramSpec, jsKernels, statsOfBuffer } from '../../src/core/stats';
import { StridedView, elementCount, memoryOrder } from '../../src/core/view';
import { loadKernels } from '../../src/engine/kernels';
import { NativeAddon, loadedAddon, toNativeView, wrapAddon } from '../../src/engine/nativeKernels';
import { runPython } from '../helpers/env';

const choice = loadKernels();
const addon: NativeAddon | null = choice.backend.startsWith('native-') ? loadedAddon() : null;
const NATIVE_NOTE = addon
  ? `native addon loaded: ${choice.backend} (${choice.reason})`
  : `native addon not loaded (${choice.reason}): native-vs-JS comparisons skipped, JS-vs-NumPy still checked`;
console.log(`# ${NATIVE_NOTE}`);

/** mulberry32: small, seeded, reproducible. */
function rng32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  label: string;
  buf: Uint8Array;
  view: StridedView;
  bins: number;
}

type Mode = 'normal' | 'ints' | 'offset' | 'wide';

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
}

function floatValue(r: () => number, mode: Mode, special: number): number {
  const u = r();
  if (u < special) return NaN;
  if (u < special * 1.6) return Infinity;
  if (u < special * 2.2) return -Infinity;
  if (u < special * 3) return r() < 0.3 ? -0 : 0;
  switch (mode) {
    case 'ints':
      return Math.floor(r() * 11) - 2;
    case 'offset':
      return 1e6 + gauss(r) * 0.01;
    case 'wide':
      return gauss(r) * 10 ** Math.floor(r() * 30 - 10);
    default:
      return gauss(r) * 3 + 0.25;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function halfBits(r: () => number, mode: Mode, special: number): number {
  const u = r();
  if (u < special) return 0x7e00;
  if (u < special * 1.6) return 0x7c00;
  if (u < special * 2.2) return 0xfc00;
  if (u < special * 3) return r() < 0.3 ? 0x8000 : 0;
  if (mode === 'ints') return [0x3c00, 0x4000, 0x4200, 0xbc00, 0x4400][Math.floor(r() * 5)];
  const exp = mode === 'wide' ? Math.floor(r() * 31) : 12 + Math.floor(r() * 6);
  return ((r() < 0.5 ? 1 : 0) << 15) | (Math.min(exp, 30) << 10) | Math.floor(r() * 1024);
}

function writeElement(dv: DataView, at: number, dt: DType, r: () => number, mode: Mode, special: number): void {
  const le = dt.byteOrder === 'little';
  switch (dt.name) {
    case 'bool':
      dv.setUint8(at, r() < 0.5 ? [1, 2, 255][Math.floor(r() * 3)] : 0); // any nonzero byte is True
      return;
    case 'float16':
      dv.setUint16(at, halfBits(r, mode, special), le);
      return;
    case 'bfloat16':
      f32[0] = floatValue(r, mode, special);
      dv.setUint16(at, u32[0] >>> 16, le);
      return;
    case 'float32':
      dv.setFloat32(at, floatValue(r, mode, special), le);
      return;
    case 'float64':
      dv.setFloat64(at, floatValue(r, mode, special), le);
      return;
    case 'complex64':
      dv.setFloat32(at, floatValue(r, mode, special / 2), le);
      dv.setFloat32(at + 4, floatValue(r, mode, special / 2), le);
      return;
    case 'complex128':
      dv.setFloat64(at, floatValue(r, mode, special / 2), le);
      dv.setFloat64(at + 8, floatValue(r, mode, special / 2), le);
      return;
    default:
      throw new Error(`not a grid dtype: ${dt.name}`);
  }
}

/** A random view: a strided window (maybe flipped, broadcast, transposed, unaligned) into a random buffer. */
function makeCase(seed: number): Case {
  const r = rng32(seed);
  const name = DTYPE_NAMES[Math.floor(r() * DTYPE_NAMES.length)];
  const dt = dtype(name, r() < 0.3 ? 'big' : 'little');
  const item = dt.itemsize;
  const anyBytes = dt.kind === 'i' || dt.kind === 'u'; // every byte pattern is a valid integer
  const nd = Math.floor(r() * 5);
  const shape: number[] = [];
  for (let i = 0; i < nd; i++) shape.push(r() < 0.03 ? 0 : 1 + Math.floor(r() * 6));
  if (nd > 0 && r() < 0.5) shape[Math.floor(r() * nd)] = 1 + Math.floor(r() * (r() < 0.3 ? 40000 : 3000));
  while (elementCount(shape) > 60000) shape[shape.indexOf(Math.max(...shape))] >>= 1;
  // A parent C/F/permuted layout with steps, then signs, zero strides, odd bytes.
  const order = [...shape.keys()].sort(() => r() - 0.5);
  const steps = shape.map(() => (r() < 0.3 ? 2 + Math.floor(r() * 2) : 1));
  const strides = new Array<number>(nd).fill(0);
  let acc = item * (r() < 0.15 ? 2 : 1);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    strides[i] = acc * steps[i];
    acc *= Math.max(1, shape[i] * steps[i]);
  }
  for (let i = 0; i < nd; i++) {
    if (r() < 0.08) strides[i] = 0;
    else if (anyBytes && r() < 0.2) strides[i] += 1 + Math.floor(r() * 3);
    if (r() < 0.3) strides[i] = -strides[i];
  }
  let lo = 0;
  let hi = item;
  for (let i = 0; i < nd; i++) {
    const span = Math.max(0, shape[i] - 1) * strides[i];
    if (span < 0) lo += span;
    else hi += span;
  }
  const misalign = r() < 0.35 ? 1 + Math.floor(r() * (item > 1 ? item - 1 : 3)) : 0;
  const pad = 16;
  const offset = pad + -lo + misalign;
  const buf = new Uint8Array(offset + hi + pad);
  const dv = new DataView(buf.buffer);
  const modes: Mode[] = ['normal', 'ints', 'offset', 'wide'];
  const mode = modes[Math.floor(r() * modes.length)];
  const special = r() < 0.3 ? 0 : r() < 0.1 ? 0.9 : 0.02;
  if (anyBytes) {
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(r() * 256);
    if (mode === 'ints') for (let i = 0; i < buf.length; i++) buf[i] = buf[i] & 0x83; // many ties and zeros
  } else {
    for (let at = offset % item; at + item <= buf.length; at += item) writeElement(dv, at, dt, r, mode, special);
  }
  const bins = [1, 7, 10, 256][Math.floor(r() * 4)];
  const view: StridedView = { address: BigInt(offset), dtype: dt, shape, strides };
  return { label: `#${seed} ${dt.byteOrder === 'big' ? '>' : '<'}${name}${JSON.stringify(shape)} strides ${JSON.stringify(strides)} +${misalign} ${mode}`, buf, view, bins };
}

/** A few cases the random ones might miss: int64 extremes, 1e6 + small noise in float32, constant arrays. */
function fixedCases(): Case[] {
  const out: Case[] = [];
  const n = 50000;
  const big = new BigInt64Array(n);
  for (let i = 0; i < n; i++) big[i] = i % 3 === 0 ? 9223372036854775807n - BigInt(i) : i % 3 === 1 ? -9223372036854775808n + BigInt(i) : BigInt(i);
  out.push({ label: 'int64 extremes', buf: new Uint8Array(big.buffer), view: { address: 0n, dtype: dtype('int64'), shape: [n], strides: [8] }, bins: 256 });
  const ub = new BigUint64Array(n);
  for (let i = 0; i < n; i++) ub[i] = i % 2 ? 18446744073709551615n - BigInt(i) : BigInt(i * 7);
  out.push({ label: 'uint64 extremes', buf: new Uint8Array(ub.buffer), view: { address: 0n, dtype: dtype('uint64'), shape: [n / 2, 2], strides: [16, 8] }, bins: 256 });
  const r = rng32(7);
  const f = new Float32Array(300000);
  for (let i = 0; i < f.length; i++) f[i] = 1e6 + gauss(r) * 0.01;
  out.push({ label: 'float32 1e6 + noise', buf: new Uint8Array(f.buffer), view: { address: 0n, dtype: dtype('float32'), shape: [600, 500], strides: [2000, 4] }, bins: 256 });
  out.push({ label: 'float32 1e6 + noise, transposed [::-1, ::3]', buf: new Uint8Array(f.buffer), view: { address: 599n * 2000n, dtype: dtype('float32'), shape: [500, 200], strides: [4, -6000] }, bins: 64 });
  const c = new Float64Array(9000).fill(2.5);
  out.push({ label: 'constant float64 (min == max)', buf: new Uint8Array(c.buffer), view: { address: 0n, dtype: dtype('float64'), shape: [9000], strides: [8] }, bins: 10 });
  const u8 = new Uint8Array(20000).map((_, i) => (i * 37) & 255);
  out.push({ label: 'uint8 zero stride broadcast', buf: u8, view: { address: 5n, dtype: dtype('uint8'), shape: [3000, 4], strides: [5, 0] }, bins: 256 });
  // NumPy reads any nonzero bool byte as True: bytes 0/1/2/127/255 are False/True, max 1, sum = nonzero count.
  const b8 = new Uint8Array(70001).map((_, i) => [0, 255, 1, 2, 0, 127, 255][(i * 13) % 7]);
  out.push({ label: 'bool over 0/1/2/127/255 bytes', buf: b8, view: { address: 0n, dtype: dtype('bool'), shape: [b8.length], strides: [1] }, bins: 10 });
  out.push({ label: 'bool over 0/255 bytes [::2] 2-d', buf: b8, view: { address: 1n, dtype: dtype('bool'), shape: [100, 300], strides: [700, 2] }, bins: 3 });
  out.push({ label: 'bool all 255', buf: new Uint8Array(5000).fill(255), view: { address: 0n, dtype: dtype('bool'), shape: [5000], strides: [1] }, bins: 10 });
  // The kernels' float32 bin shortcut must give way at every edge: floats at and a few ulps around each edge.
  for (const [lo, hi, bins] of [[-3.7, 11.3, 256], [1e6, 1e6 + 0.0625, 7], [-1e-30, 3e-31, 10], [0.1, 0.30000001, 1]] as const) {
    const spec = histogramSpec(Math.fround(lo), Math.fround(hi), bins);
    const vals: number[] = [Math.fround(lo), Math.fround(hi)];
    const bits = new Uint32Array(1);
    const fl = new Float32Array(bits.buffer);
    for (const e of spec.edges) {
      fl[0] = e;
      const b0 = bits[0];
      for (let d = -3; d <= 3; d++) {
        bits[0] = b0 + (e < 0 ? -d : d);
        if (fl[0] >= Math.fround(lo) && fl[0] <= Math.fround(hi)) vals.push(fl[0]);
      }
    }
    const f = Float32Array.from(vals);
    out.push({ label: `float32 at and beside every edge of ${bins} bins over [${lo}, ${hi}]`, buf: new Uint8Array(f.buffer), view: { address: 0n, dtype: dtype('float32'), shape: [f.length], strides: [4] }, bins });
  }
  // Every float16 and every int16 (NaN, Inf, subnormals, both zeros), in a scrambled order.
  const all16 = new Uint16Array(65536).map((_, i) => (i * 40503) & 0xffff);
  out.push({ label: 'every float16', buf: new Uint8Array(all16.buffer), view: { address: 0n, dtype: dtype('float16'), shape: [256, 256], strides: [512, 2] }, bins: 256 });
  out.push({ label: 'every int16', buf: new Uint8Array(all16.buffer), view: { address: 0n, dtype: dtype('int16'), shape: [65536], strides: [2] }, bins: 10 });
  // Blocks whose means jump far apart and lone huge values: the kernels' shifted sums must not cancel.
  const jumps = new Float32Array(120000);
  const rj = rng32(9);
  for (let i = 0; i < jumps.length; i++) jumps[i] = (Math.floor(i / 7000) % 3 === 1 ? 3e7 : -50) + gauss(rj) * (i % 4999 === 0 ? 1e6 : 0.5);
  out.push({ label: 'float32 blocks with far-apart means and outliers', buf: new Uint8Array(jumps.buffer), view: { address: 0n, dtype: dtype('float32'), shape: [jumps.length], strides: [4] }, bins: 256 });
  // Regimes longer than a kernel block (32768 values): near zero (unshifted sums), a mean of 5.5 against a
  // spread of 1 (still unshifted: mean^2 <= 32 var), a mean 8 sigma out (just past the rule), then far away.
  const regimes = new Float32Array(5 * 45000);
  const rr = rng32(13);
  const means = [0.01, 5.5, -8.2, 3e4, 0.3];
  for (let i = 0; i < regimes.length; i++) regimes[i] = means[Math.floor(i / 45000)] + gauss(rr);
  out.push({ label: 'float32 regimes longer than a block', buf: new Uint8Array(regimes.buffer), view: { address: 0n, dtype: dtype('float32'), shape: [regimes.length], strides: [4] }, bins: 256 });
  const regimes16 = new Uint16Array(regimes.length).map((_, i) => (Math.floor(i / 45000) === 3 ? 0x5400 : 0x3c00) + ((i * 7919) % 64));
  out.push({ label: 'float16 regimes longer than a block', buf: new Uint8Array(regimes16.buffer), view: { address: 0n, dtype: dtype('float16'), shape: [regimes16.length], strides: [2] }, bins: 256 });
  // Strided runs the kernels compact with permutes ([:, ::2] of 2-, 4-, 8-byte elements, odd row lengths so
  // the last element of a row ends the buffer) or gathers (other strides).
  const grid = new Float64Array(30 * 1001);
  const rg = rng32(5);
  for (let i = 0; i < grid.length; i++) grid[i] = i % 997 === 3 ? NaN : gauss(rg) * 100;
  const g32 = Float32Array.from(grid);
  const g16 = new Uint16Array(grid.length).map((_, i) => (i % 991 === 1 ? 0x7c00 : 0x3000 + (i * 7919) % 0x1800));
  const i32 = Int32Array.from(grid, (x) => (Number.isNaN(x) ? 0 : Math.round(x * 1000)));
  const every2 = (bytes: Uint8Array, dt: DType, rows: number, cols: number): { buf: Uint8Array; view: StridedView } => {
    const item = dt.itemsize;
    const tail = bytes.subarray(0, ((rows - 1) * cols + cols - (cols % 2 === 0 ? 1 : 0)) * item); // ends at the last element read
    return { buf: tail, view: { address: 0n, dtype: dt, shape: [rows, Math.ceil(cols / 2)], strides: [cols * item, 2 * item] } };
  };
  for (const [label, bytes, dt] of [
    ['float32', new Uint8Array(g32.buffer), dtype('float32')],
    ['float16', new Uint8Array(g16.buffer), dtype('float16')],
    ['float64', new Uint8Array(grid.buffer), dtype('float64')],
  ] as const) {
    out.push({ label: `${label} [:, ::2] of 30 x 1001`, ...every2(bytes, dt, 30, 1001), bins: 256 });
    out.push({ label: `${label} [:, ::2] of 30 x 1000`, ...every2(bytes, dt, 30, 1000), bins: 256 });
  }
  out.push({ label: 'float32 every 3rd (gathers)', buf: new Uint8Array(g32.buffer), view: { address: 4n, dtype: dtype('float32'), shape: [10009], strides: [12] }, bins: 256 });
  out.push({ label: 'int32 every 5th (gathers)', buf: new Uint8Array(i32.buffer), view: { address: 0n, dtype: dtype('int32'), shape: [6006], strides: [20] }, bins: 10 });
  out.push({ label: 'float64 every 3rd (gathers)', buf: new Uint8Array(grid.buffer), view: { address: 8n, dtype: dtype('float64'), shape: [10000], strides: [24] }, bins: 7 });
  const ramp = new Float32Array(100000).map((_, i) => i * 0.37 - 1000);
  out.push({ label: 'float32 ramp', buf: new Uint8Array(ramp.buffer), view: { address: 0n, dtype: dtype('float32'), shape: [ramp.length], strides: [4] }, bins: 100 });
  return out;
}

interface Expected {
  /** histogram null where numpy.histogram itself refuses the range. */
  stats: Record<string, unknown> & { histogram: { bins: number; lo: number | null; hi: number | null; counts: number[] } | null };
  percentiles: number[] | null;
}

const NUMPY_EXPECTED = String.raw`
import json, os, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
import check_inspect
cases = json.load(open(sys.argv[1]))
out = []
def exact(v):
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and abs(int(v)) > 2**53:
        return str(int(v))
    return v
for c in cases:
    raw = np.fromfile(c["file"], dtype=np.uint8)
    if c["bfloat16"]:
        u = np.ndarray(c["shape"], np.dtype(c["order"] + "u2"), raw, c["offset"], c["strides"])
        a = (u.astype(np.uint32) << 16).view(np.float32)
    else:
        a = np.ndarray(c["shape"], np.dtype(c["typestr"]), raw, c["offset"], c["strides"])
    try:
        st = check_inspect.expected_stats(a, c["bins"])
    except ValueError:  # numpy.histogram refuses min == max when +-0.5 is below the value's ulp: no histogram
        orig = np.histogram
        np.histogram = lambda v, bins, range: (np.zeros(bins, dtype=np.int64), np.array([np.nan, np.nan]))
        try:
            st = check_inspect.expected_stats(a, c["bins"])
            st["histogram"] = None
        finally:
            np.histogram = orig
    st = {k: exact(v) for k, v in st.items()}
    if a.dtype.kind == "c":
        re, im = a.real.astype(np.float64), a.imag.astype(np.float64)
        mag = np.abs(a.astype(np.complex128))
        vals = mag[np.isfinite(mag) & ~(np.isnan(re) | np.isnan(im))]
    elif a.dtype.kind in "iub":
        vals = a.reshape(-1).astype(np.float64)
    else:
        f = a.astype(np.float64).reshape(-1)
        vals = f[np.isfinite(f)]
    pct = [float(x) for x in np.percentile(vals, [1, 50, 99])] if vals.size else None
    out.append({"stats": st, "percentiles": pct})
print(json.dumps(out))
`;

function numpyExpected(cases: Case[]): Expected[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-native-'));
  try {
    const manifest = cases.map((c, i) => {
      const file = path.join(dir, `${i}.bin`);
      fs.writeFileSync(file, c.buf);
      const dt = c.view.dtype;
      const order = dt.byteOrder === 'big' ? '>' : '<';
      return {
        file,
        typestr: dt.itemsize === 1 ? `|${dt.kind}1` : `${order}${dt.kind}${dt.itemsize}`,
        bfloat16: dt.name === 'bfloat16',
        order,
        offset: Number(c.view.address),
        shape: c.view.shape,
        strides: c.view.strides,
        bins: c.bins,
      };
    });
    const mf = path.join(dir, 'cases.json');
    fs.writeFileSync(mf, JSON.stringify(manifest));
    const script = path.join(dir, 'expected.py');
    fs.writeFileSync(script, NUMPY_EXPECTED);
    const shared = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'acceptance');
    return JSON.parse(runPython([script, mf, shared])) as Expected[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function sameInt(got: unknown, exp: unknown): boolean {
  if (exp === null || got === null) return exp === got;
  return BigInt(String(got)) === BigInt(String(exp));
}

function close(got: number | null, exp: number | null, rel: number, abs = 0): boolean {
  if (got === null || exp === null) return got === exp;
  if (!Number.isFinite(exp)) return Object.is(got, exp) || (Number.isNaN(got) && Number.isNaN(exp));
  return Math.abs(got - exp) <= rel * Math.abs(exp) + abs;
}

function assertMatchesNumpy(s: Stats, e: Expected['stats'], label: string, dt: DType): void {
  for (const k of ['count', 'nan', 'posinf', 'neginf', 'zeros'] as const) assert.equal(s[k], e[k], `${label}: ${k}`);
  const intLike = dt.kind === 'i' || dt.kind === 'u' || dt.kind === 'b';
  for (const k of ['min', 'max'] as const) {
    if (intLike && e[k] !== null) assert.ok(sameInt(s[k], e[k]), `${label}: ${k} ${s[k]} vs ${e[k]}`);
    else assert.ok(s[k] === e[k] || (s[k] === 0 && e[k] === 0), `${label}: ${k} ${s[k]} vs ${e[k]}`);
  }
  const mean = e.mean as number | null;
  const scale = mean === null ? 1 : Math.max(1, Math.abs(mean));
  assert.ok(close(s.mean, mean, 1e-9, 1e-12 * scale), `${label}: mean ${s.mean} vs ${mean}`);
  assert.ok(close(s.std, e.std as number | null, 1e-7, 1e-12 * scale), `${label}: std ${s.std} vs ${e.std}`);
  if (e.histogram === null) return;
  assert.deepEqual(s.histogram.counts, e.histogram.counts, `${label}: histogram counts`);
  assert.ok(close(s.histogram.lo, e.histogram.lo, 0), `${label}: histogram lo ${s.histogram.lo} vs ${e.histogram.lo}`);
  assert.ok(close(s.histogram.hi, e.histogram.hi, 0), `${label}: histogram hi ${s.histogram.hi} vs ${e.histogram.hi}`);
}

function assertSameStats(a: Stats, b: Stats, label: string): void {
  for (const k of ['count', 'nan', 'posinf', 'neginf', 'zeros'] as const) assert.equal(a[k], b[k], `${label}: ${k}`);
  for (const k of ['min', 'max'] as const) assert.ok(a[k] === b[k] || (a[k] === 0 && b[k] === 0), `${label}: ${k} ${a[k]} vs ${b[k]}`);
  // 1e-12 relative; std also gets an absolute floor at 1e-12 of the data's scale (a std of 0 may come out 1e-17).
  const scale = Math.max(Math.abs(a.mean ?? 0), Math.abs(b.std ?? 0), Math.abs(Number(b.max ?? 0)), Math.abs(Number(b.min ?? 0)));
  assert.ok(close(a.mean, b.mean, 1e-12, 1e-300), `${label}: mean ${a.mean} vs ${b.mean}`);
  assert.ok(close(a.std, b.std, 1e-12, 1e-14 * scale), `${label}: std ${a.std} vs ${b.std}`);
  assert.deepEqual(a.histogram.counts, b.histogram.counts, `${label}: histogram counts`);
  assert.equal(a.histogram.bins, b.histogram.bins, `${label}: histogram bins`);
  // -0 and 0 are the same edge (the JS reference keeps whichever zero it met first).
  assert.ok(close(a.histogram.lo, b.histogram.lo, 0) && close(a.histogram.hi, b.histogram.hi, 0), `${label}: histogram range`);
}

function tableOf(buf: Uint8Array, view: StridedView): Float64Array {
  const t = new Float64Array(patternTableSize(view.dtype));
  countPatterns(buf, view, t);
  return t;
}

const SEED = 20261122;
const cases = [...fixedCases(), ...Array.from({ length: 140 }, (_, i) => makeCase(SEED + i))];
const expected = numpyExpected(cases);

describe('stats engine: JS reference vs NumPy', () => {
  it(`JS kernels equal NumPy on ${cases.length} views (random dtypes, byte orders, strides, NaN/Inf)`, async () => {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      assertMatchesNumpy(await statsOfBuffer(c.buf, c.view, c.bins, jsKernels), expected[i].stats, c.label, c.view.dtype);
    }
  });

  it('the one-pass pattern-table path (1- and 2-byte dtypes) equals NumPy and the two-pass reference', async () => {
    let n = 0;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      if (!hasPatternTable(c.view.dtype)) continue;
      n++;
      const byPatterns = await statsOfBufferByPatterns(c.buf, c.view, c.bins);
      assertMatchesNumpy(byPatterns, expected[i].stats, `patterns ${c.label}`, c.view.dtype);
      assertSameStats(byPatterns, await statsOfBuffer(c.buf, c.view, c.bins, jsKernels), `patterns ${c.label}`);
      if (elementCount(c.view.shape) === 0) continue;
      const pm = momentsFromPatterns(c.view.dtype, tableOf(c.buf, c.view));
      const jm = jsKernels.moments(c.buf, c.view) as Awaited<ReturnType<typeof jsKernels.moments>>;
      assert.equal(pm.intSum, jm.intSum, `patterns ${c.label}: intSum`);
    }
    assert.ok(n >= 20, `only ${n} cases have 1- or 2-byte dtypes`);
  });

  it('bool values decode any nonzero byte as True, as numpy.ndarray.tolist() does', () => {
    const bytes = new Uint8Array([0, 1, 2, 127, 128, 255, 0, 254]);
    const view: StridedView = { address: 0n, dtype: dtype('bool'), shape: [2, 4], strides: [4, 1] };
    const py = `import json, sys, numpy as np\nprint(json.dumps(np.frombuffer(bytes(json.loads(sys.argv[1])), np.bool_).reshape(2, 4).tolist()))`;
    assert.deepEqual(viewValues(bytes, view), JSON.parse(runPython(['-c', py, JSON.stringify([...bytes])])));
  });

  it('JS percentiles equal numpy.percentile (p1/p50/p99) exactly', () => {
    for (let i = 0; i < cases.length; i++) {
      const got = percentilesOfBuffer(cases[i].buf, cases[i].view);
      const exp = expected[i].percentiles;
      if (exp === null) assert.equal(got, null, cases[i].label);
      else assert.ok(got !== null && got.every((g, k) => close(g, exp[k], 0, 0)), `${cases[i].label}: ${got} vs ${exp}`);
    }
  });
});

describe('stats engine: native addon vs JS reference', () => {
  const isas = addon ? addon.backend().supported : [];

  it(`native kernels (${isas.join(', ') || 'none loaded'}) equal the JS reference and NumPy on every view`, async () => {
    if (!addon) {
      console.log(`# ${NATIVE_NOTE}`);
      assert.equal(choice.backend, 'js');
      return;
    }
    assert.ok(isas.includes('serial'));
    for (const isa of isas) {
      const k = wrapAddon(addon, isa);
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i];
        const label = `${isa} ${c.label}`;
        const js = await statsOfBuffer(c.buf, c.view, c.bins, jsKernels);
        const nat = await statsOfBuffer(c.buf, c.view, c.bins, k);
        assertSameStats(nat, js, label);
        assertMatchesNumpy(nat, expected[i].stats, label, c.view.dtype);
        if (hasPatternTable(c.view.dtype) && elementCount(c.view.shape) > 0) {
          // The native pattern count is the JS one, table for table.
          const table = new Float64Array(patternTableSize(c.view.dtype));
          await k.patterns(c.buf, c.view, table);
          assert.deepEqual(table, tableOf(c.buf, c.view), `${label}: pattern table`);
        }
        // Raw moments too: intSum exact, and the same answer over the engine's memory-order view.
        if (elementCount(c.view.shape) > 0) {
          const jm = jsKernels.moments(c.buf, c.view) as Awaited<ReturnType<typeof jsKernels.moments>>;
          const nm = await k.moments(c.buf, c.view);
          const mo = await k.moments(c.buf, memoryOrder(c.view));
          assert.equal(nm.intSum, jm.intSum, `${label}: intSum`);
          assert.equal(nm.finite, jm.finite, `${label}: finite`);
          assert.equal(mo.intSum, jm.intSum, `${label}: intSum (memory order)`);
          assert.equal(mo.zeros, jm.zeros, `${label}: zeros (memory order)`);
        }
      }
    }
  });

  it('native percentiles equal the JS reference', async () => {
    if (!addon) {
      console.log(`# ${NATIVE_NOTE}`);
      assert.equal(loadedAddon() === null || choice.backend === 'js', true);
      return;
    }
    const k = wrapAddon(addon);
    for (const c of cases) {
      assert.deepEqual(await k.percentiles(c.buf, c.view, [1, 50, 99]), percentilesOfBuffer(c.buf, c.view), c.label);
    }
    // Percentiles of big arrays go through several radix passes: compare with a sort.
    const r = rng32(3);
    const big = new Float32Array(400000).map(() => (r() < 0.5 ? 1 + r() * 1e-6 : gauss(r)));
    const view: StridedView = { address: 0n, dtype: dtype('float32'), shape: [big.length], strides: [4] };
    const qs = [0, 1, 12.5, 50, 99, 100];
    assert.deepEqual(await k.percentiles(new Uint8Array(big.buffer), view, qs), percentilesOfBuffer(new Uint8Array(big.buffer), view, qs));
  });

  it('one thread and two threads agree; async calls leave the event loop free and can be cancelled', async () => {
    if (!addon) {
      console.log(`# ${NATIVE_NOTE}`);
      assert.equal(choice.backend, 'js');
      return;
    }
    const n = 24 << 20;
    const data = new Float32Array(n);
    const r = rng32(11);
    for (let i = 0; i < n; i += 1) data[i] = i % 1000 === 0 ? NaN : gauss(r);
    const buf = new Uint8Array(data.buffer);
    const view: StridedView = { address: 0n, dtype: dtype('float32'), shape: [n / 64, 64], strides: [256, 4] };
    const one = await statsOfBuffer(buf, view, 256, wrapAddon(addon, undefined, 1));
    const two = await statsOfBuffer(buf, view, 256, wrapAddon(addon, undefined, 2));
    assertSameStats(one, two, 'threads 1 vs 2');
    let ticks = 0;
    let done = false;
    const spin = (): void => {
      ticks++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    const m = await addon.momentsAsync(buf, toNativeView(view), { threads: 1 });
    done = true;
    assert.equal(m.count, n);
    assert.ok(ticks > 0, 'event loop ran while the worker computed');
    const cancel = new Int32Array([1]);
    await assert.rejects(addon.momentsAsync(buf, toNativeView(view), { cancel }), /cancelled/);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(Promise.resolve(wrapAddon(addon).moments(buf, view, ac.signal)), (e: Error) => e.message === 'cancelled');
  });

  it('bad input is a JS exception, never a read outside the buffer', () => {
    if (!addon) {
      console.log(`# ${NATIVE_NOTE}`);
      assert.equal(choice.backend, 'js');
      return;
    }
    const buf = new Uint8Array(64);
    const v = (o: Partial<ReturnType<typeof toNativeView>>) => ({ offset: 0, dtype: 'float32' as const, byteOrder: 'little' as const, shape: [16], strides: [4], ...o });
    assert.equal(addon.moments(buf, v({})).count, 16);
    assert.throws(() => addon.moments(buf, v({ shape: [17] })), RangeError); // one past the end
    assert.throws(() => addon.moments(buf, v({ offset: 4, strides: [-4] })), RangeError); // below the start
    assert.throws(() => addon.moments(buf, v({ offset: -1 })), RangeError);
    assert.throws(() => addon.moments(buf, v({ shape: [0] })), RangeError); // zero-size
    assert.throws(() => addon.moments(buf, v({ shape: [2 ** 31, 2 ** 31, 2 ** 31], strides: [0, 0, 0] })), RangeError); // overflow
    assert.throws(() => addon.moments(buf, v({ shape: [2 ** 52, 2 ** 52], strides: [0, 0] })), RangeError);
    assert.throws(() => addon.moments(buf, v({ shape: [2 ** 53] })), TypeError); // not a safe integer
    assert.throws(() => addon.moments(buf, v({ shape: [1.5] })), TypeError);
    assert.throws(() => addon.moments(buf, v({ strides: [4, 4] })), TypeError);
    assert.throws(() => addon.moments(buf, { ...v({}), dtype: 'float128' as 'float32' }), TypeError);
    assert.throws(() => addon.moments([1, 2, 3] as unknown as Uint8Array, v({})), TypeError);
    assert.throws(() => addon.moments(buf, v({}), { isa: 'sparc' as 'serial' }), TypeError);
    assert.throws(() => addon.histogram(buf, v({}), { bins: 4, first: 0, last: 1, edges: new Float64Array(3) }, new Float64Array(4)), RangeError);
    assert.throws(() => addon.mmap(__filename, 1), TypeError); // unaligned mapping offset
    const mapped = new Uint8Array(addon.mmap(__filename));
    assert.equal(Buffer.from(mapped).toString('utf8'), fs.readFileSync(__filename, 'utf8'));
  });
});
