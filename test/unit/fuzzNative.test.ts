// Fuzzing the descriptors handed to the native addon (native/index.d.ts): random shapes, strides, dtypes, offsets and
// buffer lengths. Views inside the buffer (allocated exactly, or a window of a larger buffer whose guard bytes around it
// would change the answer if read) must give the JS kernels' answers; any other descriptor must be refused with a
// TypeError or RangeError, never a crash, and never an answer for a view that reaches outside the buffer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { NativeIsa } from '../../native/index';
import { DTYPE_NAMES, dtype } from '../../src/core/dtype';
import { countPatterns, hasPatternTable, patternTableSize } from '../../src/core/patterns';
import { percentilesOfBuffer } from '../../src/core/percentiles';
import { Moments, histogramSpec, jsKernels } from '../../src/core/stats';
import { StridedView, byteExtent, elementCount } from '../../src/core/view';
import { loadKernels } from '../../src/engine/kernels';
import { NativeAddon, loadedAddon, toNativeView } from '../../src/engine/nativeKernels';
import { fuzz } from './fuzzConfig';

const choice = loadKernels();
const addon: NativeAddon | null = choice.backend.startsWith('native-') ? loadedAddon() : null;
const SKIP = addon ? false : `native addon not loaded (${choice.reason})`;
const ISAS: NativeIsa[] = addon ? addon.backend().supported : ['serial'];

const sameNumber = (a: unknown, b: unknown): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b)) || (a === 0 && b === 0);

function assertSameMoments(n: Moments, j: Moments, label: string): void {
  for (const k of ['count', 'nan', 'posinf', 'neginf', 'zeros', 'finite'] as const) assert.equal(n[k], j[k], `${label}: ${k}`);
  assert.ok(sameNumber(n.min, j.min) && sameNumber(n.max, j.max), `${label}: min/max ${n.min}/${n.max} vs ${j.min}/${j.max}`);
  assert.equal(n.intSum, j.intSum, `${label}: intSum`);
  if (j.intSum !== null || j.finite === 0) return;
  // Float sums: summation order differs (SIMD lanes), so within rounding of the largest magnitude summed.
  const scale = j.finite * Math.max(Math.abs(Number(j.min)), Math.abs(Number(j.max)), 1);
  assert.ok(Math.abs(n.sum - j.sum) <= 1e-12 * scale || Object.is(n.sum, j.sum), `${label}: sum ${n.sum} vs ${j.sum}`);
}

interface Case {
  isa: NativeIsa;
  buf: Uint8Array;
  view: StridedView;
  bins: number;
}

/** A view and a buffer holding exactly its extent: allocated to size, or a window with 0xff guard bytes around it. */
const insideArb: fc.Arbitrary<Case> = fc
  .record({
    isa: fc.constantFrom(...ISAS),
    name: fc.constantFrom(...DTYPE_NAMES),
    order: fc.constantFrom('little', 'big'),
    shape: fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 4 }),
    stridePick: fc.array(fc.oneof(fc.integer({ min: -40, max: 40 }), fc.constantFrom(0, 1, -1)), { minLength: 4, maxLength: 4 }),
    guard: fc.constantFrom(0, 0, 1, 7, 64),
    seed: fc.integer(),
    bins: fc.integer({ min: 1, max: 64 }),
  })
  .map(({ isa, name, order, shape, stridePick, guard, seed, bins }) => {
    const dt = dtype(name, order as 'little' | 'big');
    const strides = shape.map((_, i) => (stridePick[i] === 1 || stridePick[i] === -1 ? stridePick[i] * dt.itemsize : stridePick[i]));
    const probe = { address: 0n, dtype: dt, shape, strides };
    const { lo, hi } = byteExtent(probe);
    const len = hi - lo;
    const backing = new Uint8Array(len + 2 * guard).fill(0xff);
    let x = seed >>> 0;
    const buf = backing.subarray(guard, guard + len);
    for (let i = 0; i < len; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      // Mostly small values (ints, halves, floats near 1), some all-ones bytes (NaN, -1) and zeros.
      buf[i] = x >>> 29 === 0 ? 0xff : x >>> 29 === 1 ? 0 : (x >>> 16) & 0x3f;
    }
    return { isa, buf: guard === 0 ? new Uint8Array(buf) : buf, view: { ...probe, address: BigInt(-lo) }, bins };
  });

function call<T>(f: () => T): { ok: T } | { err: unknown } {
  try {
    return { ok: f() };
  } catch (e) {
    return { err: e };
  }
}

/** What a descriptor field may be: numbers of every kind, bigints, strings, nothing. */
const anyNumberish = fc.oneof(
  fc.integer({ min: -70, max: 70 }),
  fc.integer(),
  fc.constantFrom(2 ** 53 - 1, 2 ** 53, -(2 ** 53), 2 ** 62, 1e300, 0.5, -0, NaN, Infinity, -Infinity),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.constantFrom('3', null, undefined, {}, [1]),
);

/** The addon's own contract, computed independently: is this a view inside a buffer of `len` bytes? */
function insideModel(len: number, d: Record<string, unknown>): { ok: boolean; count: bigint } {
  const dt = typeof d.dtype === 'string' && (DTYPE_NAMES as string[]).includes(d.dtype) ? dtype(d.dtype as (typeof DTYPE_NAMES)[number]) : null;
  const isInt = (v: unknown): v is number | bigint =>
    (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'bigint' && v <= 2n ** 53n - 1n && v >= -(2n ** 53n - 1n));
  const sh = d.shape;
  const st = d.strides;
  if (!dt || (d.byteOrder !== 'little' && d.byteOrder !== 'big') || !Array.isArray(sh) || !Array.isArray(st) || sh.length !== st.length || sh.length > 32)
    return { ok: false, count: 0n };
  if (!sh.every(isInt) || !st.every(isInt) || !isInt(d.offset)) return { ok: false, count: 0n };
  let count = 1n;
  let lo = 0n;
  let hi = 0n;
  for (let i = 0; i < sh.length; i++) {
    const n = BigInt(sh[i]);
    const s = BigInt(st[i]);
    if (n < 0n) return { ok: false, count: 0n };
    count *= n;
    if (n > 0n) {
      const span = (n - 1n) * s;
      if (span < 0n) lo += span;
      else hi += span;
    }
  }
  const off = BigInt(d.offset);
  const ok = count > 0n && count * BigInt(dt.itemsize) <= 2n ** 62n && off + lo >= 0n && off + hi + BigInt(dt.itemsize) <= BigInt(len);
  return { ok, count };
}

describe('fuzz: native addon descriptors (native/index.d.ts)', { skip: SKIP }, () => {
  it('views inside the buffer: every kernel set equals the JS kernels (moments, histogram, patterns, percentiles)', () =>
    fuzz(
      'native addon (views inside the buffer)',
      fc.property(insideArb, ({ isa, buf, view, bins }) => {
        const a = addon!;
        const nv = toNativeView(view);
        const label = `${isa} ${view.dtype.name}/${view.dtype.byteOrder} shape [${view.shape}] strides [${view.strides}] in ${buf.length} bytes`;
        const jm = jsKernels.moments(buf, view) as Moments;
        const nm = a.moments(buf, nv, { isa });
        assertSameMoments(nm, jm, label);
        if (jm.finite > 0) {
          const spec = histogramSpec(Number(jm.min), Number(jm.max), bins);
          const jc = new Float64Array(bins);
          const nc = new Float64Array(bins);
          void jsKernels.histogram(buf, view, spec, jc);
          a.histogram(buf, nv, spec, nc, { isa });
          assert.deepEqual(nc, jc, `${label}: histogram`);
        }
        if (hasPatternTable(view.dtype)) {
          const jt = new Float64Array(patternTableSize(view.dtype));
          const nt = new Float64Array(patternTableSize(view.dtype));
          countPatterns(buf, view, jt);
          a.patterns(buf, nv, nt, { isa });
          assert.deepEqual(nt, jt, `${label}: pattern table`);
        }
        const qs = [0, 1, 50, 99, 100];
        const jp = percentilesOfBuffer(buf, view, qs);
        const np = a.percentiles(buf, nv, qs, { isa });
        assert.ok(jp === null ? np === null : np !== null && np.every((v, i) => sameNumber(v, jp[i])), `${label}: percentiles ${np} vs ${jp}`);
        assert.equal(elementCount(view.shape), jm.count);
      }),
    ));

  it('any descriptor: an answer only for views inside the buffer, else TypeError or RangeError', () =>
    fuzz(
      'native addon (any descriptor)',
      fc.property(
        fc.record({
          len: fc.nat(96),
          offset: anyNumberish,
          dtype: fc.oneof(fc.constantFrom(...DTYPE_NAMES), fc.constantFrom('float128', 'object', '', 'Float32'), fc.string({ maxLength: 4 })),
          byteOrder: fc.constantFrom('little', 'big', 'native', undefined),
          shape: fc.oneof(fc.array(anyNumberish, { maxLength: 5 }), fc.constantFrom(undefined, 'x', { length: 2 })),
          strides: fc.oneof(fc.array(anyNumberish, { maxLength: 5 }), fc.constantFrom(undefined, 7)),
          isa: fc.oneof(fc.constantFrom(...ISAS), fc.constantFrom('avx512', 'neon', 'sse9', undefined)),
          threads: fc.constantFrom(undefined, 1, 2, 0, 65, 1.5, 'x'),
          kernel: fc.constantFrom('moments', 'patterns', 'percentiles', 'histogram'),
          qs: fc.array(fc.oneof(fc.double(), fc.integer({ min: 0, max: 100 })), { maxLength: 4 }),
        }),
        (d) => {
          const a = addon!;
          const buf = new Uint8Array(d.len).map((_, i) => (i * 37) & 0xff);
          const desc = { offset: d.offset, dtype: d.dtype, byteOrder: d.byteOrder, shape: d.shape, strides: d.strides } as Record<string, unknown>;
          const model = insideModel(buf.length, desc);
          if (model.ok && model.count > 100000n) return; // a zero stride over a huge dimension is valid and only slow
          const opts = { isa: d.isa, threads: d.threads } as Record<string, unknown>;
          const view = desc as never;
          const r = call(() => {
            switch (d.kernel) {
              case 'moments':
                return a.moments(buf, view, opts as never);
              case 'patterns':
                return a.patterns(buf, view, new Float64Array(65536), opts as never);
              case 'percentiles':
                return a.percentiles(buf, view, d.qs, opts as never);
              default:
                return a.histogram(buf, view, histogramSpec(0, 1, 4), new Float64Array(4), opts as never);
            }
          });
          if ('err' in r) {
            assert.ok(r.err instanceof TypeError || r.err instanceof RangeError, `${d.kernel} threw ${String(r.err)}`);
            return;
          }
          assert.ok(model.ok, `${d.kernel} answered for a view outside a ${buf.length}-byte buffer: ${JSON.stringify(desc, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`);
        },
      ),
    ));
});
