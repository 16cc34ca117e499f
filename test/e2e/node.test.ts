// Real Node + its inspector: every array of the zoo fixture (CommonJS and ES module), through the direct and the
// evaluate transports, compared with NumPy arrays built independently (test/fixtures/node/zoo_cases.py).

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { NodeTarget } from '../../src/backends/node/target';
import { toJson } from '../../src/core/decode';
import { inspectArray } from '../../src/engine/engine';
import { TransportKind } from '../../src/transport/transport';
import { AcceptanceCase, assertCasesMatchNumpy, loadCases } from '../helpers/cases';
import { ROOT, fixture, markerLine, runPython } from '../helpers/env';

const CASES_FILE = fixture('node', 'zoo_cases.py');
const CASES = loadCases(CASES_FILE);
/** A node with Float16Array (npm node@24 that the code-server set-up installs), when there is one. */
export const NODE24 = [process.env.ARRAYLENS_TEST_NODE24, path.join(ROOT, '.cache', 'e2e', 'node24', 'node_modules', 'node', 'bin', 'node')].find(
  (f): f is string => !!f && fs.existsSync(f),
);

function runCases(target: NodeTarget, cases: AcceptanceCase[], transport: TransportKind): Promise<void> {
  return assertCasesMatchNumpy(target, CASES_FILE, cases, transport);
}

for (const [label, file] of [
  ['CommonJS', fixture('node', 'zoo.js')],
  ['ES module', fixture('node', 'zoo.mjs')],
] as const) {
  describe(`node backend on the zoo, ${label} (real Node inspector)`, () => {
    let target: NodeTarget;

    before(async () => {
      target = await NodeTarget.launch({ program: file, args: [], breakpoint: { file, line: markerLine(file, '// BREAK') } });
    });

    after(async () => {
      await target?.close();
    });

    for (const transport of ['direct', 'evaluate'] as TransportKind[])
      it(`every case matches NumPy through the ${transport} transport`, () => runCases(target, CASES, transport));

    it('stops at the marker line', () => {
      assert.equal(target.location.line, markerLine(file, '// BREAK'));
      assert.match(target.location.url, /zoo\.m?js$/);
    });

    it('auto picks direct reads at real addresses (the probe loaded)', async () => {
      const r = await inspectArray(target, 'u8', { values: true });
      assert.equal(r.transport, 'direct');
      assert.ok(BigInt(r.address) < 1n << 47n, `user-space address, got ${r.address}`);
      const ab = await inspectArray(target, 'rawBuffer');
      const dv = await inspectArray(target, 'dvw');
      assert.equal(BigInt(dv.address) - BigInt(ab.address), 3n, 'the DataView starts 3 bytes into its buffer');
    });

    it('lists the frame arrays with dtype, shape and type', async () => {
      const arrays = await target.listArrays();
      const byName = new Map(arrays.map((a) => [a.expr, a]));
      const expect: [string, string, number[], string][] = [
        ['i8', 'int8', [1000], 'Int8Array'],
        ['u8c', 'uint8', [1000], 'Uint8ClampedArray'],
        ['i64', 'int64', [1000], 'BigInt64Array'],
        ['u64', 'uint64', [1000], 'BigUint64Array'],
        ['bslice', 'uint8', [1000], 'Buffer'],
        ['dvw', 'uint8', [3200], 'DataView'],
        ['rawBuffer', 'uint8', [3208], 'ArrayBuffer'],
        ['shared', 'uint8', [1024], 'SharedArrayBuffer'],
        ['sub', 'float64', [600], 'Float64Array'],
        ['samples', 'float64', [64], 'Samples'],
        ['pixels', 'uint8', [480 * 640 * 4], 'Uint8Array'],
      ];
      for (const [name, dt, shape, typeName] of expect) {
        const a = byName.get(name);
        assert.ok(a, `${name} listed (got ${[...byName.keys()].join(', ')})`);
        assert.equal(a.view.dtype.name, dt, name);
        assert.deepEqual(a.view.shape, shape, name);
        assert.equal(a.typeName, typeName, name);
      }
      assert.ok(!byName.has('notArray'), 'plain objects are not listed');
    });

    it('refuses expressions with side effects and leaves the data unchanged', async () => {
      await assert.rejects(target.resolve('u8.fill(7)'), /may have side effects/);
      await assert.rejects(target.resolve('(u8[0] = 1)'), /may have side effects/);
      const r = await inspectArray(target, 'u8', { slice: '[:4]', values: true });
      const expected = runPython(['-c', `import sys; sys.path.insert(0, ${JSON.stringify(path.dirname(CASES_FILE))}); import zoo_cases; print(zoo_cases.make()['u8'][:4].tolist())`]);
      assert.deepEqual(r.values, JSON.parse(expected));
    });

    it('errors say what is wrong', async () => {
      await assert.rejects(target.resolve('no_such_name'), /ReferenceError: no_such_name is not defined/);
      await assert.rejects(target.resolve('notArray'), /'notArray' is an Object, not an array/);
      await assert.rejects(target.resolve('notArray.rows'), /is a number, not an array/);
      await assert.rejects(target.resolve('pixels as uint8[481,640,4]'), /spans bytes 0\.\.1231360 but pixels \(Uint8Array\) has 1228800 bytes/);
      await assert.rejects(target.resolve('notArray as uint8[4]'), /a raw layout needs a TypedArray/);
      await assert.rejects(target.transport('dap', (await target.resolve('u8')).view), /does not apply to Node/);
    });
  });
}

describe('node backend: the program runs on unchanged after inspection', () => {
  it('continues to the end with exit code 0', async () => {
    const file = fixture('node', 'zoo.js');
    const target = await NodeTarget.launch({ program: file, args: [], breakpoint: { file, line: markerLine(file, '// BREAK') } });
    try {
      await inspectArray(target, 'pixels as uint8[480,640,4]', { stats: true, slice: '[::2]' });
      await target.continueToEnd();
    } finally {
      await target.close();
    }
  });
});

describe('node backend: attaching to a paused Node process someone else debugs', () => {
  it('inspects through a second inspector session, verifies direct reads, and leaves the program paused', async () => {
    const file = fixture('node', 'zoo.js');
    const owner = await NodeTarget.launch({ program: file, args: [], breakpoint: { file, line: markerLine(file, '// BREAK') } });
    try {
      const guest = await NodeTarget.attach({ url: owner.inspectorUrl });
      let guestResult;
      try {
        assert.equal(guest.pid, owner.pid, "the debuggee's own process.pid");
        assert.equal(guest.location.line, markerLine(file, '// BREAK'));
        guestResult = await inspectArray(guest, 'i64', { slice: '[:3]', values: true, stats: true });
        assert.equal(guestResult.transport, 'direct', 'direct once its bytes agree with the inspector');
      } finally {
        await guest.close();
      }
      assert.equal(processAlive(owner.pid), true, 'closing an attached session does not end the program');
      const ownerResult = await inspectArray(owner, 'i64', { slice: '[:3]', values: true, stats: true });
      assert.equal(toJson(guestResult.values), toJson(ownerResult.values));
      assert.equal(guestResult.address, ownerResult.address);
    } finally {
      await owner.close();
    }
  });
});

function processAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('node backend: Float16Array (Node >= 24)', { skip: NODE24 ? false : 'no Node 24 here: run npm run setup (it installs node@24 for code-server)' }, () => {
  it('float16 values and stats match NumPy through both transports', async () => {
    const file = fixture('node', 'zoo.mjs');
    const target = await NodeTarget.launch({ node: NODE24, program: file, args: [], breakpoint: { file, line: markerLine(file, '// BREAK') } });
    try {
      const cases: AcceptanceCase[] = [
        { expr: 'f16', values: true, stats: true },
        { expr: 'f16', slice: '[::-9]', values: true, stats: true },
      ];
      await runCases(target, cases, 'direct');
      await runCases(target, cases, 'evaluate');
      assert.equal((await target.resolve('f16')).typeName, 'Float16Array');
    } finally {
      await target.close();
    }
  });
});
