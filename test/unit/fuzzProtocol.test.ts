// Fuzzing what arrives from outside the host: webview messages (src/protocol/webview.ts validators), DAP framing
// (src/rpc/dapFraming.ts DapReader) and gdb's MI lines (src/rpc/miClient.ts parseMiLine, MiLineReader). Random and
// mutated input is refused with the module's own error and never accepted in a shape the types do not allow; well-formed
// input split anywhere comes out as it went in.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StringDecoder } from 'string_decoder';
import fc from 'fast-check';
import { DapFramingError, DapMessage, DapReader } from '../../src/rpc/dapFraming';
import { MiRecord, MiTuple, MiValue, MiLineReader, parseMiLine } from '../../src/rpc/miClient';
import { ProtocolError } from '../../src/protocol/schema';
import { parseHostMessage, parseWebviewMessage, recoverRequestId } from '../../src/protocol/webview';
import { fuzz } from './fuzzConfig';

const summary = {
  expr: 'a', typeName: 'numpy.ndarray', dtype: 'float32', byteOrder: 'little', shape: [2, 3], strides: [12, 4], address: '0x7f00', size: 6, nbytes: 24,
};
const tile = { shape: [2, 3], dtype: 'float32', byteOrder: 'little', base64: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
const stats = {
  count: 6, nan: 0, posinf: 0, neginf: 0, zeros: 1, min: 0, max: '18446744073709551615', mean: 2.5, std: 'nan',
  histogram: { bins: 2, lo: 0, hi: 5, counts: [3, 3] }, backend: 'js',
};
/** Well-formed messages of both directions, the seeds of the mutations. */
const VALID: { fromWebview: boolean; msg: unknown }[] = [
  { fromWebview: true, msg: { type: 'request', id: 1, method: 'readTile', params: { stop: 3, index: '[0, 0:64, 128:192:2]', transpose: true } } },
  { fromWebview: true, msg: { type: 'request', id: 2, method: 'stats', params: { stop: 3, bins: 256 } } },
  { fromWebview: true, msg: { type: 'request', id: 3, method: 'readOverview', params: { stop: 3, index: '[0:4096, 0:4096]', transpose: false, factor: 16, mode: 'max' } } },
  { fromWebview: true, msg: { type: 'request', id: 4, method: 'percentiles', params: { stop: 3, ranks: [1, 99] } } },
  { fromWebview: true, msg: { type: 'request', id: 5, method: 'compare', params: { stop: 1, other: { kind: 'expr', expr: 'b' }, rtol: 1e-5, atol: 0, plane: { index: '[0]', transpose: false } } } },
  { fromWebview: true, msg: { type: 'request', id: 6, method: 'saveFile', params: { stop: 1, kind: 'png', name: 'a.png', base64: 'AAAA' } } },
  { fromWebview: true, msg: { type: 'notify', method: 'ready', params: {} } },
  { fromWebview: false, msg: { type: 'response', id: 1, method: 'readTile', ok: true, result: tile } },
  { fromWebview: false, msg: { type: 'response', id: 2, method: 'stats', ok: true, result: stats } },
  { fromWebview: false, msg: { type: 'response', id: 9, method: 'stats', ok: false, error: { code: 'stale', message: 'x' } } },
  { fromWebview: false, msg: { type: 'notify', method: 'state', params: { stop: 1, session: 's', expr: 'a', array: summary, transport: 'direct', changed: null, error: null } } },
];

/** JSON-ish values a hostile or broken peer might send (with the odd non-JSON value postMessage can carry). */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 53, 1.5, NaN, Infinity, -0, '', '__proto__', 'constructor', [], {}, null, undefined, true) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -3, max: 2 ** 53 + 2 }), { maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 700 }) },
);

/** Replaces, deletes or adds one field somewhere in a copy of `v` (the path picked by `pick`). */
function mutate(v: unknown, pick: number[], replacement: unknown, op: 'set' | 'delete' | 'add'): unknown {
  const copy = JSON.parse(JSON.stringify(v)) as unknown;
  let cur = copy as Record<string, unknown>;
  for (let depth = 0; ; depth++) {
    const keys = Object.keys(cur);
    if (keys.length === 0) return copy;
    const k = keys[pick[depth % pick.length] % keys.length];
    const child = cur[k];
    const deeper = pick[(depth + 1) % pick.length] % 3 !== 0;
    if (typeof child === 'object' && child !== null && deeper && depth < 6) {
      cur = child as Record<string, unknown>;
      continue;
    }
    if (op === 'delete') delete cur[k];
    else if (op === 'add') cur[`${k}_extra`] = replacement;
    else cur[k] = replacement;
    return copy;
  }
}

/** What an accepted message must be: the types' shapes (dims are non-negative integers, at most 32), nothing added. */
function checkAccepted(input: unknown, out: unknown, where = 'message'): void {
  if (Array.isArray(out)) {
    assert.ok(Array.isArray(input) && input.length === out.length, `${where}: array changed`);
    out.forEach((x, i) => checkAccepted((input as unknown[])[i], x, `${where}[${i}]`));
    return;
  }
  if (typeof out === 'object' && out !== null) {
    assert.equal(Object.getPrototypeOf(out), Object.prototype, `${where}: not a plain object`);
    for (const [k, x] of Object.entries(out)) {
      assert.ok(Object.prototype.hasOwnProperty.call(input, k), `${where}.${k}: not in the input`);
      if (k === 'shape') {
        assert.ok(Array.isArray(x) && x.length <= 32 && x.every((d) => Number.isSafeInteger(d) && (d as number) >= 0), `${where}.shape ${JSON.stringify(x)}`);
      }
      if (k === 'strides') assert.ok(Array.isArray(x) && x.length <= 32 && x.every((d) => Number.isSafeInteger(d)), `${where}.strides`);
      checkAccepted((input as Record<string, unknown>)[k], x, `${where}.${k}`);
    }
    return;
  }
  assert.ok(Object.is(out, input), `${where}: ${String(out)} vs ${String(input)}`);
  if (typeof out === 'number') assert.ok(Number.isFinite(out), `${where}: non-finite number accepted`);
}

function checkMessage(msg: unknown): void {
  for (const parse of [parseWebviewMessage, parseHostMessage] as ((v: unknown) => unknown)[]) {
    let out: unknown;
    try {
      out = parse(msg);
    } catch (e) {
      assert.ok(e instanceof ProtocolError, `threw ${String(e)}`);
      continue;
    }
    checkAccepted(msg, out);
  }
  const rec = recoverRequestId(msg);
  if (rec) assert.ok(Number.isSafeInteger(rec.id) && rec.id >= 0);
}

describe('fuzz: webview messages (src/protocol/webview.ts)', () => {
  it('random JSON: ProtocolError or a message of the declared shapes', () => fuzz('webview messages (random JSON)', fc.property(hostile, checkMessage)));
  it('mutations of well-formed messages: ProtocolError or a message of the declared shapes', () =>
    fuzz(
      'webview messages (mutated)',
      fc.property(
        fc.nat(VALID.length - 1),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        hostile,
        fc.constantFrom('set', 'delete', 'add') as fc.Arbitrary<'set' | 'delete' | 'add'>,
        (i, pick, replacement, op) => {
          // The seeds themselves are accepted by their side.
          (VALID[i].fromWebview ? parseWebviewMessage : parseHostMessage)(VALID[i].msg);
          checkMessage(mutate(VALID[i].msg, pick, replacement, op));
        },
      ),
    ));
});

const dapMessage: fc.Arbitrary<DapMessage> = fc.record({
  seq: fc.nat(),
  type: fc.constantFrom('request', 'response', 'event'),
  command: fc.string({ maxLength: 20, unit: 'grapheme' }),
  body: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
}) as fc.Arbitrary<DapMessage>;

function frame(m: DapMessage, headerStyle: number): Buffer {
  const json = JSON.stringify(m);
  const len = Buffer.byteLength(json, 'utf8');
  const header = [`Content-Length: ${len}`, `content-length:${len}`, `Content-Type: application/json\r\nContent-Length: ${len}`][headerStyle];
  return Buffer.from(`${header}\r\n\r\n${json}`, 'utf8');
}

/** Cuts `b` at the given points (mod its length) into chunks, as reads from a pipe arrive. */
function cut(b: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => (b.length ? p % b.length : 0)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of at) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

describe('fuzz: DAP framing (src/rpc/dapFraming.ts)', () => {
  it('framed messages cut anywhere come out whole and in order; random bytes only ever give framing errors', () =>
    fuzz(
      'DAP framing',
      fc.property(
        fc.array(fc.tuple(dapMessage, fc.nat(2)), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom('none', 'before', 'after'),
        (msgs, points, junk, where) => {
          // Well-formed stream: every message out, no error.
          const got: DapMessage[] = [];
          const errors: DapFramingError[] = [];
          const r = new DapReader((m) => got.push(m), (e) => errors.push(e));
          for (const c of cut(Buffer.concat(msgs.map(([m, h]) => frame(m, h))), points)) r.push(c);
          assert.deepEqual(got, msgs.map(([m]) => JSON.parse(JSON.stringify(m)) as DapMessage));
          assert.deepEqual(errors, []);
          // With random bytes around it: no exception, errors are DapFramingErrors, nothing after a fatal one.
          const stream = Buffer.concat(where === 'before' ? [Buffer.from(junk), frame(msgs[0]?.[0] ?? { seq: 1, type: 'event' }, 0)] : where === 'after' ? [frame(msgs[0]?.[0] ?? { seq: 1, type: 'event' }, 0), Buffer.from(junk)] : [Buffer.from(junk)]);
          let afterFatal = 0;
          let fatal = false;
          const r2 = new DapReader(
            (m) => {
              if (fatal) afterFatal++;
              assert.ok(typeof m === 'object' && m !== null && !Array.isArray(m) && typeof m.type === 'string');
            },
            (e) => {
              assert.ok(e instanceof DapFramingError);
              fatal ||= e.fatal;
            },
            1 << 16,
          );
          for (const c of cut(stream, points)) r2.push(c);
          assert.equal(afterFatal, 0);
          assert.equal(r2.isFailed, fatal);
        },
      ),
    ));
});

// '__proto__', 'constructor' and 'toString' included: tuple fields are own properties, never the tuple's prototype.
const miName = fc.constantFrom('value', 'name', 'addr', 'bkpt', 'frame', 'args', 'thread-id', '__proto__', 'constructor', 'toString', 'a_b');
/** A plain object with these own keys. */
function plainTuple(d: Record<string, MiValue>): MiTuple {
  const t: MiTuple = {};
  for (const k of Object.keys(d)) Object.defineProperty(t, k, { value: d[k], enumerable: true, writable: true, configurable: true });
  return t;
}
const miString = fc.string({ maxLength: 12, unit: 'grapheme' });
const miValue: fc.Arbitrary<MiValue> = fc.letrec<{ v: MiValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    miString,
    fc.dictionary(miName, tie('v'), { maxKeys: 3 }).map(plainTuple),
    fc.array(tie('v'), { maxLength: 3 }),
  ),
})).v;

/** gdb's C-string quoting: escapes for quotes, backslashes and controls, octal bytes for anything past ASCII. */
function miCString(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(b);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function miText(v: MiValue): string {
  if (typeof v === 'string') return miCString(v);
  if (Array.isArray(v)) return `[${v.map(miText).join(',')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${k}=${miText(x)}`).join(',')}}`;
}

describe('fuzz: MI lines (src/rpc/miClient.ts)', () => {
  it('records written as gdb writes them parse back; any line parses or throws an Error; results are plain objects', () =>
    fuzz(
      'MI lines',
      fc.property(
        fc.option(fc.nat(99999), { nil: undefined }),
        fc.constantFrom('^', '*', '=', '+'),
        fc.constantFrom('done', 'stopped', 'error', 'running', 'thread-group-started'),
        fc.array(fc.tuple(miName, miValue), { maxLength: 4 }),
        fc.string({ maxLength: 80, unit: 'binary' }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (token, kind, cls, results, garbage, points) => {
          // Duplicate names: the last one wins, as in the parser.
          const expected: MiTuple = {};
          for (const [k, v] of results) Object.defineProperty(expected, k, { value: v, enumerable: true, writable: true, configurable: true });
          const line = `${token ?? ''}${kind}${cls}${results.map(([k, v]) => `,${k}=${miText(v)}`).join('')}`;
          const rec = parseMiLine(line) as MiRecord;
          assert.equal(rec.kind, kind);
          assert.equal(rec.cls, cls);
          assert.equal(rec.token, token);
          const plain = (x: unknown): void => {
            if (typeof x !== 'object' || x === null) return;
            if (!Array.isArray(x)) assert.equal(Object.getPrototypeOf(x), Object.prototype, `${line}: a tuple's prototype was replaced`);
            Object.values(x).forEach(plain);
          };
          plain(rec.results);
          assert.deepEqual(rec.results, expected, line);
          // Any line: a record, null, or an Error (MiLineReader reports those and reads on).
          for (const l of [garbage, line.slice(0, garbage.length % (line.length + 1)), `~${garbage}`, `^done,${garbage}`]) {
            try {
              parseMiLine(l);
            } catch (e) {
              assert.ok(e instanceof Error, `threw ${String(e)}`);
            }
          }
          const seen: MiRecord[] = [];
          const bad: string[] = [];
          const reader = new MiLineReader((r) => seen.push(r), (l) => bad.push(l));
          const utf8 = new StringDecoder('utf8');
          for (const c of cut(Buffer.from(`${line}\n${garbage.replace(/\n/g, ' ')}\n(gdb)\n`, 'utf8'), points)) reader.push(utf8.write(c));
          assert.ok(seen.length + bad.length <= 2 && seen.length >= 1);
          assert.deepEqual(seen[0].results, expected);
        },
      ),
    ));
});
