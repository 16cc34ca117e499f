// EngineArraySource resolves an expression once per frame and stop (issue 16: every resolve is a debugger evaluate,
// ~45 ms under debugpy, and a panel opening sends six requests at once), drops what it resolved on invalidate, keeps
// no failed resolve; and which client requests count as the user changing the stopped program.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dtype } from '../../src/core/dtype';
import { ArrayLensError } from '../../src/core/errors';
import { StridedView } from '../../src/core/view';
import { EngineArraySource } from '../../src/engine/arraySource';
import { ArrayHandle, DebugTarget } from '../../src/engine/target';
import { mayChangeProgram } from '../../src/protocol/dap';
import { Transport, readViewByRanges } from '../../src/transport/transport';

/** A stopped "program" in a Buffer: `a` is a float32 [4, 4] at address 0 whose bytes the test can change. */
function fakeProgram(): { memory: Buffer; resolves: () => number; closes: () => number; fail: (on: boolean) => void; make: () => DebugTarget } {
  const memory = Buffer.alloc(64);
  for (let i = 0; i < 16; i++) memory.writeFloatLE(i, i * 4);
  let resolves = 0;
  let closes = 0;
  let failing = false;
  const transport: Transport = {
    kind: 'direct',
    readRange: async (address, length) => Buffer.from(memory.subarray(Number(address), Number(address) + length)),
    readView(view: StridedView) {
      return readViewByRanges((a, l) => this.readRange!(a, l), view);
    },
  };
  const make = (): DebugTarget => ({
    language: 'python',
    pid: undefined,
    async resolve(expr: string): Promise<ArrayHandle> {
      resolves++;
      await new Promise((r) => setTimeout(r, 5));
      if (failing || expr !== 'a') throw new ArrayLensError('unknown-expression', `name '${expr}' is not defined`);
      return { expr, language: 'python', typeName: 'numpy.ndarray', view: { address: 0n, dtype: dtype('float32'), shape: [4, 4], strides: [16, 4] } };
    },
    listArrays: async () => [],
    transport: async () => transport,
    close: async () => {
      closes++;
    },
  });
  return { memory, resolves: () => resolves, closes: () => closes, fail: (on) => (failing = on), make };
}

describe('EngineArraySource: one resolve per frame and stop', () => {
  it('shares one resolve between requests sent at once and later ones of the same stop', async () => {
    const p = fakeProgram();
    const src = new EngineArraySource(p.make);
    const bodies = await Promise.all([
      src.inspect({ frameId: 1, expr: 'a', tile: { index: '[0:2, 0:2]', transpose: false } }),
      src.inspect({ frameId: 1, expr: 'a', reduce: { index: '[0:4, 0:4]', transpose: false, factor: 2, mode: 'mean' } }),
      src.inspect({ frameId: 1, expr: 'a', stats: { bins: 4 } }),
    ]);
    assert.equal(p.resolves(), 1);
    assert.equal(bodies[2].stats?.max, 15);
    await src.inspect({ frameId: 1, expr: 'a', tile: { index: '[3, 0:4]', transpose: false } });
    assert.equal(p.resolves(), 1);
    // Another frame of the same stop is another scope: resolved on its own.
    await src.inspect({ frameId: 2, expr: 'a' });
    assert.equal(p.resolves(), 2);
  });

  it('reads the bytes again at every request (only the layout is kept), and resolves again after invalidate', async () => {
    const p = fakeProgram();
    const src = new EngineArraySource(p.make);
    const first = await src.inspect({ frameId: 1, expr: 'a', stats: { bins: 4 } });
    assert.equal(first.stats?.max, 15);
    p.memory.writeFloatLE(100, 0);
    const again = await src.inspect({ frameId: 1, expr: 'a', stats: { bins: 4 } });
    assert.equal(again.stats?.max, 100, 'a value changed in place shows at the next request of the same stop');
    assert.equal(p.resolves(), 1);
    src.invalidate();
    assert.equal(p.closes(), 1);
    await src.inspect({ frameId: 1, expr: 'a' });
    assert.equal(p.resolves(), 2);
  });

  it('keeps no failed resolve: the next request asks the debugger again', async () => {
    const p = fakeProgram();
    const src = new EngineArraySource(p.make);
    p.fail(true);
    await assert.rejects(src.inspect({ frameId: 1, expr: 'a' }), /not defined/);
    p.fail(false);
    const body = await src.inspect({ frameId: 1, expr: 'a' });
    assert.deepEqual(body.array.shape, [4, 4]);
    assert.equal(p.resolves(), 2);
  });
});

describe('mayChangeProgram: client requests after which a stop\'s resolves are dropped', () => {
  it('counts Debug Console input and set requests', () => {
    assert.equal(mayChangeProgram('evaluate', { expression: 'a = a * 2', context: 'repl' }), true);
    assert.equal(mayChangeProgram('evaluate', { expression: '`expr x = 5', context: 'repl' }), true);
    assert.equal(mayChangeProgram('evaluate', { expression: '>set var x = 5', context: 'repl' }), true);
    assert.equal(mayChangeProgram('setVariable', { name: 'x', value: '1', variablesReference: 3 }), true);
    assert.equal(mayChangeProgram('setExpression', { expression: 'x', value: '1' }), true);
  });

  it('does not count reads: other contexts, other requests, and the two console commands that change no value', () => {
    for (const context of ['hover', 'watch', 'clipboard', 'variables', undefined])
      assert.equal(mayChangeProgram('evaluate', { expression: 'a', context }), false, String(context));
    assert.equal(mayChangeProgram('variables', { variablesReference: 1 }), false);
    assert.equal(mayChangeProgram('evaluate', undefined), false);
    assert.equal(mayChangeProgram('evaluate', { expression: '`type lookup float', context: 'repl' }), false);
    assert.equal(mayChangeProgram('evaluate', { expression: '>set may-call-functions off', context: 'repl' }), false);
  });
});
