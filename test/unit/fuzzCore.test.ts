// Fuzzing src/core and the strided reader with fast-check: slice text, raw layouts, the native expression validator,
// .npy headers and readViewByRanges. Each input either works or fails with an ArrayLensError, and what works is
// checked against an independent model (element addresses, byte extents, what was read).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DTYPE_NAMES, dtype, parseDType } from '../../src/core/dtype';
import { ArrayLensError } from '../../src/core/errors';
import { sliceView } from '../../src/core/indexing';
import { isIntegerLiteral, parseRawLayout } from '../../src/core/layout';
import { checkNativeExpression, nativeExpressionProblem } from '../../src/core/nativeExpression';
import { parseNpyHeader } from '../../src/core/npy';
import { StridedView, byteExtent, elementCount, validateView } from '../../src/core/view';
import { readViewByRanges } from '../../src/transport/transport';
import { fuzz } from './fuzzConfig';

/** Runs f; an ArrayLensError is an accepted outcome (returns null), anything else thrown fails the property. */
function orArrayLensError<T>(f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    if (e instanceof ArrayLensError) return null;
    throw e;
  }
}

/** Byte offsets (from the view's address) of every element, C order. */
function elementOffsets(v: Pick<StridedView, 'shape' | 'strides'>): number[] {
  let offs = [0];
  for (let a = 0; a < v.shape.length; a++) {
    const next: number[] = [];
    for (const o of offs) for (let i = 0; i < v.shape[a]; i++) next.push(o + i * v.strides[a]);
    offs = next;
  }
  return offs;
}

const dtypeArb = fc.constantFrom(...DTYPE_NAMES).chain((n) => fc.constantFrom('little', 'big').map((o) => dtype(n, o as 'little' | 'big')));

/** A small valid view well above address 0: C/F-like or arbitrary strides (negative, zero, unaligned). */
const baseViewArb: fc.Arbitrary<StridedView> = fc
  .tuple(dtypeArb, fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }), fc.integer({ min: 1 << 20, max: 1 << 30 }))
  .chain(([dt, shape, addr]) =>
    fc
      .array(fc.oneof(fc.integer({ min: -64, max: 64 }), fc.constantFrom(dt.itemsize, -dt.itemsize, 0)), { minLength: shape.length, maxLength: shape.length })
      .map((strides) => ({ address: BigInt(addr), dtype: dt, shape, strides })),
  );

const bound = fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom(2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 31, -(2 ** 31)));
const opt = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.option(a, { nil: '' }).map((x) => x ?? '');
const sliceItemArb = fc.oneof(
  { weight: 3, arbitrary: bound.map(String) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(opt(bound.map(String)), opt(bound.map(String)), fc.option(opt(bound.map(String)), { nil: null }))
      .map(([a, b, c]) => (c === null ? `${a}:${b}` : `${a}:${b}:${c}`)),
  },
  { weight: 1, arbitrary: fc.constantFrom('...', 'Ellipsis', 'None', 'np.newaxis', 'numpy.newaxis') },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '::0', '1.5', '0x10', 'a', '[1]', '1:2:3:4', '+3', '-0', '99999999999999999999') },
);
/** Slice text from NumPy's basic-indexing grammar, with some junk mixed in. */
const sliceTextArb = fc
  .tuple(fc.array(sliceItemArb, { maxLength: 6 }), fc.constantFrom('[]', '', '[', ']'), fc.boolean(), fc.constantFrom(', ', ',', ' , '))
  .map(([items, br, trailing, sep]) => {
    const body = items.join(sep) + (trailing ? ',' : '');
    return (br.startsWith('[') ? '[' : '') + body + (br.endsWith(']') ? ']' : '');
  });

function checkSliceResult(base: StridedView, text: string): void {
  const r = orArrayLensError(() => sliceView(base, text));
  if (r === null) return;
  assert.doesNotThrow(() => validateView(r), `slice ${text} of ${JSON.stringify(base.shape)}: result does not validate`);
  assert.equal(r.shape.length, r.strides.length);
  assert.equal(r.dtype, base.dtype);
  if (elementCount(r.shape) === 0) return;
  // Inside the base's byte extent, and every element one of the base's elements.
  const b = byteExtent(base);
  const e = byteExtent(r);
  const delta = Number(r.address - base.address);
  assert.ok(delta + e.lo >= b.lo && delta + e.hi <= b.hi, `slice ${text}: [${delta + e.lo}, ${delta + e.hi}) outside [${b.lo}, ${b.hi})`);
  const baseOffs = new Set(elementOffsets(base));
  for (const o of elementOffsets(r)) assert.ok(baseOffs.has(delta + o), `slice ${text}: element at ${delta + o} is no element of the base`);
}

describe('fuzz: slice text (src/core/indexing.ts)', () => {
  it('any text: a view inside the base or an ArrayLensError', () =>
    fuzz(
      'slice text',
      fc.property(baseViewArb, fc.string({ maxLength: 40, unit: 'binary' }), (base, text) => checkSliceResult(base, text)),
    ));
  it('NumPy index grammar: results stay within the base view, element for element', () =>
    fuzz(
      'slice grammar',
      fc.property(baseViewArb, sliceTextArb, (base, text) => checkSliceResult(base, text)),
    ));
});

const DTYPE_TEXTS = ['float32', '<f4', '>i8', 'f32', 'uint8_t', 'double', 'unsigned long long', 'std::complex<double>', 'half::f16', 'bool', 'foo', '<V2', 'i3', 'const float'];
const layoutPart = fc.oneof(
  fc.constantFrom('p', 'pm->data', '(float *)buf', 'a.b[2]', '', ' ', 'x as', 'as', ',', '[', ']', '(', ')', '{', '}', 'strides', '0x10', '12', '-3', 'n*2'),
  fc.string({ maxLength: 6 }),
);
const layoutArb = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc
    .tuple(
      fc.array(layoutPart, { minLength: 1, maxLength: 3 }).map((a) => a.join('')),
      fc.constantFrom(...DTYPE_TEXTS),
      fc.array(layoutPart, { maxLength: 4 }),
      fc.option(fc.array(layoutPart, { maxLength: 4 }), { nil: null }),
      fc.constantFrom(' as ', ' as', 'as ', '  as  '),
    )
    .map(([p, dt, dims, strides, as]) => `${p}${as}${dt}[${dims.join(', ')}]${strides === null ? '' : ` strides [${strides.join(',')}]`}`),
);

describe('fuzz: raw layouts (src/core/layout.ts)', () => {
  it('null, a well-formed layout, or an ArrayLensError', () =>
    fuzz(
      'raw layouts',
      fc.property(layoutArb, (text) => {
        const r = orArrayLensError(() => parseRawLayout(text));
        if (!r) return;
        assert.ok(r.pointer.trim().length > 0, `${text}: empty pointer`);
        assert.ok(r.dims.length >= 1, `${text}: no dimension`);
        assert.ok(r.dims.every((d) => d.trim() === d && d.length > 0), `${text}: a blank dimension ${JSON.stringify(r.dims)}`);
        if (r.strides) assert.equal(r.strides.length, r.dims.length, text);
        assert.doesNotThrow(() => parseDType(r.dtype.name));
        for (const d of r.dims) assert.equal(typeof isIntegerLiteral(d), 'boolean');
      }),
    ));
});

const C_TYPE_WORDS = new Set(['const', 'volatile', 'unsigned', 'signed', 'char', 'short', 'int', 'long', 'float', 'double', 'void', 'bool', '_Bool']);
const exprToken = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('p', 'x', 'data', 'pm', 'system', 'touch', 'int', 'float', 'unsigned', 'std', 'i', '0', '12', '0x1f') },
  {
    weight: 6,
    arbitrary: fc.constantFrom('(', ')', '->', '.', '[', ']', '*', '&', '::', ' ', '-', '=', '+=', '++', '--', ',', '$', '`', '"', "'", ';', '{', '}', '!', '~', '<', '>', '/', '?', ':', '\\', '@', '#', '==', '<<=', '&&', '\n'),
  },
);
const exprArb = fc.oneof(fc.array(exprToken, { maxLength: 14 }).map((t) => t.join('')), fc.string({ maxLength: 30 }));

/** For each ')(' in an accepted expression: the parenthesised group before it must be a cast (pointer or C type words). */
function callsHidden(expr: string): string | null {
  const s = expr.replace(/\s+/g, ' ');
  if (/[A-Za-z0-9_\]]\s*\(/.test(s)) return 'a name, number or subscript followed by ('; // f(...), a[0](...)
  for (let i = s.indexOf(')'); i >= 0; i = s.indexOf(')', i + 1)) {
    if (!/^\)\s*\(/.test(s.slice(i))) continue;
    let depth = 0;
    let j = i;
    for (; j >= 0; j--) {
      if (s[j] === ')') depth++;
      if (s[j] === '(' && --depth === 0) break;
    }
    const inner = s.slice(j + 1, i);
    const words = inner.match(/[A-Za-z_]\w*/g) ?? [];
    if (!/^[\sA-Za-z0-9_:*&]*$/.test(inner) || !(inner.includes('*') || words.every((w) => C_TYPE_WORDS.has(w))))
      return `'(${inner})(' may call ${inner}`;
  }
  return null;
}

describe('fuzz: native expression validator (src/core/nativeExpression.ts)', () => {
  it('never throws anything but ArrayLensError; what it accepts has no call, assignment, register or command', () =>
    fuzz(
      'native expressions',
      fc.property(exprArb, (expr) => {
        const why = nativeExpressionProblem(expr);
        assert.ok(why === null || typeof why === 'string');
        if (why !== null) {
          assert.throws(() => checkNativeExpression(expr), (e: unknown) => e instanceof ArrayLensError && e.code === 'bad-expression');
          return;
        }
        checkNativeExpression(expr);
        assert.doesNotMatch(expr, /[$`"';{}\\@#,=]|\+\+|--|&&|\|\||<<|>>/, `accepted ${JSON.stringify(expr)}`);
        const hidden = callsHidden(expr);
        assert.equal(hidden, null, `accepted ${JSON.stringify(expr)}: ${hidden}`);
      }),
    ));
});

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
function npyBytes(major: number, header: string, lenDelta: number, extra: number): Uint8Array {
  const h = Buffer.from(header, 'latin1');
  const len = Math.max(0, h.length + lenDelta);
  const pre = major === 1 ? [...MAGIC, 1, 0, len & 0xff, (len >> 8) & 0xff] : [...MAGIC, major, 0, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24];
  return new Uint8Array(Buffer.concat([Buffer.from(pre), h, Buffer.alloc(extra)]));
}
const dimText = fc.oneof(
  fc.nat(1000).map(String),
  fc.constantFrom('-1', '0', '2.5', '9007199254740993', '99999999999999999999', '1e3', '0x10', '', ' ', 'None', '3L'),
);
const npyHeaderArb = fc
  .tuple(
    fc.constantFrom('<f8', '>i4', '|u1', '<c16', '|b1', '<f2', '<V2', '|O', "[('a', '<f4')]", '', 'float32', '<f4'),
    fc.constantFrom('True', 'False', 'true', '1'),
    fc.array(dimText, { maxLength: 5 }),
    fc.boolean(),
  )
  .map(([descr, fo, dims, trailing]) => `{'descr': '${descr}', 'fortran_order': ${fo}, 'shape': (${dims.join(', ')}${trailing ? ',' : ''}), }`);

function checkNpy(bytes: Uint8Array): void {
  const h = orArrayLensError(() => parseNpyHeader(bytes));
  if (!h) return;
  assert.ok(h.dataOffset <= bytes.length, 'data offset past the bytes given');
  assert.ok(h.shape.every((d) => Number.isSafeInteger(d) && d >= 0), `shape ${JSON.stringify(h.shape)}`);
  assert.ok(Number.isSafeInteger(h.shape.reduce((a, b) => a * b, h.dtype.itemsize)), `shape ${JSON.stringify(h.shape)} overflows`);
  assert.doesNotThrow(() => parseDType(h.dtype.name));
}

describe('fuzz: .npy headers (src/core/npy.ts)', () => {
  it('random bytes, after a valid magic or not', () =>
    fuzz(
      'npy headers (random bytes)',
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (magic, rest) => {
        const bytes = magic ? new Uint8Array([...MAGIC, ...rest]) : rest;
        checkNpy(bytes);
        checkNpy(bytes.subarray(0, Math.floor(bytes.length / 2)));
      }),
    ));
  it('header grammar: versions, wrong lengths, odd descr and dimensions', () =>
    fuzz(
      'npy headers (grammar)',
      fc.property(fc.constantFrom(1, 2, 3, 4, 0), npyHeaderArb, fc.integer({ min: -20, max: 5 }), fc.nat(64), (major, header, lenDelta, extra) =>
        checkNpy(npyBytes(major, header, lenDelta, extra)),
      ),
    ));
});

/** The fake address space: byte a is PATTERN[a % PATTERN.length] (a prime length, so strides do not alias). */
const PATTERN = Buffer.from(Array.from({ length: 65521 }, (_, i) => (Math.imul(i, 2654435761) >>> 13) & 0xff));
const byteAt = (a: number): number => PATTERN[a % PATTERN.length];
function fakeRead(start: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let done = 0; done < length; ) {
    const p = (start + done) % PATTERN.length;
    done += PATTERN.copy(b, done, p, Math.min(PATTERN.length, p + length - done));
  }
  return b;
}

describe('fuzz: strided reads (src/transport/transport.ts readViewByRanges)', () => {
  const viewArb = fc
    .tuple(dtypeArb, fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 3 }), fc.integer({ min: 1 << 30, max: 2 ** 40 }))
    .chain(([dt, shape, addr]) =>
      fc
        .array(
          fc.oneof(
            fc.integer({ min: -64, max: 64 }),
            fc.integer({ min: -(1 << 22), max: 1 << 22 }),
            fc.constantFrom(dt.itemsize, 0, 100000, -100000, 70000, 60000),
          ),
          { minLength: shape.length, maxLength: shape.length },
        )
        .map((strides): StridedView => ({ address: BigInt(addr), dtype: dt, shape, strides })),
    );
  it('equal an element-by-element gather; only bytes inside the view are read; at most 4x + 64 KiB per read', () =>
    fuzz(
      'strided reads',
      fc.asyncProperty(viewArb, async (v) => {
        const n = elementCount(v.shape);
        const item = v.dtype.itemsize;
        const { lo, hi } = byteExtent(v);
        let reads = 0;
        let bytes = 0;
        const got = await readViewByRanges(async (a, l) => {
          reads++;
          bytes += l;
          assert.ok(a >= v.address + BigInt(lo) && a + BigInt(l) <= v.address + BigInt(hi), `read [${a}, +${l}) outside the view's extent`);
          return fakeRead(Number(a), l);
        }, v);
        assert.equal(got.length, n * item);
        const offs = elementOffsets(v);
        const base = Number(v.address);
        for (let k = 0; k < n; k++)
          for (let b = 0; b < item; b++) if (got[k * item + b] !== byteAt(base + offs[k] + b)) assert.fail(`element ${k} byte ${b} differs`);
        if (n === 0) return;
        assert.ok(reads <= n, `${reads} reads for ${n} elements`);
        // Gaps under 64 KiB are read through, larger ones skipped: at most 64 KiB of waste per element boundary.
        assert.ok(bytes <= 4 * n * item + n * (64 << 10), `${bytes} bytes read for ${n * item} needed in ${reads} reads`);
      }),
    ));
});
